/**
 * Stacks for the e2e tier: the reference backend behind nginx 1.22 (Debian's), with
 * PostgreSQL and Redis. Only the `dev` profile runs here.
 */
import {
  Backend,
  Nginx,
  Postgres,
  Redis,
  Stack,
  type BackendConstructProps,
  type NginxConstructProps,
  type PostgresConstructProps,
  type RedisConstructProps,
} from '../../lib/index.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import type { RuleContext } from '../../lib/rules/rule.js';

/** The nginx version installed here (Debian 12: 1.22.1); the conf is rendered for it. */
export const LOCAL_NGINX_VERSION = '1.22';

export interface E2eStackProps {
  readonly backend?: Partial<BackendConstructProps>;
  readonly nginx?: NginxConstructProps;
  readonly db?: PostgresConstructProps;
  readonly redis?: RedisConstructProps;
}

export interface E2eModel {
  readonly stack: Stack;
  readonly backend: Backend;
  readonly nginx: Nginx;
  readonly db: Postgres;
  readonly redis: Redis;
}

/** A stack at paths `e2e/backend`, `e2e/nginx`, `e2e/db`, `e2e/redis`. */
export function e2eModel(p: E2eStackProps = {}): E2eModel {
  const stack = new Stack(undefined, 'e2e');
  return {
    stack,
    backend: new Backend(stack, 'backend', {
      image: 'scaleout/reference-backend:1.0.0',
      port: 8000,
      replicas: 3,
      workers: 1,
      pool: { size: 2, maxOverflow: 2 },
      redisPool: 2,
      healthcheck: { path: '/api/health', interval: '5s', timeout: '3s', retries: 3, startPeriod: '10s' },
      resources: { limits: { cpu: 1, memory: '512Mi' }, requests: { cpu: 0.25, memory: '128Mi' } },
      routes: ['/api/'],
      ...p.backend,
    }),
    nginx: new Nginx(stack, 'nginx', { image: 'nginx:1.22.1', version: LOCAL_NGINX_VERSION, ...p.nginx }),
    db: new Postgres(stack, 'db', { image: 'postgres:15', maxConnections: 100, ...p.db }),
    redis: new Redis(stack, 'redis', { image: 'redis:7.0', maxClients: 1000, ...p.redis }),
  };
}

/** The resolved dev context of a stack variant, through the compose gate (so it must pass). */
export function devContext(stack: Stack): RuleContext {
  return synthCompose(stack, { profiles: ['dev'] }).report.contexts[0]!;
}
