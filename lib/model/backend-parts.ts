/** The nested parts of {@link BackendProps}: autoscale, pool, healthcheck, rollout, volumes, restarts. */

/** HPA bounds. Compose has no autoscaler; there, `replicas` applies. */
export interface AutoscaleProps {
  /**
   * Fewest replicas.
   *
   * @default - the replicas `load` needs when it is set, else 2
   */
  readonly min?: number;
  /**
   * Most replicas: the number the capacity budget is checked at on Kubernetes.
   *
   * @default - required unless `load` is set; then the largest count the Postgres,
   * PgBouncer, Redis and nginx budgets allow under Kubernetes semantics (surge and draining
   * pods included), the other backends at their own peak. When several backends leave it
   * to the budget, the first declared takes the headroom first.
   */
  readonly max?: number;
  /**
   * Target average CPU utilization, percent of requests.
   *
   * @default 70
   */
  readonly targetCpu?: number;
}

/** The SQLAlchemy QueuePool each worker process opens. */
export interface PoolProps {
  /**
   * `pool_size`: connections kept open. 0 would mean unbounded and is refused.
   *
   * @default 5
   */
  readonly size?: number;
  /**
   * `max_overflow`: extra connections opened under load. -1 would mean unbounded and is refused.
   *
   * @default 10
   */
  readonly maxOverflow?: number;
}

/** The HTTP healthcheck, mapped to compose healthchecks and Kubernetes probes. */
export interface HealthcheckProps {
  /**
   * HTTP path probed on the backend's port.
   *
   * @default '/api/health'
   */
  readonly path?: string;
  /**
   * Time between probes; longer than 0 (Docker and Kubernetes read 0 as their own defaults).
   *
   * @default '30s' (Docker's default)
   */
  readonly interval?: string;
  /**
   * Time one probe may take; longer than 0.
   *
   * @default '30s' (Docker's default)
   */
  readonly timeout?: string;
  /**
   * Consecutive failures before unhealthy.
   *
   * @default 3
   */
  readonly retries?: number;
  /**
   * Grace time at start during which failures do not count.
   *
   * @default '0s'
   */
  readonly startPeriod?: string;
  /**
   * Exec command for the probe.
   *
   * @default - a python3 urllib GET of `path`, which any Python image can run
   */
  readonly command?: readonly string[];
  /**
   * Also emit a Kubernetes livenessProbe. Off by default: Docker never restarts an
   * unhealthy container, and a liveness probe would change that.
   *
   * @default false
   */
  readonly liveness?: boolean;
}

/** How a new version replaces the old one. */
export interface RolloutProps {
  /**
   * Kubernetes maxSurge; percentages round up.
   *
   * @default '25%'
   */
  readonly maxSurge?: number | string;
  /**
   * Kubernetes maxUnavailable; percentages round down.
   *
   * @default '25%'
   */
  readonly maxUnavailable?: number | string;
  /**
   * Pods still terminating (and holding connections) while their replacements run.
   *
   * @default - the resolved maxSurge, or maxUnavailable when that is larger (with maxSurge 0,
   * old pods are still draining while their replacements start)
   */
  readonly drainingPods?: number;
  /**
   * The seed's compose procedure: scale to 2 × replicas, then back down. Doubles the
   * compose peak.
   *
   * @default false
   */
  readonly scaleUpThenDown?: boolean;
}

/** A volume mounted into every replica. */
export interface VolumeProps {
  /** Volume name. */
  readonly name: string;
  /** Absolute mount path in the container. */
  readonly path: string;
  /**
   * Mount read-only.
   *
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * Kubernetes access mode of its claim. Replicas on different nodes can only share a
   * ReadWriteMany volume (SO-SHARED-VOLUME).
   *
   * @default 'ReadWriteOnce' (what default storage classes provide)
   */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteMany';
  /**
   * Requested size of the Kubernetes claim.
   *
   * @default '1Gi'
   */
  readonly size?: string;
}

/** Restart behaviour of a container. */
export interface RestartPolicyProps {
  /**
   * When to restart.
   *
   * @default 'any'
   */
  readonly condition?: 'none' | 'on-failure' | 'any';
  /**
   * Restart attempts before giving up (compose only).
   *
   * @default - unlimited
   */
  readonly maxAttempts?: number;
}

/**
 * A database migration a backend needs before it starts (`alembic upgrade head`). It runs
 * once per deploy, before the backend's replicas start, and connects to Postgres directly
 * (never through a pooler: DDL and advisory locks need a session of their own).
 */
export interface MigrationProps {
  /** The migration's argv (`[alembic, upgrade, head]`), run in the backend's image. */
  readonly command: readonly string[];
  /**
   * Database connections the migration holds while it runs; counted as fixed Postgres
   * clients during a rollout, when old pods, new pods and the migration all hold some.
   *
   * @default 1
   */
  readonly pool?: number;
}
