import type { Construct } from 'constructs';
import { Duration, IntOrPercent, Memory } from '../units/index.js';
import { backendSchema, type BackendProps } from './backend-props.js';
import type { DeepPartial, EnvValue, ResolvedHealthcheck, ResolvedResources } from './common.js';
import { resolveLoad, type ResolvedLoad } from './load.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';

/** A backend's values for one profile, defaults applied and units parsed. */
export interface ResolvedBackend {
  /** Construct id: the stable DNS alias nginx and other services use for this tier. */
  readonly id: string;
  /** Construct path in the tree; names the backend in findings. */
  readonly path: string;
  /** Compose service name (the id unless `serviceName` is set). */
  readonly serviceName: string;
  /** Image reference, as given. */
  readonly image: string;
  /** `web` behind nginx, or `worker` with no HTTP side. */
  readonly kind: 'web' | 'worker';
  /** The entrypoint argv, when the model overrides the image's. */
  readonly command?: readonly string[];
  /** The entrypoint's arguments, when the model overrides the image's command. */
  readonly args?: readonly string[];
  /** Port the app listens on inside the container; a worker has none, and targets never publish or route this for it. */
  readonly port: number;
  /** Where Prometheus scrapes `/metrics`: a web backend's `port`, a worker's `metricsPort`. */
  readonly metricsPort?: number;
  /** The migration run once per deploy before this backend starts. */
  readonly migration?: ResolvedMigration;
  /** Replica count outside a rollout (compose `deploy.replicas`; Kubernetes without an HPA); `replicasFrom` says what set it. */
  readonly replicas: number;
  /** What set `replicas`: the prop itself, the load, autoscale.min, or the default 1. */
  readonly replicasFrom: 'replicas' | 'load' | 'autoscale.min' | 'default';
  /** HPA bounds, when autoscaling (Kubernetes only). */
  readonly autoscale?: {
    /** Fewest replicas. */
    readonly min: number;
    /** Most replicas; the Kubernetes budgets are checked at this count. */
    readonly max: number;
    /** Target average CPU utilization, percent of requests. */
    readonly targetCpu: number;
    /**
     * Set when `max` was left to the budgets (load set, no autoscale.max). Until the
     * stack's budgets size it (`resolveProfile`), `max` equals `min`.
     */
    readonly maxFromBudget?: true;
  };
  /** The expected load and the replicas it needs, when `load` is set. */
  readonly load?: ResolvedLoad;
  /** Worker processes per replica (`WEB_CONCURRENCY`); each opens its own pools. */
  readonly workers: number;
  /** The per-worker pool, or undefined when the backend does not use the database. */
  readonly pool?: {
    /** SQLAlchemy `pool_size`: connections each worker keeps open. */
    readonly size: number;
    /** SQLAlchemy `max_overflow`: extra connections each worker opens under load. */
    readonly maxOverflow: number;
  };
  /** Redis connections per worker (`REDIS_POOL_SIZE`); 0 when the backend does not use Redis. */
  readonly redisPool: number;
  /** The healthcheck, when set; absent means no probe (SO-HEALTH reports it). */
  readonly healthcheck?: ResolvedHealthcheck & {
    /** Also emit a Kubernetes livenessProbe. */
    readonly liveness: boolean;
  };
  /** Container limits and requests. */
  readonly resources: ResolvedResources;
  /** How a new version replaces the old one; it sets the peak replica count. */
  readonly rollout: {
    /** Extra pods a Kubernetes rollout may start (percentages round up). */
    readonly maxSurge: IntOrPercent;
    /** Pods a Kubernetes rollout may take down (percentages round down). */
    readonly maxUnavailable: IntOrPercent;
    /** Old pods still holding connections while their replacements run, when set explicitly. */
    readonly drainingPods?: number;
    /** The compose procedure that scales to 2 × replicas, then back down (doubles the compose peak). */
    readonly scaleUpThenDown: boolean;
  };
  /** Restart behaviour of the container. */
  readonly restartPolicy: {
    /** When to restart. */
    readonly condition: 'none' | 'on-failure' | 'any';
    /** Restart attempts before giving up (compose only); absent is unlimited. */
    readonly maxAttempts?: number;
  };
  /** Extra environment; secrets stay `{ secret: NAME }` references. */
  readonly env: Readonly<Record<string, EnvValue>>;
  /** Volumes mounted into every replica. */
  readonly volumes: readonly {
    /** Volume name. */
    readonly name: string;
    /** Absolute mount path in the container. */
    readonly path: string;
    /** Mounted read-only. */
    readonly readOnly: boolean;
    /** Kubernetes access mode of its claim. */
    readonly accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
    /** Requested size of the Kubernetes claim. */
    readonly size: Memory;
  }[];
  /** URL prefixes nginx routes to this backend. */
  readonly routes: readonly string[];
  /** Whether `routes` was written or is the web default `['/']`, for messages. */
  readonly routesFrom: 'routes' | 'default';
  /** uvicorn's `--timeout-keep-alive`; nginx's upstream keepalive must close sooner. */
  readonly keepAliveTimeout: Duration;
  /** Kubernetes preStop sleep; zero means no hook, and a worker's is always zero. */
  readonly preStopDelay: Duration;
  /** A fixed container name, when set; it blocks `--scale` (SO-SCALE-CONFLICT). */
  readonly containerName?: string;
  /** A host port published directly, when set; it blocks `--scale` (SO-SCALE-CONFLICT). */
  readonly hostPort?: number;
}

/**
 * A backend's migration for one profile. It is a database consumer of its own: it connects
 * to Postgres directly with `pool` connections, as login role `<backend role>_migrate`.
 */
export interface ResolvedMigration {
  /** The argv run in the backend's image. */
  readonly command: readonly string[];
  /** Connections it holds while it runs. */
  readonly pool: number;
  /** Its compose service / container name: `<backend serviceName>-migrate`. */
  readonly serviceName: string;
}

/** Overrides a profile may give a backend. */
export type BackendOverrides = DeepPartial<BackendProps>;

/** Props of a {@link Backend}, with per-profile overrides and suppressions. */
export interface BackendConstructProps extends BackendProps, ModelCommonProps<BackendOverrides> {}

/**
 * The default probe: python3 is in every image that runs a FastAPI app. The URL is an
 * argument (`sys.argv[1]`), never part of the program text, so no path can run code. The
 * program and URL have no whitespace: podman's Docker-compatible API (docker-compose against
 * podman) joins a CMD healthcheck on spaces and splits it again.
 */
function pythonProbe(port: number, path: string, timeout: Duration): string[] {
  const t = Math.max(1, timeout.toSeconds());
  const program = `__import__('urllib.request').request.urlopen(__import__('sys').argv[1],timeout=${t})`;
  return ['CMD', 'python3', '-c', program, `http://127.0.0.1:${port}${path}`];
}

/** The one place each {@link BackendProps} default lives (the TSDoc `@default`s say the same). */
const BACKEND_DEFAULTS = {
  port: 8000,
  replicas: 1,
  autoscale: { min: 2, targetCpu: 70 },
  healthcheck: { path: '/api/health', interval: '30s', timeout: '30s', retries: 3, startPeriod: '0s', liveness: false },
  workers: 1,
  pool: { size: 5, maxOverflow: 10 },
  redisPool: 10,
  rollout: { maxSurge: '25%', maxUnavailable: '25%', scaleUpThenDown: false },
  restartPolicy: { condition: 'any' },
  volume: { readOnly: false, accessMode: 'ReadWriteOnce', size: '1Gi' },
  routes: ['/'],
  keepAliveTimeout: '5s',
  migrationPool: 1,
  preStopDelay: '15s',
} as const;

/**
 * One scaled app tier: N replicas × W worker processes, each worker with its own pool.
 * A stack may hold several (an API and a worker tier, say).
 */
export class Backend extends ModelConstruct<BackendProps, ResolvedBackend> {
  /** Always `'backend'`: see {@link ModelConstruct.kind}. */
  public readonly kind = 'backend' as const;

  constructor(scope: Construct, id: string, props: BackendConstructProps) {
    super(scope, id, props, backendSchema);
  }

  protected build(p: BackendProps, profile: string): ResolvedBackend {
    const d = BACKEND_DEFAULTS;
    const port = p.port ?? d.port;
    const worker = p.kind === 'worker';
    const load = p.load && resolveLoad(p.load, this.stack.isProduction(profile));
    // A profile's own `load` sizes it even when the base config pins replicas (dev's 1, say);
    // a count set beside the load, or in the profile, wins and SO-LOAD checks it.
    const own = this.profileOverride(profile) as BackendOverrides | undefined;
    const loadIsNewer = own?.load !== undefined;
    const pinned = (v: number | undefined, inProfile: unknown) => (loadIsNewer && inProfile === undefined ? undefined : v);
    const replicas = pinned(p.replicas, own?.replicas);
    const min = pinned(p.autoscale?.min, own?.autoscale?.min);
    const autoscale = p.autoscale && {
      min: min ?? load?.requiredReplicas ?? d.autoscale.min,
      targetCpu: p.autoscale.targetCpu ?? d.autoscale.targetCpu,
    };
    const scaled = autoscale && {
      ...autoscale,
      // The budgets are the stack's; resolveProfile replaces this placeholder.
      ...(p.autoscale!.max === undefined ? { max: autoscale.min, maxFromBudget: true as const } : { max: p.autoscale!.max }),
    };
    const hc = p.healthcheck;
    let healthcheck: ResolvedBackend['healthcheck'];
    if (hc) {
      const path = hc.path ?? d.healthcheck.path;
      const timeout = Duration.parse(hc.timeout ?? d.healthcheck.timeout);
      healthcheck = {
        command: hc.command ?? pythonProbe(port, path, timeout),
        ...(hc.command ? {} : { httpPath: path }),
        port,
        interval: Duration.parse(hc.interval ?? d.healthcheck.interval),
        timeout,
        retries: hc.retries ?? d.healthcheck.retries,
        startPeriod: Duration.parse(hc.startPeriod ?? d.healthcheck.startPeriod),
        liveness: hc.liveness ?? d.healthcheck.liveness,
      };
    }
    return {
      id: this.node.id,
      path: this.node.path,
      serviceName: p.serviceName ?? this.node.id,
      image: p.image,
      kind: worker ? 'worker' : 'web',
      ...(p.command ? { command: p.command } : {}),
      ...(p.args ? { args: p.args } : {}),
      port,
      ...(worker ? (p.metricsPort !== undefined ? { metricsPort: p.metricsPort } : {}) : { metricsPort: port }),
      ...(p.migrations
        ? { migration: { command: p.migrations.command, pool: p.migrations.pool ?? d.migrationPool, serviceName: `${p.serviceName ?? this.node.id}-migrate` } }
        : {}),
      replicas: replicas ?? load?.requiredReplicas ?? autoscale?.min ?? d.replicas,
      replicasFrom: replicas !== undefined ? 'replicas' : load ? 'load' : autoscale ? 'autoscale.min' : 'default',
      ...(scaled ? { autoscale: scaled } : {}),
      ...(load ? { load } : {}),
      workers: p.workers ?? d.workers,
      ...(p.database === false ? {} : { pool: { size: p.pool?.size ?? d.pool.size, maxOverflow: p.pool?.maxOverflow ?? d.pool.maxOverflow } }),
      redisPool: p.redisPool ?? d.redisPool,
      ...(healthcheck ? { healthcheck } : {}),
      resources: resolveResources(p.resources),
      rollout: {
        maxSurge: IntOrPercent.parse(p.rollout?.maxSurge ?? d.rollout.maxSurge),
        maxUnavailable: IntOrPercent.parse(p.rollout?.maxUnavailable ?? d.rollout.maxUnavailable),
        ...(p.rollout?.drainingPods !== undefined ? { drainingPods: p.rollout.drainingPods } : {}),
        scaleUpThenDown: p.rollout?.scaleUpThenDown ?? d.rollout.scaleUpThenDown,
      },
      restartPolicy: {
        condition: p.restartPolicy?.condition ?? d.restartPolicy.condition,
        ...(p.restartPolicy?.maxAttempts !== undefined ? { maxAttempts: p.restartPolicy.maxAttempts } : {}),
      },
      env: p.env ?? {},
      volumes: (p.volumes ?? []).map((v) => ({
        name: v.name,
        path: v.path,
        readOnly: v.readOnly ?? d.volume.readOnly,
        accessMode: v.accessMode ?? d.volume.accessMode,
        size: Memory.parse(v.size ?? d.volume.size),
      })),
      routes: p.routes ?? (worker ? [] : [...d.routes]),
      routesFrom: p.routes ? 'routes' : 'default',
      keepAliveTimeout: Duration.parse(p.keepAliveTimeout ?? d.keepAliveTimeout),
      // Nothing routes to a worker, so nothing has to see its endpoint go before it stops.
      preStopDelay: worker ? Duration.seconds(0) : Duration.parse(p.preStopDelay ?? d.preStopDelay),
      ...(p.containerName !== undefined ? { containerName: p.containerName } : {}),
      ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
    };
  }
}
