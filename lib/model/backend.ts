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
  readonly path: string;
  readonly serviceName: string;
  readonly image: string;
  readonly port: number;
  readonly replicas: number;
  /** What set `replicas`: the prop itself, the load, autoscale.min, or the default 1. */
  readonly replicasFrom: 'replicas' | 'load' | 'autoscale.min' | 'default';
  readonly autoscale?: {
    readonly min: number;
    readonly max: number;
    readonly targetCpu: number;
    /**
     * Set when `max` was left to the budgets (load set, no autoscale.max). Until the
     * stack's budgets size it (`resolveProfile`), `max` equals `min`.
     */
    readonly maxFromBudget?: true;
  };
  /** The expected load and the replicas it needs, when `load` is set. */
  readonly load?: ResolvedLoad;
  readonly workers: number;
  /** The per-worker pool, or undefined when the backend does not use the database. */
  readonly pool?: { readonly size: number; readonly maxOverflow: number };
  readonly redisPool: number;
  readonly healthcheck?: ResolvedHealthcheck & { readonly liveness: boolean };
  readonly resources: ResolvedResources;
  readonly rollout: {
    readonly maxSurge: IntOrPercent;
    readonly maxUnavailable: IntOrPercent;
    readonly drainingPods?: number;
    readonly scaleUpThenDown: boolean;
  };
  readonly restartPolicy: { readonly condition: 'none' | 'on-failure' | 'any'; readonly maxAttempts?: number };
  readonly env: Readonly<Record<string, EnvValue>>;
  readonly volumes: readonly {
    readonly name: string;
    readonly path: string;
    readonly readOnly: boolean;
    readonly accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
    readonly size: Memory;
  }[];
  readonly routes: readonly string[];
  readonly keepAliveTimeout: Duration;
  /** Kubernetes preStop sleep; zero means no hook. */
  readonly preStopDelay: Duration;
  readonly containerName?: string;
  readonly hostPort?: number;
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

/**
 * One scaled app tier: N replicas × W worker processes, each worker with its own pool.
 * A stack may hold several (an API and a worker tier, say).
 */
export class Backend extends ModelConstruct<BackendProps, ResolvedBackend> {
  public readonly kind = 'backend' as const;

  constructor(scope: Construct, id: string, props: BackendConstructProps) {
    super(scope, id, props, backendSchema);
  }

  protected build(p: BackendProps, profile: string): ResolvedBackend {
    const port = p.port ?? 8000;
    const load = p.load && resolveLoad(p.load, this.stack.isProduction(profile));
    // A profile's own `load` sizes it even when the base config pins replicas (dev's 1, say);
    // a count set beside the load, or in the profile, wins and SO-LOAD checks it.
    const own = this.profileOverride(profile) as BackendOverrides | undefined;
    const loadIsNewer = own?.load !== undefined;
    const pinned = (v: number | undefined, inProfile: unknown) => (loadIsNewer && inProfile === undefined ? undefined : v);
    const replicas = pinned(p.replicas, own?.replicas);
    const min = pinned(p.autoscale?.min, own?.autoscale?.min);
    const autoscale = p.autoscale && {
      min: min ?? load?.requiredReplicas ?? 2,
      targetCpu: p.autoscale.targetCpu ?? 70,
    };
    const scaled = autoscale && {
      ...autoscale,
      // The budgets are the stack's; resolveProfile replaces this placeholder.
      ...(p.autoscale!.max === undefined ? { max: autoscale.min, maxFromBudget: true as const } : { max: p.autoscale!.max }),
    };
    const hc = p.healthcheck;
    let healthcheck: ResolvedBackend['healthcheck'];
    if (hc) {
      const path = hc.path ?? '/api/health';
      const timeout = Duration.parse(hc.timeout ?? '30s');
      healthcheck = {
        command: hc.command ?? pythonProbe(port, path, timeout),
        ...(hc.command ? {} : { httpPath: path }),
        port,
        interval: Duration.parse(hc.interval ?? '30s'),
        timeout,
        retries: hc.retries ?? 3,
        startPeriod: Duration.parse(hc.startPeriod ?? '0s'),
        liveness: hc.liveness ?? false,
      };
    }
    return {
      id: this.node.id,
      path: this.node.path,
      serviceName: p.serviceName ?? this.node.id,
      image: p.image,
      port,
      replicas: replicas ?? load?.requiredReplicas ?? autoscale?.min ?? 1,
      replicasFrom: replicas !== undefined ? 'replicas' : load ? 'load' : autoscale ? 'autoscale.min' : 'default',
      ...(scaled ? { autoscale: scaled } : {}),
      ...(load ? { load } : {}),
      workers: p.workers ?? 1,
      ...(p.database === false ? {} : { pool: { size: p.pool?.size ?? 5, maxOverflow: p.pool?.maxOverflow ?? 10 } }),
      redisPool: p.redisPool ?? 10,
      ...(healthcheck ? { healthcheck } : {}),
      resources: resolveResources(p.resources),
      rollout: {
        maxSurge: IntOrPercent.parse(p.rollout?.maxSurge ?? '25%'),
        maxUnavailable: IntOrPercent.parse(p.rollout?.maxUnavailable ?? '25%'),
        ...(p.rollout?.drainingPods !== undefined ? { drainingPods: p.rollout.drainingPods } : {}),
        scaleUpThenDown: p.rollout?.scaleUpThenDown ?? false,
      },
      restartPolicy: {
        condition: p.restartPolicy?.condition ?? 'any',
        ...(p.restartPolicy?.maxAttempts !== undefined ? { maxAttempts: p.restartPolicy.maxAttempts } : {}),
      },
      env: p.env ?? {},
      volumes: (p.volumes ?? []).map((v) => ({
        name: v.name,
        path: v.path,
        readOnly: v.readOnly ?? false,
        accessMode: v.accessMode ?? 'ReadWriteOnce',
        size: Memory.parse(v.size ?? '1Gi'),
      })),
      routes: p.routes ?? ['/'],
      keepAliveTimeout: Duration.parse(p.keepAliveTimeout ?? '5s'),
      preStopDelay: Duration.parse(p.preStopDelay ?? '15s'),
      ...(p.containerName !== undefined ? { containerName: p.containerName } : {}),
      ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
    };
  }
}
