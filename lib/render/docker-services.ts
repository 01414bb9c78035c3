/**
 * What each container of the stack runs on a Docker engine, as typed, target-neutral data.
 * Compose (`lib/targets/compose/services.ts`) and Pulumi (`lib/targets/pulumi/containers.ts`)
 * each serialize a `ServiceSpec`; neither reads the other's output back.
 *
 * Text is literal: a shell's `$(cat …)` stays as is, and compose's YAML writer escapes `$`.
 * Passwords never appear: a service reads them from `*_FILE` paths under /run/secrets.
 */
import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedHealthcheck, ResolvedResources } from '../model/common.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import { postgresServerArgs, type ResolvedPostgres } from '../model/postgres.js';
import type { ResolvedRedis } from '../model/redis.js';
import { resolveResources } from '../model/resources.js';
import type { PostgresRole } from '../plan/roles.js';
import { Duration, type Memory } from '../units/index.js';
import { backendEnv, backendSecrets, migrationEnv, migrationSecrets, type ProviderHosts } from './backend-env.js';
import { dockerSecretPath } from './docker.js';
import { ROLE_SETUP_SQL_PATH, roleSetupPsqlArgs } from './postgres-roles-sql.js';
import { redisPingScript, redisStartScript } from './redis-server.js';

/** Networks: `app` faces nginx, `data` is internal so Postgres and Redis are never reachable from outside. */
export const APP_NETWORK = 'app';
export const DATA_NETWORK = 'data';

/** A named volume mounted into the container. */
export interface NamedVolume {
  readonly name: string;
  readonly path: string;
  readonly readOnly: boolean;
}

/**
 * A rendered config file or directory, always read-only: compose bind-mounts `./<file>`, Pulumi
 * uploads the content to `path`.
 */
export interface MountedFile {
  /** Path relative to the output directory (compose) or a label for the uploaded content. */
  readonly file: string;
  /** Where it appears in the container. */
  readonly path: string;
}

/** A healthcheck with typed timings. */
export interface ServiceHealth {
  /** `['CMD', …]` or `['CMD-SHELL', '…']`, as Docker takes it. */
  readonly test: readonly string[];
  readonly interval: Duration;
  readonly timeout: Duration;
  readonly retries: number;
  readonly startPeriod: Duration;
}

/**
 * A network the service joins. `aliases` are the stable names consumers reach it by whatever
 * the target names the service (a backend's construct id, an exporter's fixed name).
 */
export interface ServiceNetwork {
  readonly name: string;
  readonly aliases: readonly string[];
}

/** Restart policy with compose's condition names; Pulumi maps them to Docker's. */
export interface ServiceRestart {
  readonly condition: 'none' | 'on-failure' | 'any';
  readonly maxAttempts?: number;
}

/** One Docker service (compose) or container (Pulumi). */
export interface ServiceSpec {
  readonly image: string;
  /** @default the image's entrypoint */
  readonly entrypoint?: readonly string[];
  /** @default the image's command */
  readonly command?: readonly string[];
  /** Literal values only; secrets are `*_FILE` paths. @default no variables */
  readonly env?: Readonly<Record<string, string>>;
  /** Ports other services reach on the internal networks. @default none */
  readonly expose?: readonly number[];
  /** Ports published on the host. @default none */
  readonly ports?: readonly { readonly host: number; readonly container: number }[];
  /** @default none */
  readonly volumes?: readonly NamedVolume[];
  /** @default none */
  readonly files?: readonly MountedFile[];
  /** @default the image's healthcheck */
  readonly health?: ServiceHealth;
  readonly networks: readonly ServiceNetwork[];
  /** Secret names, each a file under /run/secrets. @default none */
  readonly secrets?: readonly string[];
  /** @default the image's user */
  readonly user?: string;
  readonly resources: ResolvedResources;
  /** @default 1 (the target runs one instance) */
  readonly replicas?: number;
  readonly restart: ServiceRestart;
  /** Run an init process that reaps children and forwards signals. @default false */
  readonly init?: boolean;
  /** A fixed container name. @default chosen by the target */
  readonly containerName?: string;
  /** Size of /dev/shm. @default Docker's 64 MiB */
  readonly shmSize?: Memory;
}

/** Where a secret file is mounted. */
export const secretPath = dockerSecretPath;

/** Docker's own default; every service but a backend (which has its own policy) uses it. */
const ALWAYS: ServiceRestart = { condition: 'any' };

const s = (n: number): Duration => Duration.seconds(n);

function health(test: readonly string[], interval: Duration, timeout: Duration, retries: number, startPeriod: Duration): ServiceHealth {
  return { test, interval, timeout, retries, startPeriod };
}

const healthOf = (h: ResolvedHealthcheck): ServiceHealth => health(h.command, h.interval, h.timeout, h.retries, h.startPeriod);

/** `name` is the service's own name (compose service name); `hosts` the providers' names. */
export function backendSpec(
  b: ResolvedBackend,
  pg: ResolvedPostgres | undefined,
  redis: ResolvedRedis | undefined,
  pooler: ResolvedPgBouncer | undefined,
  hosts: ProviderHosts,
): ServiceSpec {
  const usesData = (b.pool && pg) || (b.redisPool > 0 && redis);
  const secrets = backendSecrets(b, pg, redis);
  const web = b.kind === 'web';
  // A worker is reached only by Prometheus, on its metrics port.
  const expose = web ? [b.port] : b.metricsPort !== undefined ? [b.metricsPort] : [];
  return {
    image: b.image,
    ...(b.command ? { entrypoint: b.command } : {}),
    ...(b.args ? { command: b.args } : {}),
    // init reaps workers and forwards SIGTERM, so a stop does not wait out the stop timeout.
    init: true,
    env: backendEnv(b, pg, redis, secretPath, pooler, hosts),
    ...(expose.length ? { expose } : {}),
    ...(b.healthcheck ? { health: healthOf(b.healthcheck) } : {}),
    resources: b.resources,
    replicas: b.replicas,
    restart: b.restartPolicy,
    networks: [
      // The construct id is a stable alias, so nginx.conf and Prometheus name the same host in
      // every profile (a worker is on it for the scrape only).
      { name: APP_NETWORK, aliases: [b.id] },
      ...(usesData ? [{ name: DATA_NETWORK, aliases: [] }] : []),
    ],
    ...(secrets.length ? { secrets } : {}),
    ...(b.volumes.length ? { volumes: b.volumes.map((v) => ({ name: v.name, path: v.path, readOnly: v.readOnly })) } : {}),
    // Only present when the model asks and SO-SCALE-CONFLICT was suppressed.
    ...(b.containerName !== undefined ? { containerName: b.containerName } : {}),
    ...(b.hostPort !== undefined ? { ports: [{ host: b.hostPort, container: b.port }] } : {}),
  };
}

/**
 * A backend's migration as a one-shot service: the backend's image running the migration's
 * argv as its entrypoint, on the data network only, never restarted (compose's backends wait
 * for it with `service_completed_successfully`).
 */
export function migrationSpec(b: ResolvedBackend, pg: ResolvedPostgres, hosts: ProviderHosts): ServiceSpec {
  return {
    image: b.image,
    // An entrypoint set on the container drops the image's CMD (compose and the Docker API).
    entrypoint: b.migration!.command,
    env: migrationEnv(b, pg, secretPath, hosts),
    resources: b.resources,
    restart: { condition: 'none' },
    networks: [{ name: DATA_NETWORK, aliases: [] }],
    secrets: migrationSecrets(b),
  };
}

/** Where nginx reads its configuration. */
export const NGINX_CONF_PATH = '/etc/nginx/nginx.conf';

/** nginx with the rendered `confFile`, its ports published and TLS material as secrets. */
export function nginxSpec(n: ResolvedNginx, confFile: string): ServiceSpec {
  const secrets = n.tls ? [n.tls.certificateSecret, n.tls.keySecret].sort() : [];
  return {
    image: n.image,
    ports: [{ host: n.port, container: n.port }, ...(n.tls ? [{ host: n.tls.port, container: n.tls.port }] : [])],
    files: [{ file: confFile, path: NGINX_CONF_PATH }],
    // busybox wget is in the alpine images; /nginx-health is answered by nginx itself.
    health: health(['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${n.port}/nginx-health`], s(10), s(5), 3, s(5)),
    resources: n.resources,
    restart: ALWAYS,
    networks: [{ name: APP_NETWORK, aliases: [] }],
    ...(secrets.length ? { secrets } : {}),
  };
}

/** `name` is the service's own name: each service that holds data gets a volume of its own. */
export function postgresSpec(pg: ResolvedPostgres, name: string): ServiceSpec {
  return {
    image: pg.image,
    command: postgresServerArgs(pg),
    env: {
      // A subdirectory, so the volume's lost+found never makes initdb refuse the directory.
      PGDATA: '/var/lib/postgresql/data/pgdata',
      POSTGRES_DB: pg.database,
      POSTGRES_PASSWORD_FILE: secretPath(pg.passwordSecret),
      POSTGRES_USER: pg.user,
    },
    health: health(['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', pg.user, '-d', pg.database], s(5), s(5), 10, s(30)),
    resources: pg.resources,
    restart: ALWAYS,
    networks: [{ name: DATA_NETWORK, aliases: [] }],
    secrets: [pg.passwordSecret],
    volumes: [{ name: `${name}-data`, path: '/var/lib/postgresql/data', readOnly: false }],
    shmSize: pg.shmSize,
  };
}

/**
 * `name` is the service's own name: each service that holds data gets a volume of its own.
 * The password reaches redis-server on stdin and redis-cli through `--askpass`, never argv
 * (`lib/render/redis-server.ts`); the image's entrypoint drops the server to the redis user.
 */
export function redisSpec(r: ResolvedRedis, name: string): ServiceSpec {
  const passwordFile = secretPath(r.passwordSecret);
  return {
    image: r.image,
    command: ['sh', '-c', redisStartScript(r, passwordFile)],
    health: health(['CMD-SHELL', redisPingScript(passwordFile)], s(5), s(5), 10, s(10)),
    resources: r.resources,
    restart: ALWAYS,
    networks: [{ name: DATA_NETWORK, aliases: [] }],
    secrets: [r.passwordSecret],
    volumes: [{ name: `${name}-data`, path: '/data', readOnly: false }],
  };
}

/** Where PgBouncer reads its ini. */
export const PGBOUNCER_INI_PATH = '/etc/pgbouncer/pgbouncer.ini';

/** PgBouncer on the data network with the rendered ini; it logs in to Postgres via the userlist secret. */
export function pgbouncerSpec(p: ResolvedPgBouncer, iniFile: string): ServiceSpec {
  const h = p.healthcheck;
  return {
    image: p.image,
    // Run pgbouncer on our ini directly; image entrypoints that template their own are bypassed.
    entrypoint: ['pgbouncer'],
    command: [PGBOUNCER_INI_PATH],
    files: [{ file: iniFile, path: PGBOUNCER_INI_PATH }],
    // busybox nc is in the alpine images; a TCP accept shows pgbouncer is serving.
    health: health(['CMD-SHELL', `nc -z 127.0.0.1 ${p.port}`], h.interval, h.timeout, h.retries, h.startPeriod),
    resources: p.resources,
    replicas: p.replicas,
    restart: ALWAYS,
    networks: [{ name: DATA_NETWORK, aliases: [] }],
    secrets: [p.userlistSecret],
  };
}

/** Limits of the one-shot role setup: one psql session. */
const ROLE_SETUP_RESOURCES = resolveResources({ limits: { cpu: 0.5, memory: '128Mi' }, requests: { cpu: 0.05, memory: '32Mi' } });

/**
 * The one-shot role setup (lib/render/postgres-roles-sql.ts): psql from the Postgres image
 * runs the mounted script as the superuser against `pgHost`, then exits. A shell reads the
 * superuser's password into PGPASSWORD, so it is in no argv; psql reads each role's own
 * secret file itself. It never restarts: consumers wait for it to complete successfully.
 */
export function roleSetupSpec(pg: ResolvedPostgres, roles: readonly PostgresRole[], sqlFile: string, pgHost: string): ServiceSpec {
  const psql = ['psql', '-h', pgHost, '-U', pg.user, '-d', pg.database, ...roleSetupPsqlArgs()].join(' ');
  return {
    image: pg.image,
    entrypoint: ['sh', '-c'],
    command: [`PGPASSWORD="$(cat ${secretPath(pg.passwordSecret)})" exec ${psql}`],
    files: [{ file: sqlFile, path: ROLE_SETUP_SQL_PATH }],
    resources: ROLE_SETUP_RESOURCES,
    restart: { condition: 'none' },
    networks: [{ name: DATA_NETWORK, aliases: [] }],
    secrets: [...new Set([pg.passwordSecret, ...roles.map((r) => r.passwordSecret)])].sort(),
  };
}
