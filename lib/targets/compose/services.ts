import type { ResolvedBackend } from '../../model/backend.js';
import type { ResolvedHealthcheck, ResolvedResources } from '../../model/common.js';
import type { ResolvedNginx } from '../../model/nginx.js';
import type { ResolvedPgBouncer } from '../../model/pgbouncer.js';
import { postgresServerArgs, type ResolvedPostgres } from '../../model/postgres.js';
import type { ResolvedRedis } from '../../model/redis.js';
import type { Duration } from '../../units/index.js';
import { backendEnv, backendSecrets, type ProviderHosts } from '../../render/backend-env.js';
import { dockerSecretPath } from '../../render/docker.js';

/** A compose service, as plain data (the compose-spec shape). */
export type ComposeService = Record<string, unknown>;

/** Compose networks: `app` faces nginx, `data` is internal so Postgres and Redis are never reachable from outside. */
export const APP_NETWORK = 'app';
export const DATA_NETWORK = 'data';

/** Where compose mounts a secret. */
export const secretPath = dockerSecretPath;

function resources(r: ResolvedResources): Record<string, unknown> | undefined {
  const side = (c: ResolvedResources['limits']) => {
    const o: Record<string, string> = {};
    if (c.cpu) o.cpus = c.cpu.toCompose();
    if (c.memory) o.memory = c.memory.toCompose();
    return Object.keys(o).length ? o : undefined;
  };
  const limits = side(r.limits);
  const reservations = side(r.requests);
  if (!limits && !reservations) return undefined;
  return { ...(limits ? { limits } : {}), ...(reservations ? { reservations } : {}) };
}

export function deploy(r: ResolvedResources, replicas?: number, restart = { condition: 'any' } as { condition: string; maxAttempts?: number }) {
  const res = resources(r);
  return {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(res ? { resources: res } : {}),
    // compose honours condition and max_attempts only; delay and window are Swarm-only.
    restart_policy: { condition: restart.condition, ...(restart.maxAttempts ? { max_attempts: restart.maxAttempts } : {}) },
  };
}

function healthcheck(test: readonly string[], interval: Duration, timeout: Duration, retries: number, startPeriod: Duration) {
  return {
    test: [...test],
    interval: interval.toString(),
    timeout: timeout.toString(),
    retries,
    start_period: startPeriod.toString(),
  };
}

function healthcheckOf(h: ResolvedHealthcheck) {
  return healthcheck(h.command, h.interval, h.timeout, h.retries, h.startPeriod);
}

export function backendService(
  b: ResolvedBackend,
  pg: ResolvedPostgres | undefined,
  redis: ResolvedRedis | undefined,
  dependencies: Record<string, unknown>,
  pooler: ResolvedPgBouncer | undefined,
  hosts: ProviderHosts,
): ComposeService {
  const env = backendEnv(b, pg, redis, secretPath, pooler, hosts);
  const usesData = (b.pool && pg) || (b.redisPool > 0 && redis);
  const secrets = backendSecrets(b, pg, redis);
  return {
    image: b.image,
    // init reaps workers and forwards SIGTERM, so `down` does not wait out the stop timeout.
    init: true,
    environment: env,
    expose: [String(b.port)],
    ...(b.healthcheck ? { healthcheck: healthcheckOf(b.healthcheck) } : {}),
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    deploy: deploy(b.resources, b.replicas, b.restartPolicy),
    networks: {
      // The construct id is a stable alias, so nginx.conf names the same host in every profile.
      [APP_NETWORK]: b.serviceName === b.id ? {} : { aliases: [b.id] },
      ...(usesData ? { [DATA_NETWORK]: {} } : {}),
    },
    ...(secrets.length ? { secrets } : {}),
    ...(b.volumes.length ? { volumes: b.volumes.map((v) => `${v.name}:${v.path}${v.readOnly ? ':ro' : ''}`) } : {}),
    // Only present when the model asks and SO-SCALE-CONFLICT was suppressed.
    ...(b.containerName !== undefined ? { container_name: b.containerName } : {}),
    ...(b.hostPort !== undefined ? { ports: [`${b.hostPort}:${b.port}`] } : {}),
  };
}

export function nginxService(n: ResolvedNginx, confFile: string, dependencies: Record<string, unknown>): ComposeService {
  const ports = [`${n.port}:${n.port}`, ...(n.tls ? [`${n.tls.port}:${n.tls.port}`] : [])];
  const secrets = n.tls ? [n.tls.certificateSecret, n.tls.keySecret].sort() : [];
  return {
    image: n.image,
    ports,
    volumes: [`./${confFile}:/etc/nginx/nginx.conf:ro`],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    // busybox wget is in the alpine images; /nginx-health is answered by nginx itself.
    healthcheck: {
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${n.port}/nginx-health`],
      interval: '10s',
      timeout: '5s',
      retries: 3,
      start_period: '5s',
    },
    deploy: deploy(n.resources),
    networks: [APP_NETWORK],
    ...(secrets.length ? { secrets } : {}),
  };
}

/** `name` is the compose service name: each service that holds data gets a volume of its own. */
export function postgresService(pg: ResolvedPostgres, name: string): ComposeService {
  return {
    image: pg.image,
    command: postgresServerArgs(pg),
    environment: {
      // A subdirectory, so the volume's lost+found never makes initdb refuse the directory.
      PGDATA: '/var/lib/postgresql/data/pgdata',
      POSTGRES_DB: pg.database,
      POSTGRES_PASSWORD_FILE: secretPath(pg.passwordSecret),
      POSTGRES_USER: pg.user,
    },
    healthcheck: {
      test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', pg.user, '-d', pg.database],
      interval: '5s',
      timeout: '5s',
      retries: 10,
      start_period: '30s',
    },
    deploy: deploy(pg.resources),
    networks: [DATA_NETWORK],
    secrets: [pg.passwordSecret],
    volumes: [`${name}-data:/var/lib/postgresql/data`],
  };
}

/** `name` is the compose service name: each service that holds data gets a volume of its own. */
export function redisService(r: ResolvedRedis, name: string): ComposeService {
  const persistence = { none: '--save "" --appendonly no', rdb: '--appendonly no', aof: '--appendonly yes' }[r.persistence];
  const password = `"$(cat ${secretPath(r.passwordSecret)})"`;
  return {
    image: r.image,
    // redis-server cannot read a password file, so a shell reads the secret at start.
    command: ['sh', '-c', `exec redis-server --requirepass ${password} --maxclients ${r.maxClients} ${persistence} --dir /data`],
    healthcheck: {
      test: ['CMD-SHELL', `REDISCLI_AUTH=${password} redis-cli ping | grep -q PONG`],
      interval: '5s',
      timeout: '5s',
      retries: 10,
      start_period: '10s',
    },
    deploy: deploy(r.resources),
    networks: [DATA_NETWORK],
    secrets: [r.passwordSecret],
    volumes: [`${name}-data:/data`],
  };
}

/** PgBouncer on the data network with the rendered ini; it logs in to Postgres via the userlist secret. */
export function pgbouncerService(p: ResolvedPgBouncer, confFile: string, dependencies: Record<string, unknown>): ComposeService {
  const h = p.healthcheck;
  return {
    image: p.image,
    // Run pgbouncer on our ini directly; image entrypoints that template their own are bypassed.
    entrypoint: ['pgbouncer'],
    command: ['/etc/pgbouncer/pgbouncer.ini'],
    volumes: [`./${confFile}:/etc/pgbouncer/pgbouncer.ini:ro`],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    // busybox nc is in the alpine images; a TCP accept shows pgbouncer is serving.
    healthcheck: healthcheck(['CMD-SHELL', `nc -z 127.0.0.1 ${p.port}`], h.interval, h.timeout, h.retries, h.startPeriod),
    deploy: deploy(p.resources, p.replicas),
    networks: [DATA_NETWORK],
    secrets: [p.userlistSecret],
  };
}
