/**
 * Pure converters from resolved model values to `docker.Container` args. They take the
 * resources they refer to (image, networks, volumes, secrets) as inputs, so they can be
 * tested with plain strings and no Pulumi engine.
 *
 * The backend env contract is the one every target shares (render/backend-env.ts). The
 * Postgres and Redis commands and the infrastructure healthchecks come from the compose
 * target's service builders: one definition of what the images support, two targets.
 */
import type * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ResolvedBackend } from '../../model/backend.js';
import type { ResolvedHealthcheck, ResolvedResources } from '../../model/common.js';
import type { ResolvedNginx } from '../../model/nginx.js';
import type { ResolvedPgBouncer } from '../../model/pgbouncer.js';
import type { ResolvedPostgres } from '../../model/postgres.js';
import type { ResolvedRedis } from '../../model/redis.js';
import { Duration, type Cpu } from '../../units/index.js';
import { backendEnv, backendSecrets } from '../../render/backend-env.js';
import {
  nginxService,
  pgbouncerService,
  postgresService,
  redisService,
  secretPath,
  type ComposeService,
} from '../compose/services.js';

/** Resources a container refers to, which exist only once the component creates them. */
export interface ContainerRefs {
  /** Image to run: the RemoteImage's `imageId`, so pulling a new image replaces the container. */
  readonly image: pulumi.Input<string>;
  /** Network names: `app` faces nginx; `data` is internal and holds Postgres and Redis. */
  readonly networks: { readonly app: pulumi.Input<string>; readonly data?: pulumi.Input<string> };
  /** Docker volume name for a model volume name (`uploads`, `db-data`). */
  readonly volume: (name: string) => pulumi.Input<string>;
  /** The value of a secret, as a Pulumi secret Output. */
  readonly secret: (name: string) => pulumi.Input<string>;
}

/** Where nginx reads its configuration; the rendered file is uploaded there. */
export const NGINX_CONF_PATH = '/etc/nginx/nginx.conf';

/**
 * Seconds a container gets after its stop signal before removal: `docker stop`'s default.
 * Without it the provider force-removes the container (SIGKILL), cutting in-flight requests
 * and stopping Postgres uncleanly.
 */
export const STOP_GRACE_SECONDS = 10;

/** compose's `restart_policy.condition` names → Docker restart policies (as compose maps them). */
const RESTART = { none: 'no', 'on-failure': 'on-failure', any: 'always' } as const;

export function restartArgs(p: ResolvedBackend['restartPolicy']): Pick<docker.ContainerArgs, 'restart' | 'maxRetryCount'> {
  // Docker refuses a retry count with any policy but on-failure.
  const retries = p.condition === 'on-failure' && p.maxAttempts !== undefined ? { maxRetryCount: p.maxAttempts } : {};
  return { restart: RESTART[p.condition], ...retries };
}

/** Kubernetes' mapping of a CPU request to a relative weight: 1 core = 1024 shares (Docker's minimum is 2). */
export function cpuShares(cpu: Cpu): number {
  return Math.max(2, Math.round((cpu.millis * 1024) / 1000));
}

/**
 * Limits and requests in the provider's units: memory in integer MB (rounded up, so a limit
 * is never lowered), `cpus` as a core count, requests as memory reservation and CPU shares.
 */
export function resourceArgs(
  r: ResolvedResources,
): Pick<docker.ContainerArgs, 'memory' | 'memoryReservation' | 'cpus' | 'cpuShares'> {
  return {
    ...(r.limits.memory ? { memory: r.limits.memory.toMebibytes() } : {}),
    ...(r.requests.memory ? { memoryReservation: r.requests.memory.toMebibytes() } : {}),
    ...(r.limits.cpu ? { cpus: r.limits.cpu.toCompose() } : {}),
    ...(r.requests.cpu ? { cpuShares: cpuShares(r.requests.cpu) } : {}),
  };
}

/** A healthcheck with typed timings; the provider gets them as Go duration strings ('15s', '1m'). */
export interface HealthcheckTimings {
  readonly tests: readonly string[];
  readonly interval: Duration;
  readonly timeout: Duration;
  readonly retries: number;
  readonly startPeriod: Duration;
}

/**
 * The healthcheck, and `wait` so `pulumi up` finishes a container only once it is healthy:
 * what compose's `depends_on: service_healthy` gives. The wait lasts as long as Docker can
 * take to call the container unhealthy: start period + retries × (interval + timeout).
 */
export function healthcheckArgs(h: HealthcheckTimings): Pick<docker.ContainerArgs, 'healthcheck' | 'wait' | 'waitTimeout'> {
  const worstMs = h.startPeriod.milliseconds + h.retries * (h.interval.milliseconds + h.timeout.milliseconds);
  return {
    healthcheck: {
      tests: [...h.tests],
      interval: h.interval.toString(),
      timeout: h.timeout.toString(),
      retries: h.retries,
      startPeriod: h.startPeriod.toString(),
    },
    wait: true,
    waitTimeout: Math.ceil(worstMs / 1000),
  };
}

const fromModel = (h: ResolvedHealthcheck): HealthcheckTimings => ({ ...h, tests: h.command });

/**
 * Compose service specs hold literal text; only their YAML serializer escapes `$` as `$$`.
 * Docker takes the text as is, so nothing is unescaped here (kept for the call sites).
 */
export const unescapeCompose = (s: string): string => s;

export function fromCompose(spec: ComposeService): HealthcheckTimings {
  const h = spec.healthcheck as { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  return {
    tests: h.test.map(unescapeCompose),
    interval: Duration.parse(h.interval),
    timeout: Duration.parse(h.timeout),
    retries: h.retries,
    startPeriod: Duration.parse(h.start_period),
  };
}

/** `KEY=value` lines, sorted so the input (and the diff `pulumi up` shows) is stable. */
export function envList(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k]}`);
}

/**
 * Secrets as files under /run/secrets, where compose mounts them, so the `*_FILE` env
 * contract is the same in both targets. The content is a secret Output, which keeps the
 * whole `uploads` input encrypted in state and out of `docker inspect`'s env.
 */
export function secretUploads(names: readonly string[], refs: ContainerRefs): docker.types.input.ContainerUpload[] {
  return names.map((n) => ({ file: secretPath(n), content: refs.secret(n) }));
}

export function dataNetwork(refs: ContainerRefs, who: string): pulumi.Input<string> {
  if (refs.networks.data === undefined) throw new Error(`${who} needs the internal data network, but none was given`);
  return refs.networks.data;
}

/** compose volume strings (`db-data:/var/lib/postgresql/data`) → provider volume mounts. */
export function volumesOf(spec: ComposeService, refs: ContainerRefs): docker.types.input.ContainerVolume[] {
  return ((spec.volumes as string[] | undefined) ?? []).map((v) => {
    const [name, containerPath, mode] = v.split(':');
    return { volumeName: refs.volume(name!), containerPath: containerPath!, readOnly: mode === 'ro' };
  });
}

/**
 * One backend replica. Every replica carries the backend id (and service name) as an alias
 * on the app network, so Docker DNS returns all of them for the name nginx proxies to.
 */
export function backendContainerArgs(
  b: ResolvedBackend,
  pg: ResolvedPostgres | undefined,
  redis: ResolvedRedis | undefined,
  name: string,
  refs: ContainerRefs,
  pooler?: ResolvedPgBouncer,
): docker.ContainerArgs {
  const usesData = (b.pool && pg) || (b.redisPool > 0 && redis);
  const secrets = backendSecrets(b, pg, redis);
  return {
    name,
    image: refs.image,
    // The env contract every target shares; secrets are files the app reads via `*_FILE`.
    envs: envList(backendEnv(b, pg, redis, secretPath, pooler)),
    // init reaps workers and forwards SIGTERM, as in compose.
    init: true,
    networksAdvanced: [
      { name: refs.networks.app, aliases: [...new Set([b.id, b.serviceName])] },
      ...(usesData ? [{ name: dataNetwork(refs, b.path) }] : []),
    ],
    ...(b.healthcheck ? healthcheckArgs(fromModel(b.healthcheck)) : {}),
    ...resourceArgs(b.resources),
    ...restartArgs(b.restartPolicy),
    ...(secrets.length ? { uploads: secretUploads(secrets, refs) } : {}),
    ...(b.volumes.length
      ? { volumes: b.volumes.map((v) => ({ volumeName: refs.volume(v.name), containerPath: v.path, readOnly: v.readOnly })) }
      : {}),
    // Only present when SO-SCALE-CONFLICT was suppressed; a second replica cannot bind it.
    ...(b.hostPort !== undefined ? { ports: [{ internal: b.port, external: b.hostPort }] } : {}),
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
}

/** nginx: the rendered config uploaded in place, ports published, TLS material as secret files. */
export function nginxContainerArgs(n: ResolvedNginx, conf: string, name: string, refs: ContainerRefs): docker.ContainerArgs {
  const tlsFiles = n.tls ? secretUploads([n.tls.certificateSecret, n.tls.keySecret].sort(), refs) : [];
  return {
    name,
    image: refs.image,
    networksAdvanced: [{ name: refs.networks.app, aliases: [n.id] }],
    ports: [{ internal: n.port, external: n.port }, ...(n.tls ? [{ internal: n.tls.port, external: n.tls.port }] : [])],
    uploads: [{ file: NGINX_CONF_PATH, content: conf }, ...tlsFiles],
    ...healthcheckArgs(fromCompose(nginxService(n, 'nginx.conf', {}))),
    ...resourceArgs(n.resources),
    restart: 'always',
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
}

/** Postgres on the internal network only, its settings as `-c` command args. */
export function postgresContainerArgs(pg: ResolvedPostgres, name: string, refs: ContainerRefs): docker.ContainerArgs {
  const spec = postgresService(pg, pg.id);
  return {
    name,
    image: refs.image,
    command: spec.command as string[],
    envs: envList(spec.environment as Record<string, string>),
    networksAdvanced: [{ name: dataNetwork(refs, pg.path), aliases: [pg.id] }],
    ...healthcheckArgs(fromCompose(spec)),
    ...resourceArgs(pg.resources),
    restart: 'always',
    uploads: secretUploads([pg.passwordSecret], refs),
    volumes: volumesOf(spec, refs),
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
}

/** Redis on the internal network only; a shell reads the password file, as in compose. */
export function redisContainerArgs(r: ResolvedRedis, name: string, refs: ContainerRefs): docker.ContainerArgs {
  const spec = redisService(r, r.id);
  return {
    name,
    image: refs.image,
    command: (spec.command as string[]).map(unescapeCompose),
    networksAdvanced: [{ name: dataNetwork(refs, r.path), aliases: [r.id] }],
    ...healthcheckArgs(fromCompose(spec)),
    ...resourceArgs(r.resources),
    restart: 'always',
    uploads: secretUploads([r.passwordSecret], refs),
    volumes: volumesOf(spec, refs),
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
}

/**
 * One PgBouncer instance on the internal network; all instances share the pooler id as
 * their alias. Its ini is uploaded in place, and its userlist is built from the Postgres
 * password (a secret Output, so it stays encrypted).
 */
export function pgbouncerContainerArgs(
  p: ResolvedPgBouncer,
  pg: ResolvedPostgres,
  ini: string,
  name: string,
  refs: ContainerRefs,
): docker.ContainerArgs {
  const spec = pgbouncerService(p, 'pgbouncer.ini', {});
  const userlist = pulumi.interpolate`"${pg.user}" "${refs.secret(pg.passwordSecret)}"\n`;
  return {
    name,
    image: refs.image,
    entrypoints: spec.entrypoint as string[],
    command: spec.command as string[],
    networksAdvanced: [{ name: dataNetwork(refs, p.path), aliases: [p.id] }],
    uploads: [
      { file: '/etc/pgbouncer/pgbouncer.ini', content: ini },
      { file: secretPath(p.userlistSecret), content: userlist },
    ],
    ...healthcheckArgs(fromCompose(spec)),
    ...resourceArgs(p.resources),
    restart: 'always',
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
}
