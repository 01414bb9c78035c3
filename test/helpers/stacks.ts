/**
 * Small stack builders for rule and model tests.
 *
 * `minimalStack()` passes every rule in every profile under every target. The numbers, from
 * the capacity math in docs/ARCHITECTURE.md, with the defaults below:
 * - Postgres: peak (kubernetes) 2 replicas + surge ⌈25% × 2⌉ = 1 + draining 1 = 4
 *   × 1 worker × (pool 5 + overflow 10) = 60 ≤ 100 − 3 = 97;
 * - Redis: 4 × 1 × 10 = 40 ≤ 10000;
 * - nginx: 2 × 60 + 1 × (keepalive 32, sized ⌈2 × 1 × 15⌉ = 30 and raised to the floor,
 *   + 1 listener) = 153 ≤ 1 × 1024;
 * - keepalive 4s < uvicorn's 5s; 2 replicas for SO-HA; limits, healthcheck and tags set.
 */
import {
  Backend,
  Nginx,
  Postgres,
  Redis,
  Stack,
  type BackendConstructProps,
  type Problem,
  type GateReport,
  type NginxConstructProps,
  type PostgresConstructProps,
  type RedisConstructProps,
  type StackProps,
} from '../../lib/index.js';

export const HEALTHCHECK = { path: '/api/health', interval: '15s', timeout: '5s', retries: 3, startPeriod: '60s' } as const;
export const RESOURCES = { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: 0.5, memory: '512Mi' } } as const;

/** The minimal backend: tagged image, 2 replicas, healthcheck and resources, defaults otherwise. */
export const BACKEND: BackendConstructProps = {
  image: 'ghcr.io/acme/api:1.0.0',
  replicas: 2,
  healthcheck: HEALTHCHECK,
  resources: RESOURCES,
};

/** Props spread over each construct's defaults; set a key to `undefined` to drop it. */
export interface MinimalOverrides {
  readonly stack?: StackProps;
  readonly backend?: Partial<BackendConstructProps>;
  readonly nginx?: NginxConstructProps;
  readonly db?: PostgresConstructProps;
  readonly redis?: RedisConstructProps;
}

/** The stack and its constructs, at paths `uns/backend`, `uns/nginx`, `uns/db`, `uns/redis`. */
export interface MinimalStack {
  readonly stack: Stack;
  readonly backend: Backend;
  readonly nginx: Nginx;
  readonly db: Postgres;
  readonly redis: Redis;
}

export function minimalStack(o: MinimalOverrides = {}): MinimalStack {
  const stack = new Stack(undefined, 'uns', o.stack);
  return {
    stack,
    backend: new Backend(stack, 'backend', { ...BACKEND, ...o.backend }),
    nginx: new Nginx(stack, 'nginx', { ...o.nginx }),
    db: new Postgres(stack, 'db', { ...o.db }),
    redis: new Redis(stack, 'redis', { ...o.redis }),
  };
}

/** Unsuppressed findings (errors and warnings) of `rule`, optionally in one profile. */
export function findingsOf(report: GateReport, rule: string, profile?: string): Problem[] {
  return [...report.errors, ...report.warnings].filter(
    (f) => f.code === rule && (profile === undefined || f.profiles.includes(profile)),
  );
}

/** Findings of `rule` that a suppression hid. */
export function suppressedOf(report: GateReport, rule: string): Problem[] {
  return report.suppressed.filter((s) => s.problem.code === rule).map((s) => s.problem);
}
