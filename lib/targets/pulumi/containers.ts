/**
 * ServiceSpec (lib/render/docker-services.ts) → `docker.Container` args. The converters take
 * the resources a container refers to (image, networks, volumes, secrets) as inputs, so they
 * can be tested with plain strings and no Pulumi engine.
 *
 * The specs are the ones compose serializes too: one definition of what the images run, two
 * targets, and nothing read back from the other target's output.
 */
import type * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { ResolvedBackend } from '../../model/backend.js';
import type { ResolvedResources } from '../../model/common.js';
import type { ResolvedNginx } from '../../model/nginx.js';
import type { ResolvedPgBouncer } from '../../model/pgbouncer.js';
import type { ResolvedPostgres } from '../../model/postgres.js';
import type { ResolvedRedis } from '../../model/redis.js';
import type { Cpu, Duration } from '../../units/index.js';
import type { PoolerAuthUser } from '../../plan/roles.js';
import { USERLIST_LINE_BREAK, userlistLine } from '../../render/pgbouncer-ini.js';
import { ROLE_SETUP_SQL_PATH } from '../../render/postgres-roles-sql.js';
import {
  APP_NETWORK,
  backendSpec,
  nginxSpec,
  NGINX_CONF_PATH,
  PGBOUNCER_INI_PATH,
  postgresSpec,
  redisSpec,
  secretPath,
  type ServiceRestart,
  type ServiceSpec,
} from '../../render/docker-services.js';

/** Resources a container refers to, which exist only once the component creates them. */
export interface ContainerRefs {
  /** Image to run: the RemoteImage's `imageId`, so pulling a new image replaces the container. */
  readonly image: pulumi.Input<string>;
  /** Network names: `app` faces nginx; `data` is internal and holds Postgres and Redis. */
  readonly networks: {
    /** The network nginx and the backends share. */
    readonly app: pulumi.Input<string>;
    /** The internal data network, when the stack has a data tier. */
    readonly data?: pulumi.Input<string>;
  };
  /** Docker volume name for a model volume name (`uploads`, `db-data`). */
  readonly volume: (name: string) => pulumi.Input<string>;
  /** The value of a secret, as a Pulumi secret Output. */
  readonly secret: (name: string) => pulumi.Input<string>;
}

/** Where nginx reads its configuration; the rendered file is uploaded there. */
export { NGINX_CONF_PATH };

/**
 * Seconds a container gets after its stop signal before removal: `docker stop`'s default.
 * Without it the provider force-removes the container (SIGKILL), cutting in-flight requests
 * and stopping Postgres uncleanly.
 */
export const STOP_GRACE_SECONDS = 10;

/** compose's `restart_policy.condition` names → Docker restart policies (as compose maps them). */
const RESTART = { none: 'no', 'on-failure': 'on-failure', any: 'always' } as const;

export function restartArgs(p: ServiceRestart | ResolvedBackend['restartPolicy']): Pick<docker.ContainerArgs, 'restart' | 'maxRetryCount'> {
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
export function secretUploads(names: readonly string[], content: (name: string) => pulumi.Input<string>): Upload[] {
  return names.map((n) => ({ file: secretPath(n), content: content(n) }));
}

export function dataNetwork(refs: ContainerRefs, who: string): pulumi.Input<string> {
  if (refs.networks.data === undefined) throw new Error(`${who} needs the internal data network, but none was given`);
  return refs.networks.data;
}

/** A file to upload into the container. */
export interface Upload {
  readonly file: string;
  readonly content: pulumi.Input<string>;
}

/** What a spec does not say: where the container runs and what its mounted files hold. */
export interface ContainerOptions {
  /** Container name. */
  readonly name: string;
  /** The name consumers reach it by: an alias on its first network, as compose names services. */
  readonly hostname: string;
  /** Construct path, for errors. */
  readonly who: string;
  readonly refs: ContainerRefs;
  /** The content of the spec's mounted files, each under one of their paths. @default none */
  readonly uploads?: readonly Upload[];
  /** A secret's content when it is not the stored secret itself. @default refs.secret */
  readonly secretContent?: (name: string) => pulumi.Input<string>;
}

/** Docker's own name for each network: the app network, or the internal data network. */
function networkArgs(spec: ServiceSpec, o: ContainerOptions): docker.types.input.ContainerNetworksAdvanced[] {
  return spec.networks.map((n, i) => {
    const aliases = [...new Set([...n.aliases, ...(i === 0 ? [o.hostname] : [])])];
    return { name: n.name === APP_NETWORK ? o.refs.networks.app : dataNetwork(o.refs, o.who), ...(aliases.length ? { aliases } : {}) };
  });
}

/**
 * The container for `spec`. Replicas are separate containers (the caller creates them); a
 * fixed container name is compose's alone, Pulumi names every container itself.
 */
export function containerArgs(spec: ServiceSpec, o: ContainerOptions): docker.ContainerArgs {
  for (const u of o.uploads ?? []) {
    if (!(spec.files ?? []).some((f) => u.file === f.path || u.file.startsWith(`${f.path}/`))) {
      throw new Error(`${o.who}: ${u.file} is not under any path the service mounts`);
    }
  }
  const uploads = [...(o.uploads ?? []), ...secretUploads(spec.secrets ?? [], o.secretContent ?? o.refs.secret)];
  return {
    name: o.name,
    image: o.refs.image,
    ...(spec.entrypoint ? { entrypoints: [...spec.entrypoint] } : {}),
    ...(spec.command ? { command: [...spec.command] } : {}),
    // The env contract every target shares; secrets are files the app reads via `*_FILE`.
    ...(spec.env ? { envs: envList(spec.env) } : {}),
    ...(spec.init ? { init: true } : {}),
    // Docker takes /dev/shm in MB.
    ...(spec.shmSize ? { shmSize: Math.ceil(spec.shmSize.toMebibytes()) } : {}),
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    networksAdvanced: networkArgs(spec, o),
    ...(spec.ports?.length ? { ports: spec.ports.map((p) => ({ internal: p.container, external: p.host })) } : {}),
    ...(spec.health ? healthcheckArgs({ ...spec.health, tests: spec.health.test }) : {}),
    ...resourceArgs(spec.resources),
    ...restartArgs(spec.restart),
    ...(uploads.length ? { uploads } : {}),
    ...(spec.volumes?.length
      ? { volumes: spec.volumes.map((v) => ({ volumeName: o.refs.volume(v.name), containerPath: v.path, readOnly: v.readOnly })) }
      : {}),
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
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
  return backendArgsOf(backendSpec(b, pg, redis, pooler, {}), b, name, refs);
}

/** {@link backendContainerArgs} from the backend's spec as the plan built it. */
export function backendArgsOf(spec: ServiceSpec, b: ResolvedBackend, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return containerArgs(spec, { name, hostname: b.serviceName, who: b.path, refs });
}

/**
 * A backend's migration: a one-shot container Pulumi waits out (`attach`), never restarted
 * or kept running, so its exit code is known. Docker replaces a container whose image or
 * entrypoint changes, so it runs again exactly when those change.
 */
export function migrationArgsOf(spec: ServiceSpec, b: ResolvedBackend, name: string, refs: ContainerRefs): docker.ContainerArgs {
  const args = containerArgs(spec, { name, hostname: b.migration!.serviceName, who: `${b.path}/migrations`, refs });
  return { ...args, attach: true, mustRun: false, restart: 'no' };
}

/** nginx: the rendered config uploaded in place, ports published, TLS material as secret files. */
export function nginxContainerArgs(n: ResolvedNginx, conf: string, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return nginxArgsOf(nginxSpec(n, 'nginx.conf'), n, conf, name, refs);
}

/** {@link nginxContainerArgs} from nginx's spec as the plan built it. */
export function nginxArgsOf(spec: ServiceSpec, n: ResolvedNginx, conf: string, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return containerArgs(spec, { name, hostname: n.id, who: n.path, refs, uploads: [{ file: NGINX_CONF_PATH, content: conf }] });
}

/** Postgres on the internal network only, its settings as `-c` command args. */
export function postgresContainerArgs(pg: ResolvedPostgres, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return postgresArgsOf(postgresSpec(pg, pg.id), pg, name, refs);
}

/** {@link postgresContainerArgs} from Postgres' spec as the plan built it. */
export function postgresArgsOf(spec: ServiceSpec, pg: ResolvedPostgres, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return containerArgs(spec, { name, hostname: pg.id, who: pg.path, refs });
}

/** Redis on the internal network only; a shell reads the password file, as in compose. */
export function redisContainerArgs(r: ResolvedRedis, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return redisArgsOf(redisSpec(r, r.id), r, name, refs);
}

/** {@link redisContainerArgs} from Redis' spec as the plan built it. */
export function redisArgsOf(spec: ServiceSpec, r: ResolvedRedis, name: string, refs: ContainerRefs): docker.ContainerArgs {
  return containerArgs(spec, { name, hostname: r.id, who: r.path, refs });
}

/**
 * One PgBouncer instance on the internal network; all instances share the pooler id as
 * their alias. Its ini is uploaded in place, and its userlist is built from the passwords of
 * the users it lists (secret Outputs, so it stays encrypted).
 */
export function pgbouncerArgsOf(
  spec: ServiceSpec,
  p: ResolvedPgBouncer,
  users: readonly PoolerAuthUser[],
  ini: string,
  name: string,
  refs: ContainerRefs,
): docker.ContainerArgs {
  const userlist = pulumi.all(users.map((u) => refs.secret(u.passwordSecret))).apply((passwords) =>
    users
      .map((u, i) => {
        // A line break would end this entry and start another.
        if (USERLIST_LINE_BREAK.test(passwords[i]!)) {
          throw new Error(`secret '${u.passwordSecret}' (the password of role ${u.user}) holds a line break or NUL; PgBouncer's userlist takes a one-line password. Set it on one line: pulumi config set --secret ${u.passwordSecret} <password>`);
        }
        return userlistLine(u.user, passwords[i]!);
      })
      .join(''),
  );
  return containerArgs(spec, {
    name,
    hostname: p.id,
    who: p.path,
    refs,
    uploads: [{ file: PGBOUNCER_INI_PATH, content: ini }],
    secretContent: (s) => (s === p.userlistSecret ? userlist : refs.secret(s)),
  });
}

/**
 * The one-shot role setup: runs the script once and exits (`attach` waits for the end;
 * `mustRun: false` leaves the exited container alone). `postgresId` is the Postgres
 * container's id, as an env value: a replaced server (a new container on an existing volume)
 * replaces this container too, so the roles converge on it.
 */
export function roleSetupArgsOf(
  spec: ServiceSpec,
  pg: ResolvedPostgres,
  sql: string,
  name: string,
  refs: ContainerRefs,
  postgresId: pulumi.Input<string>,
): docker.ContainerArgs {
  const args = containerArgs(spec, {
    name,
    hostname: `${pg.id}-role-setup`,
    who: pg.path,
    refs,
    uploads: [{ file: ROLE_SETUP_SQL_PATH, content: sql }],
  });
  return { ...args, envs: [pulumi.interpolate`SCALEOUT_POSTGRES_CONTAINER=${postgresId}`], attach: true, mustRun: false };
}
