import type { Construct } from 'constructs';
import * as z from 'zod';
import { Duration, IntOrPercent } from '../units/index.js';
import type { DeepPartial, ResolvedResources, ResourcesProps } from './common.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';
import { count, durationSchema, intOrPercentSchema, portSchema, resourcesSchema, secretName, suppressionsSchema, imageRef } from './schema-kit.js';
import { checkRollout } from './target-limits.js';
import { DEFAULT_IMAGES } from './default-images.js';

/** PgBouncer's pool modes. */
export type PoolMode = 'session' | 'transaction' | 'statement';

/** Props of the {@link PgBouncer} pooler between the backends and Postgres. */
export interface PgBouncerProps {
  /**
   * Image reference; it must provide the `pgbouncer` binary. scaleout renders the
   * pgbouncer.ini itself and runs `pgbouncer <ini>`, so the image's own config is unused.
   *
   * @default 'edoburu/pgbouncer:v1.23.1-p2'
   */
  readonly image?: string;
  /**
   * When a server connection goes back to the pool. `transaction` is what lets many
   * client connections share few server connections.
   *
   * @default 'transaction'
   */
  readonly poolMode?: PoolMode;
  /**
   * `default_pool_size`: server connections per (database, user) pair, per instance.
   *
   * @default 20 (PgBouncer's default)
   */
  readonly defaultPoolSize?: number;
  /**
   * `reserve_pool_size`: extra server connections a busy pool may open.
   *
   * @default 0 (PgBouncer's default)
   */
  readonly reservePoolSize?: number;
  /**
   * `max_client_conn`: client connections one instance accepts.
   *
   * @default 100 (PgBouncer's default)
   */
  readonly maxClientConn?: number;
  /**
   * `max_db_connections`: cap on server connections per database and instance; 0 is none.
   *
   * @default 0 (PgBouncer's default)
   */
  readonly maxDbConnections?: number;
  /**
   * Pooler instances (processes, containers or pods).
   *
   * @default 1
   */
  readonly instances?: number;
  /**
   * Kubernetes rollout of the pooler; its surge adds server connections at peak.
   *
   * @default - maxSurge 25%, maxUnavailable 25%, draining = the larger of the two
   */
  readonly rollout?: {
    /** Kubernetes maxSurge; percentages round up. */
    readonly maxSurge?: number | string;
    /** Kubernetes maxUnavailable; percentages round down. */
    readonly maxUnavailable?: number | string;
    /** Old pods still holding server connections while their replacements run. */
    readonly drainingPods?: number;
  };
  /**
   * Port it listens on.
   *
   * @default 6432
   */
  readonly port?: number;
  /**
   * Secret holding the `auth_file` (`"app" "password"` lines); PgBouncer also logs in to
   * Postgres with it.
   *
   * @default 'pgbouncer_userlist'
   */
  readonly userlistSecret?: string;
  /**
   * TCP healthcheck timings.
   *
   * @default - interval 10s, timeout 5s, retries 3, startPeriod 10s
   */
  readonly healthcheck?: {
    /** Time between probes. */
    readonly interval?: string;
    /** Time one probe may take. */
    readonly timeout?: string;
    /** Consecutive failures before unhealthy (at most 1000). */
    readonly retries?: number;
    /** Grace time at start during which failures do not count. */
    readonly startPeriod?: string;
  };
  /**
   * Kubernetes: how long a stopping PgBouncer pod keeps accepting connections in a `preStop`
   * hook (`sleep`, which the default image has) before it gets SIGTERM, so its endpoint leaves
   * the Service the backends connect through first. terminationGracePeriodSeconds is this
   * plus 30 s; `'0s'` turns the hook off (an image without `sleep` must).
   *
   * @default '15s'
   */
  readonly preStopDelay?: string;
  /**
   * Container resources.
   *
   * @default - limits 1 cpu / 256Mi, requests 0.1 cpu / 64Mi (PgBouncer is single-threaded)
   */
  readonly resources?: ResourcesProps;
}

/**
 * The zod schema of {@link PgBouncerProps}, also the YAML `postgres.pooler` section.
 *
 * @internal
 */
export const pgbouncerSchema = z.strictObject({
  image: imageRef.optional(),
  poolMode: z.enum(['session', 'transaction', 'statement']).optional(),
  defaultPoolSize: count(1).optional(),
  reservePoolSize: count(0).optional(),
  maxClientConn: count(1).optional(),
  maxDbConnections: count(0).optional(),
  instances: count(1).optional(),
  rollout: z
    .strictObject({ maxSurge: intOrPercentSchema.optional(), maxUnavailable: intOrPercentSchema.optional(), drainingPods: count(0).optional() })
    .optional(),
  port: portSchema.optional(),
  userlistSecret: secretName.optional(),
  healthcheck: z
    .strictObject({ interval: durationSchema.optional(), timeout: durationSchema.optional(), retries: count(1).max(1000, { error: 'retries is at most 1000' }).optional(), startPeriod: durationSchema.optional() })
    .optional(),
  /** {@link PgBouncerProps.preStopDelay} */
  preStopDelay: durationSchema.optional(),
  resources: resourcesSchema.optional(),
  suppressions: suppressionsSchema.optional(),
}).superRefine((p, ctx) => checkRollout(p.rollout, ctx));

/** The pooler's values for one profile. */
export interface ResolvedPgBouncer {
  /** Construct id. */
  readonly id: string;
  /** Construct path in the tree; names it in findings. */
  readonly path: string;
  /** Image reference. */
  readonly image: string;
  /** When a server connection goes back to the pool. */
  readonly poolMode: PoolMode;
  /** `default_pool_size`: server connections per (database, user) pair, per instance. */
  readonly defaultPoolSize: number;
  /** `reserve_pool_size`: extra server connections a busy pool may open. */
  readonly reservePoolSize: number;
  /** `max_client_conn`: client connections one instance accepts. */
  readonly maxClientConn: number;
  /** `max_db_connections`: cap on server connections per database and instance; 0 is none. */
  readonly maxDbConnections: number;
  /** Instances, named `replicas` so the peak math treats the pooler like any workload. */
  readonly replicas: number;
  /** Kubernetes rollout; its surge and draining pods add server connections at peak. */
  readonly rollout: {
    /** Extra pods a rollout may start (percentages round up). */
    readonly maxSurge: IntOrPercent;
    /** Pods a rollout may take down (percentages round down). */
    readonly maxUnavailable: IntOrPercent;
    /** Old pods still holding connections while their replacements run, when set explicitly. */
    readonly drainingPods?: number;
    /** Always false: the compose scale-up-then-down procedure applies to backends only. */
    readonly scaleUpThenDown: false;
  };
  /** Port it listens on. */
  readonly port: number;
  /** Secret holding the `auth_file`. */
  readonly userlistSecret: string;
  /** TCP healthcheck timings. */
  readonly healthcheck: {
    /** Time between probes. */
    readonly interval: Duration;
    /** Time one probe may take. */
    readonly timeout: Duration;
    /** Consecutive failures before unhealthy. */
    readonly retries: number;
    /** Grace time at start during which failures do not count. */
    readonly startPeriod: Duration;
  };
  /** Kubernetes preStop sleep; zero means no hook. */
  readonly preStopDelay: Duration;
  /** Container resources. */
  readonly resources: ResolvedResources;
  /**
   * Server connections one instance opens at most: (default_pool_size + reserve_pool_size)
   * for the one (database, user) pair, capped by max_db_connections.
   */
  readonly serverConnectionsPerInstance: number;
  /**
   * Clients other than the backends (the stack's own pgbouncer-exporter), sorted by name;
   * they count against max_client_conn with the app's connections.
   */
  readonly fixedClients: readonly {
    /** Who holds the connections. */
    readonly name: string;
    /** Client connections it holds at its peak. */
    readonly count: number;
  }[];
}

/** Overrides a profile may give {@link PgBouncer}. */
export type PgBouncerOverrides = DeepPartial<PgBouncerProps>;
export interface PgBouncerConstructProps extends PgBouncerProps, ModelCommonProps<PgBouncerOverrides> {}

/**
 * The one place each {@link PgBouncerProps} default lives (the TSDoc `@default`s say the same).
 *
 * @internal
 */
export const PGBOUNCER_DEFAULTS = {
  image: DEFAULT_IMAGES.pgbouncer,
  poolMode: 'transaction',
  defaultPoolSize: 20,
  reservePoolSize: 0,
  maxClientConn: 100,
  maxDbConnections: 0,
  instances: 1,
  rollout: { maxSurge: '25%', maxUnavailable: '25%' },
  port: 6432,
  userlistSecret: 'pgbouncer_userlist',
  healthcheck: { interval: '10s', timeout: '5s', retries: 3, startPeriod: '10s' },
  preStopDelay: '15s',
  resources: { limits: { cpu: 1, memory: '256Mi' }, requests: { cpu: 0.1, memory: '64Mi' } },
} as const;

/** PgBouncer between the backends and Postgres: the standard fix for pool exhaustion. */
export class PgBouncer extends ModelConstruct<PgBouncerProps, ResolvedPgBouncer> {
  /** Always `'pgbouncer'`: see {@link ModelConstruct.kind}. */
  public readonly kind = 'pgbouncer' as const;

  constructor(scope: Construct, id: string, props: PgBouncerConstructProps = {}) {
    super(scope, id, props, pgbouncerSchema);
  }

  protected build(p: PgBouncerProps): ResolvedPgBouncer {
    const d = PGBOUNCER_DEFAULTS;
    const defaultPoolSize = p.defaultPoolSize ?? d.defaultPoolSize;
    const reservePoolSize = p.reservePoolSize ?? d.reservePoolSize;
    const maxDbConnections = p.maxDbConnections ?? d.maxDbConnections;
    const pool = defaultPoolSize + reservePoolSize;
    return {
      id: this.node.id,
      path: this.node.path,
      image: p.image ?? d.image,
      poolMode: p.poolMode ?? d.poolMode,
      defaultPoolSize,
      reservePoolSize,
      maxClientConn: p.maxClientConn ?? d.maxClientConn,
      maxDbConnections,
      replicas: p.instances ?? d.instances,
      rollout: {
        maxSurge: IntOrPercent.parse(p.rollout?.maxSurge ?? d.rollout.maxSurge),
        maxUnavailable: IntOrPercent.parse(p.rollout?.maxUnavailable ?? d.rollout.maxUnavailable),
        ...(p.rollout?.drainingPods !== undefined ? { drainingPods: p.rollout.drainingPods } : {}),
        scaleUpThenDown: false,
      },
      port: p.port ?? d.port,
      userlistSecret: p.userlistSecret ?? d.userlistSecret,
      healthcheck: {
        interval: Duration.parse(p.healthcheck?.interval ?? d.healthcheck.interval),
        timeout: Duration.parse(p.healthcheck?.timeout ?? d.healthcheck.timeout),
        retries: p.healthcheck?.retries ?? d.healthcheck.retries,
        startPeriod: Duration.parse(p.healthcheck?.startPeriod ?? d.healthcheck.startPeriod),
      },
      preStopDelay: Duration.parse(p.preStopDelay ?? d.preStopDelay),
      resources: resolveResources(
        p.resources ?? d.resources,
      ),
      serverConnectionsPerInstance: maxDbConnections > 0 ? Math.min(pool, maxDbConnections) : pool,
      fixedClients: [],
    };
  }
}
