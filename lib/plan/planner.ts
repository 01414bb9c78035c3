/**
 * The capacity planner: the smallest replicas × workers × pool that serves a rate within a
 * p99 objective (lib/capacity/queueing.ts) and fits every budget (lib/capacity/safe-scale.ts),
 * under each target's rollout semantics. docs/PLANNER.md describes the model and the search.
 */
import { ConfigError } from '../errors.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ServiceProfile } from '../model/load.js';
import { meetsP99, predict, saturationRps, THREADPOOL_CAP, type RuntimeFacts, type Shape } from '../capacity/queueing.js';
import { atReplicas } from '../capacity/load.js';
import { safeScale, type SafeScale } from '../capacity/safe-scale.js';
import type { TargetKind } from '../capacity/target.js';
import { peakReplicasAt } from '../capacity/peak.js';
import { poolerClientBudget } from '../capacity/pooler-budget.js';
import { postgresBudget } from '../capacity/postgres-budget.js';
import type { ResolvedProfile } from './profile.js';

/** The most worker processes per replica the planner tries. */
export const MAX_PLANNED_WORKERS = 8;
/** The most replicas the planner tries. */
const MAX_PLANNED_REPLICAS = 10_000;
/**
 * SO-LOAD's spare: a config with `load` runs ⌈expectedRps ÷ rpsPerReplica⌉ + 1 replicas, the
 * seed's one replica of headroom. The planner's count meets the objective with all replicas
 * up; the config it prints runs this many more, and the budgets are checked at that count.
 */
export const SPARE_REPLICAS = 1;

/** What to plan for. */
export interface PlanRequest {
  /** Requests per second to serve. */
  readonly rps: number;
  /** The p99 objective in milliseconds. */
  readonly p99Ms: number;
  /** The backend's service profile (appTime, dbTime and their variability). */
  readonly service: ServiceProfile;
  /** The targets whose rollout peaks must fit the budgets. */
  readonly targets: readonly TargetKind[];
  /** Runtime facts the model takes as given (worker imbalance, pool timeout). */
  readonly facts?: RuntimeFacts;
}

/** One shape the planner found, with what it predicts and what it costs. */
export interface PlanOption extends Shape {
  /** Predicted p99 at the requested rate, in milliseconds. */
  readonly p99Ms: number;
  /** Predicted mean response time at the requested rate. */
  readonly meanMs: number;
  /** The rate at which this shape's busiest worker saturates. */
  readonly saturationRps: number;
  /** `replicas` plus {@link SPARE_REPLICAS}: what the config runs; connections and budgets are counted at it. */
  readonly deployReplicas: number;
  /**
   * An autoscaled backend's `autoscale.max` with this shape: the configured one, lowered to
   * what every budget allows under Kubernetes, never below `deployReplicas`. Absent when the
   * backend does not autoscale or leaves the max to the budgets.
   */
  readonly autoscaleMax?: number;
  /** Connections this backend opens at its peak under each target (deployReplicas at peak × workers × pool). */
  readonly connections: Partial<Record<TargetKind, number>>;
  /** The whole stack's Postgres demand with this shape (behind PgBouncer: its client side), against what is available, per target. */
  readonly postgres?: Partial<Record<TargetKind, { readonly demand: number; readonly available: number }>>;
  /** True when every budget allows this shape under every requested target. */
  readonly fits: boolean;
  /** The first budget that refuses it, when it does not fit. */
  readonly limitedBy?: SafeScale['limitedBy'];
}

/** The planner's answer for one backend. */
export interface PlanResult {
  readonly backend: ResolvedBackend;
  readonly request: PlanRequest;
  /** For each workers × pool, the fewest replicas meeting the objective, ranked: fewest connections, then processes, then replicas. */
  readonly options: readonly PlanOption[];
  /** The best option that fits every budget, if any. */
  readonly chosen?: PlanOption;
}

/**
 * Plans `backend` of `profile`: for every workers (1…{@link MAX_PLANNED_WORKERS}) and pool
 * (1…the threadpool cap) the fewest replicas whose predicted p99 meets the objective, then
 * the budgets of each target with the other backends unchanged. Pass one `cache` to the
 * calls of one plan run: profiles that ask the same question share the search.
 */
export function planBackend(profile: ResolvedProfile, backend: ResolvedBackend, request: PlanRequest, cache?: Map<string, Shape[]>): PlanResult {
  if (!(request.service.appMs > 0) && !(request.service.dbMs > 0)) {
    // No service time: nothing queues, and one worker would serve any rate (an infinite saturation rate).
    throw new ConfigError([
      {
        code: 'SO-CONFIG-VALUE',
        constructPath: backend.path,
        path: 'load.appTime',
        message: "appTime and dbTime are both 0ms: with no service time the model has nothing to queue and any shape serves any rate; set the measured times ('scaleout calibrate --url http://HOST:PORT'), a request takes at least 1ms",
      },
    ]);
  }
  // hash and ip_hash spread requests by key: at random as far as the queue is concerned.
  const algorithm = profile.nginx?.algorithm ?? 'round_robin';
  const req: PlanRequest = { ...request, facts: { roundRobin: algorithm === 'round_robin' || algorithm === 'least_conn', ...request.facts } };
  const facts = req.facts!;
  const shapes = [...shapesMeeting(req, cache)];
  shapes.sort((a, b) => cost(a) - cost(b) || a.replicas * a.workers - b.replicas * b.workers || a.replicas - b.replicas || a.pool - b.pool);
  // Predictions and budgets cost a search each; work them out only for the head of the
  // ranking and what is shown.
  const checked: PlanOption[] = [];
  let chosen: PlanOption | undefined;
  for (const shape of shapes) {
    const p = predict(shape, req.service, req.rps, facts);
    const option: PlanOption = { ...shape, p99Ms: p.p99Ms, meanMs: p.meanMs, saturationRps: saturationRps(shape, req.service, facts), deployReplicas: shape.replicas + SPARE_REPLICAS, connections: {}, fits: false };
    const withBudgets = checkBudgets(profile, backend, option, req.targets);
    checked.push(withBudgets);
    if (withBudgets.fits && !chosen) chosen = withBudgets;
    if (chosen && checked.length >= SHOWN) break;
  }
  return { backend, request: req, options: checked, ...(chosen ? { chosen } : {}) };
}

/**
 * For each workers count, the fewest replicas meeting the objective per pool size, keeping
 * only pools that lower the replica count (a bigger pool at the same count costs more on
 * every ranking key). The pool loop stops once the count reaches what the largest pool
 * needs: no pool in between can do better.
 */
function shapesMeeting(req: PlanRequest, cache?: Map<string, Shape[]>): Shape[] {
  const key = JSON.stringify([req.rps, req.p99Ms, req.service, req.facts]);
  const known = cache?.get(key);
  if (known) return known;
  const cap = req.facts?.threadpoolCap ?? THREADPOOL_CAP;
  const shapes: Shape[] = [];
  for (let workers = 1; workers <= MAX_PLANNED_WORKERS; workers++) {
    const floor = fewestReplicas(workers, cap, req, MAX_PLANNED_REPLICAS);
    if (floor === undefined) continue;
    let ceiling = MAX_PLANNED_REPLICAS;
    for (let pool = 1; pool <= cap; pool++) {
      // More connections per worker never needs more replicas, so the last answer bounds this one.
      const replicas: number | undefined = pool === cap ? floor : fewestReplicas(workers, pool, req, ceiling);
      if (replicas === undefined || replicas === ceiling) continue;
      shapes.push({ replicas, workers, pool });
      ceiling = replicas;
      if (replicas === floor) break;
    }
  }
  cache?.set(key, shapes);
  return shapes;
}

/** How many ranked options the planner reports. */
const SHOWN = 10;

/** Connections the shape opens as deployed (with the spare). */
function cost(o: Shape): number {
  return (o.replicas + SPARE_REPLICAS) * o.workers * o.pool;
}

/** The fewest replicas (≤ `ceiling`) with p99 within the objective, or undefined. */
function fewestReplicas(workers: number, pool: number, req: PlanRequest, ceiling: number): number | undefined {
  const ok = (replicas: number) => meetsP99({ replicas, workers, pool }, req.service, req.rps, req.p99Ms, req.facts);
  // Below this count a station saturates: the p99 is unbounded there.
  const unit = saturationRps({ replicas: 1, workers, pool }, req.service, req.facts);
  let lo = Math.max(1, Math.floor(req.rps / unit)); // may fail
  if (lo >= ceiling) return ok(ceiling) ? ceiling : undefined;
  if (ok(lo)) return lo;
  // Gallop up from the saturation bound (answers sit just above it), then bisect.
  let step = 1;
  let hi = lo + step;
  while (hi < ceiling && !ok(hi)) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  if (hi >= ceiling) {
    if (!ok(ceiling)) return undefined;
    hi = ceiling;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `o` with its connections, the stack's Postgres demand, and whether every budget allows it, at `o.deployReplicas`. */
function checkBudgets(profile: ResolvedProfile, backend: ResolvedBackend, o: PlanOption, targets: readonly TargetKind[]): PlanOption {
  const n = o.deployReplicas;
  const shaped = atReplicas({ ...backend, workers: o.workers, ...(backend.pool ? { pool: { size: o.pool, maxOverflow: 0 } } : {}) }, n);
  const backends = profile.backends.map((b) => (b === backend ? shaped : b));
  const connections: Partial<Record<TargetKind, number>> = {};
  const postgres: Partial<Record<TargetKind, { demand: number; available: number }>> = {};
  let limitedBy: SafeScale['limitedBy'] | undefined;
  for (const target of targets) {
    connections[target] = backend.pool ? peakReplicasAt(shaped, target, n).total * o.workers * o.pool : 0;
    const scale = safeScale({ ...profile, backends }, target, shaped);
    if (scale.largest < n && limitedBy === undefined) limitedBy = scale.limitedBy;
    if (profile.postgres) {
      // Behind PgBouncer the backends' connections go to its client side.
      const b = profile.pooler ? poolerClientBudget(backends, profile.pooler, target) : postgresBudget(backends, profile.postgres, target);
      postgres[target] = { demand: b.demand, available: 'capacity' in b ? b.capacity : b.available };
    }
  }
  // The HPA may run up to autoscale.max: keep the configured max, lowered to what the budgets
  // allow with the new workers × pool (the scan above pinned it at n).
  const auto = backend.autoscale;
  const autoscaleMax = auto && !auto.maxFromBudget ? Math.max(n, Math.min(auto.max, safeScale({ ...profile, backends }, 'kubernetes', shaped).largest)) : undefined;
  return {
    ...o,
    ...(autoscaleMax !== undefined ? { autoscaleMax } : {}),
    connections,
    ...(Object.keys(postgres).length ? { postgres } : {}),
    fits: limitedBy === undefined,
    ...(limitedBy ? { limitedBy } : {}),
  };
}
