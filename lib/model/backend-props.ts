import * as z from 'zod';
import type {
  AutoscaleProps,
  HealthcheckProps,
  MigrationProps,
  PoolProps,
  RestartPolicyProps,
  RolloutProps,
  VolumeProps,
} from './backend-parts.js';
import type { EnvValue, ResourcesProps } from './common.js';
import { loadSchema, type LoadProps } from './load.js';

export type { AutoscaleProps, HealthcheckProps, LoadProps, MigrationProps, PoolProps, RestartPolicyProps, RolloutProps, VolumeProps };
import { checkHealthcheckCommand, checkRollout, checkVolumes } from './target-limits.js';
import { checkKind } from './worker-checks.js';
import { visible } from './visible-text.js';
import {
  count,
  dnsLabel,
  durationSchema,
  positiveDurationSchema,
  envSchema,
  intOrPercentSchema,
  memorySchema,
  portSchema,
  resourcesSchema,
  suppressionsSchema,
  imageRef
} from './schema-kit.js';

/** Props of a {@link Backend}: one scaled app tier. */
export interface BackendProps {
  /** Image reference, with a tag (`ghcr.io/acme/api:1.2.3`). */
  readonly image: string;
  /**
   * `web` serves HTTP behind nginx; `worker` has no HTTP side (a queue consumer): no port,
   * routes, Service or upstream, an exec healthcheck, and egress-only network policies.
   *
   * @default 'web'
   */
  readonly kind?: 'web' | 'worker';
  /**
   * The container's entrypoint as an argv array (Kubernetes `command`, compose
   * `entrypoint`, Pulumi `entrypoints`).
   *
   * @default - the image's entrypoint
   */
  readonly command?: readonly string[];
  /**
   * Arguments to the entrypoint (Kubernetes `args`, compose and Pulumi `command`).
   *
   * @default - the image's command
   */
  readonly args?: readonly string[];
  /**
   * A worker's port serving Prometheus `/metrics`; a web backend is scraped on `port`.
   *
   * @default - none: the worker is not scraped
   */
  readonly metricsPort?: number;
  /**
   * The database migration run once per deploy before this backend's replicas start.
   *
   * @default - none
   */
  readonly migrations?: MigrationProps;
  /**
   * Port the app listens on inside the container.
   *
   * @default 8000
   */
  readonly port?: number;
  /**
   * Compose service name for this profile.
   *
   * @default - the construct id
   */
  readonly serviceName?: string;
  /**
   * Fixed replica count (compose `deploy.replicas`, Kubernetes `replicas` without HPA).
   * Set beside `load`, it wins and SO-LOAD checks it serves the load; a `replicas` inherited
   * from the base config does not override a profile's own `load`.
   *
   * @default - from `load` when set (⌈expectedRps / rpsPerReplica⌉ + 1), else autoscale.min
   * when autoscaling, else 1
   */
  readonly replicas?: number;
  /**
   * The load the backend must serve; sizes `replicas` (and `autoscale.min`) when they are
   * not set, and SO-LOAD checks that the budgets allow the count it needs.
   *
   * @default - none: replicas are taken as given
   */
  readonly load?: LoadProps;
  /**
   * Autoscaling bounds.
   *
   * @default - no autoscaling
   */
  readonly autoscale?: AutoscaleProps;
  /**
   * Worker processes per replica (`WEB_CONCURRENCY`); each opens its own pool.
   *
   * @default 1
   */
  readonly workers?: number;
  /**
   * The database pool of each worker.
   *
   * @default - size 5, maxOverflow 10 (SQLAlchemy's defaults)
   */
  readonly pool?: PoolProps;
  /**
   * Whether this backend connects to the stack's Postgres.
   *
   * @default true
   */
  readonly database?: boolean;
  /**
   * Redis connections per worker (`REDIS_POOL_SIZE`); 0 means the backend does not use Redis.
   *
   * @default 10
   */
  readonly redisPool?: number;
  /**
   * The healthcheck.
   *
   * @default - none (SO-HEALTH reports it)
   */
  readonly healthcheck?: HealthcheckProps;
  /**
   * Container resources.
   *
   * @default - none (SO-RESOURCES reports it)
   */
  readonly resources?: ResourcesProps;
  /**
   * Rollout behaviour; it decides the peak replica count.
   *
   * @default - maxSurge 25%, maxUnavailable 25%, draining = surge
   */
  readonly rollout?: RolloutProps;
  /**
   * Restart policy.
   *
   * @default - condition any
   */
  readonly restartPolicy?: RestartPolicyProps;
  /**
   * Kubernetes: how long a stopping pod keeps serving in a `preStop` hook before it gets
   * SIGTERM, so the removal of its endpoint and nginx's re-resolution of the headless
   * Service (`resolver … valid=5s`, plus the cluster DNS's own record TTL) reach every client
   * first. terminationGracePeriodSeconds is this delay plus 30 s for the app to shut down.
   * The hook runs `sleep` from the backend image: an image without one (distroless,
   * scratch) must set `'0s'`, which turns the hook off. A worker (`kind: worker`) sits behind
   * no Service: it gets no hook and may not set this.
   *
   * @default '15s' (a worker: none)
   */
  readonly preStopDelay?: string;
  /**
   * Extra environment. Secrets go in as `{ secret: NAME }`, never as literals. Values are
   * literal text: Kubernetes gets every `$` as `$$`, so `$(VAR)` is not expanded.
   *
   * @default {}
   */
  readonly env?: Record<string, EnvValue>;
  /**
   * Volumes shared by all replicas (uploads, logs).
   *
   * @default []
   */
  readonly volumes?: readonly VolumeProps[];
  /**
   * URL prefixes nginx routes to this backend: '/' then ASCII letters, digits and
   * `-._~!&()*+,=:@/` (they are written unquoted into nginx.conf).
   *
   * @default ['/']
   */
  readonly routes?: readonly string[];
  /**
   * The backend server's own HTTP keep-alive timeout (uvicorn `--timeout-keep-alive`).
   *
   * @default '5s' (uvicorn's default)
   */
  readonly keepAliveTimeout?: string;
  /**
   * A fixed container name. Blocks `--scale`; SO-SCALE-CONFLICT reports it.
   *
   * @default - none
   */
  readonly containerName?: string;
  /**
   * A host port published directly. Blocks `--scale`; SO-SCALE-CONFLICT reports it.
   *
   * @default - none; nginx is the only entry point
   */
  readonly hostPort?: number;
}

/** Env names scaleout sets itself from the model. */
export const RESERVED_ENV = [
  'WEB_CONCURRENCY',
  'DB_POOL_SIZE',
  'DB_MAX_OVERFLOW',
  'DATABASE_URL',
  'DB_PASSWORD_FILE',
  'PGBOUNCER_POOL_MODE',
  'REDIS_URL',
  'REDIS_POOL_SIZE',
  'REDIS_PASSWORD_FILE',
  'INSTANCE_NAME',
] as const;

const pool = z.strictObject({
  size: z
    .number()
    .int()
    .refine((n) => n !== 0, {
      error: 'pool.size 0 makes SQLAlchemy QueuePool unbounded; set it to 1 or more',
    })
    .pipe(count(1))
    .optional(),
  maxOverflow: z
    .number()
    .int()
    .refine((n) => n !== -1, {
      error: 'pool.maxOverflow -1 makes SQLAlchemy QueuePool unbounded; set it to 0 or more',
    })
    .pipe(count(0))
    .optional(),
});

const healthcheck = z.strictObject({
  // RFC 3986 path and query characters only: the path reaches probe commands and URLs.
  path: z
    .string()
    .startsWith('/', { error: "a healthcheck path starts with '/'" })
    .max(1024, { error: 'a healthcheck path is at most 1024 characters' })
    .regex(/^\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/, {
      error: "a healthcheck path holds only URL path and query characters (letters, digits, -._~!$&'()*+,;=:@/? and %XX); percent-encode the rest",
    })
    .optional(),
  interval: positiveDurationSchema.optional(),
  timeout: positiveDurationSchema.optional(),
  retries: count(1).max(1000, { error: 'retries is at most 1000' }).optional(),
  startPeriod: durationSchema.optional(),
  command: z.array(z.string()).min(1).readonly().optional(),
  liveness: z.boolean().optional(),
});

const autoscale = z.strictObject({
  min: count(1).optional(),
  max: count(1).optional(),
  targetCpu: count(1).max(100).optional(),
});

// An argv whose program is named: an empty first word would run nothing.
const argv = z
  .array(z.string())
  .min(1)
  .refine((a) => a[0]!.trim() !== '', { error: 'the first word of a command is the program to run; it is empty' })
  .readonly();

/**
 * The zod schema of {@link BackendProps}, also the YAML `backends.<id>` section.
 *
 * @internal
 */
export const backendSchema = z
  .strictObject({
    image: imageRef,
    /** `web` behind nginx, or `worker` with no HTTP side. */
    kind: z.union([z.literal('web'), z.literal('worker')]).optional(),
    /** The entrypoint argv. */
    command: argv.optional(),
    /** The entrypoint's arguments. */
    args: z.array(z.string()).readonly().optional(),
    /** A worker's Prometheus port. */
    metricsPort: portSchema.optional(),
    /** The migration run once per deploy before the backends start. */
    migrations: z
      .strictObject({
        /** The migration's argv. */
        command: argv,
        /** Connections it holds while it runs. */
        pool: count(1).optional(),
      })
      .optional(),
    port: portSchema.optional(),
    // 54 leaves room for Kubernetes' `-headless` suffix within a 63-character name.
    serviceName: dnsLabel.max(54, { error: 'serviceName is at most 54 characters (Kubernetes adds -headless)' }).optional(),
    replicas: count(1).optional(),
    autoscale: autoscale.optional(),
    load: loadSchema.optional(),
    workers: count(1).optional(),
    pool: pool.optional(),
    database: z.boolean().optional(),
    redisPool: count(0).optional(),
    healthcheck: healthcheck.optional(),
    resources: resourcesSchema.optional(),
    rollout: z
      .strictObject({
        maxSurge: intOrPercentSchema.optional(),
        maxUnavailable: intOrPercentSchema.optional(),
        drainingPods: count(0).optional(),
        scaleUpThenDown: z.boolean().optional(),
      })
      .optional(),
    restartPolicy: z
      .strictObject({
        condition: z.enum(['none', 'on-failure', 'any']).optional(),
        maxAttempts: count(1).optional(),
      })
      .optional(),
    env: envSchema.optional(),
    volumes: z
      .array(
        z.strictObject({
          name: dnsLabel,
          path: z.string().startsWith('/', { error: 'a mount path is absolute' }),
          readOnly: z.boolean().optional(),
          accessMode: z.enum(['ReadWriteOnce', 'ReadWriteMany']).optional(),
          size: memorySchema.optional(),
        }),
      )
      .readonly()
      .optional(),
    routes: z
      // Unquoted in nginx.conf, where #, quotes, \\, ; and braces are syntax; nginx matches
      // the decoded URI, so a %XX prefix would never match either.
      .array(
        z.string().regex(/^\/[A-Za-z0-9\-._~!&()*+,=:@/]*$/, {
          error: (iss) =>
            `'${visible(String(iss.input), 80)}' is not a route; a route is a URL prefix starting with '/' of ASCII letters, digits and -._~!&()*+,=:@/ (write other characters decoded, or route a shorter prefix)`,
        }),
      )
      .min(1, { error: 'routes needs at least one URL prefix; a backend with no HTTP side is kind: worker' })
      .readonly()
      .optional(),
    keepAliveTimeout: durationSchema.optional(),
    /** {@link BackendProps.preStopDelay} */
    preStopDelay: durationSchema.optional(),
    containerName: z.string().min(1).optional(),
    hostPort: portSchema.optional(),
    suppressions: suppressionsSchema.optional(),
  })
  .superRefine((b, ctx) => {
    const a = b.autoscale;
    if (a && a.max === undefined && !b.load) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoscale', 'max'],
        input: a,
        message: 'autoscale.max is required unless load is set (then the budgets size it); set autoscale.max or load.expectedRps',
      });
    }
    if (a && a.max !== undefined && a.max < (a.min ?? 2)) {
      ctx.addIssue({
        code: 'custom',
        path: ['autoscale', 'max'],
        input: a.max,
        message: `autoscale.max ${a.max} is below autoscale.min ${a.min ?? 2}; raise max or lower min`,
      });
    }
    for (const k of Object.keys(b.env ?? {})) {
      if ((RESERVED_ENV as readonly string[]).includes(k)) {
        ctx.addIssue({
          code: 'custom',
          path: ['env', k],
          input: k,
          message: `env ${k} is set by scaleout from the model; remove it and set workers/pool/redisPool instead`,
        });
      }
    }
    checkRollout(b.rollout, ctx);
    checkVolumes(b.volumes, ctx);
    checkHealthcheckCommand(b.healthcheck?.command, ctx);
    checkKind(b, ctx);
  });
