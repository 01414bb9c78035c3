import { IntOrPercent } from '../units/index.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import { peakReplicas, peakReplicasAt, type PeakReplicas } from './peak.js';
import type { Fix } from './fix.js';
import { backendFix, databaseShares, maxConnectionsFix, type BackendConnections } from './postgres-budget.js';
import { floorOf, largestAtMost, type MinReplicas } from './search.js';
import type { TargetKind } from './target.js';

/** The pooler's client side: app connections against max_client_conn × instances. */
export interface PoolerClientBudget {
  /** Whose rollout semantics the backends' peak was counted under. */
  readonly target: TargetKind;
  /** The pooler, resolved for the profile. */
  readonly pooler: ResolvedPgBouncer;
  /** Each backend's client connections at its peak. */
  readonly backends: readonly BackendConnections[];
  /** Clients other than the backends: the stack's pgbouncer-exporter. */
  readonly fixedClients: number;
  /** Σ backends' peak connections + fixed clients. */
  readonly demand: number;
  /** max_client_conn × instances at rest: surge pods are not counted on to take clients. */
  readonly capacity: number;
  /** `demand ≤ capacity`. */
  readonly ok: boolean;
}

/** The pooler's server side: what its instances may open to Postgres at their own peak. */
export interface PoolerServerShare {
  /** The pooler, resolved for the profile. */
  readonly pooler: ResolvedPgBouncer;
  /** Its peak instances (with its own rollout surge on Kubernetes). */
  readonly peak: PeakReplicas;
  /** Server connections one instance opens at most. */
  readonly perInstance: number;
  /** peak instances × perInstance: its share of Postgres' connections. */
  readonly demand: number;
}

/**
 * demand = Σ backends peak_replicas × workers × (pool.size + maxOverflow) + fixed clients;
 * capacity = max_client_conn × instances. Backends with `database: false` do not count.
 */
export function poolerClientBudget(
  backends: readonly ResolvedBackend[],
  pooler: ResolvedPgBouncer,
  target: TargetKind,
): PoolerClientBudget {
  const shares = databaseShares(backends, target);
  const fixedClients = pooler.fixedClients.reduce((s, c) => s + c.count, 0);
  const demand = shares.reduce((s, b) => s + b.demand, 0) + fixedClients;
  const capacity = pooler.maxClientConn * pooler.replicas;
  return { target, pooler, backends: shares, fixedClients, demand, capacity, ok: demand <= capacity };
}

/** The pooler's peak instances (with its own surge on Kubernetes), each opening its pool. */
export function poolerServerShare(pooler: ResolvedPgBouncer, target: TargetKind): PoolerServerShare {
  const peak = instancesPeak(pooler, target, pooler.replicas);
  return { pooler, peak, perInstance: pooler.serverConnectionsPerInstance, demand: peak.total * pooler.serverConnectionsPerInstance };
}

function instancesPeak(pooler: ResolvedPgBouncer, target: TargetKind, base: number): PeakReplicas {
  return peakReplicasAt(pooler, target, base, 'instances');
}

/** Fixes for the client side: more pooler capacity, or fewer app connections. */
export function poolerClientFixes(b: PoolerClientBudget, minReplicas: MinReplicas = 1): Fix[] {
  const fixes = [maxClientConnFix(b.pooler, Math.ceil(b.demand / b.pooler.replicas)), instancesFix(b.pooler, 'atLeast', Math.ceil(b.demand / b.pooler.maxClientConn))];
  const named = b.backends.length > 1;
  for (const s of b.backends) {
    const room = b.capacity - (b.demand - s.demand);
    const maxBase = largestAtMost(s.peak.base - 1, (m) => peakReplicasAt(s.backend, b.target, m).total * s.workers * s.perWorker <= room);
    if (maxBase !== undefined && maxBase >= floorOf(minReplicas, s.backend)) fixes.push(backendFix(s.backend, s.peak.knob, 'atMost', maxBase, named));
  }
  return fixes;
}

/** `pgbouncer.maxClientConn ≥ n`. */
export function maxClientConnFix(pooler: ResolvedPgBouncer, n: number): Fix {
  return { knob: `${pooler.id}.maxClientConn`, op: 'atLeast', value: n, term: 'maxClientConn' };
}

function instancesFix(pooler: ResolvedPgBouncer, op: 'atMost' | 'atLeast', n: number): Fix {
  return { knob: `${pooler.id}.instances`, op, value: n, term: 'instances' };
}

/** Fixes for the server side: smaller pools, fewer instances, or more max_connections. */
export function poolerServerFixes(share: PoolerServerShare, pg: ResolvedPostgres, fixed: number, target: TargetKind): Fix[] {
  const room = pg.available - fixed;
  const fixes: Fix[] = [];
  const p = share.pooler;
  const perInstance = Math.floor(room / share.peak.total);
  if (perInstance >= 1) {
    fixes.push({
      knob: `${p.id}.defaultPoolSize + ${p.id}.reservePoolSize`,
      op: 'atMost',
      value: perInstance,
      term: 'defaultPoolSize + reservePoolSize',
      note: `(or maxDbConnections ${perInstance})`,
    });
  }
  const instances = largestAtMost(p.replicas - 1, (n) => instancesPeak(p, target, n).total * share.perInstance <= room);
  if (instances !== undefined) fixes.push(instancesFix(p, 'atMost', instances));
  fixes.push(maxConnectionsFix(pg, share.demand + fixed + pg.superuserReservedConnections + pg.reservedConnections));
  return fixes;
}

/**
 * A pooler config that would fit when a stack without one exceeds SO-POOL: one instance
 * taking every app connection, with a pool that fits Postgres at the pooler's own peak.
 * A bare "add PgBouncer" when not even one server connection per instance fits.
 */
export function suggestedPooler(appDemand: number, pg: ResolvedPostgres, fixed: number, target: TargetKind): Fix {
  const probe = { replicas: 1, rollout: DEFAULT_POOLER_ROLLOUT } as const;
  const peak = peakReplicas(probe, target);
  const poolSize = Math.floor((pg.available - fixed) / peak.total);
  const fix = { knob: `${pg.id}.pooler`, op: 'add', term: 'PgBouncer' } as const;
  if (poolSize < 1) return fix;
  const size = Math.min(poolSize, appDemand);
  // Say how the pool was sized: per instance, and how many instances run at peak.
  const split = peak.total === 1
    ? `one pooler instance holds ${size} server connections`
    : `${size} server connections per pooler instance × ${peak.total} at peak (${peak.explain}) = ${size * peak.total} ≤ ${pg.available - fixed}`;
  return {
    ...fix,
    value: { maxClientConn: appDemand, defaultPoolSize: size },
    note: `(postgres.pooler: { maxClientConn: ${appDemand}, defaultPoolSize: ${size} }; ${split})`,
  };
}

const DEFAULT_POOLER_ROLLOUT = {
  maxSurge: IntOrPercent.parse('25%'),
  maxUnavailable: IntOrPercent.parse('25%'),
  scaleUpThenDown: false,
} as const;
