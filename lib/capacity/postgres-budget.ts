import type { ResolvedBackend } from '../model/backend.js';
import type { StackClient } from '../model/monitoring.js';
import type { Fix } from './fix.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import { migrationConnections, migrationDelta, migrationPools, type MigrationConnections } from './migration-budget.js';
import { poolerServerShare, suggestedPooler, type PoolerServerShare } from './pooler-budget.js';
import { floorOf, largestAtMost, type MinReplicas } from './search.js';
import { peakReplicas, peakReplicasAt, type PeakReplicas } from './peak.js';
import type { TargetKind } from './target.js';

/** One backend's share of the database connection demand. */
export interface BackendConnections {
  /** The backend, resolved for the profile. */
  readonly backend: ResolvedBackend;
  /** Its peak replicas under the target's semantics. */
  readonly peak: PeakReplicas;
  /** Worker processes per replica. */
  readonly workers: number;
  /** SQLAlchemy `pool_size` per worker. */
  readonly poolSize: number;
  /** SQLAlchemy `max_overflow` per worker. */
  readonly maxOverflow: number;
  /** `pool.size + maxOverflow`: the most one worker process ever holds. */
  readonly perWorker: number;
  /** peak replicas × workers × perWorker: connections it may hold at once. */
  readonly demand: number;
}

/** The PostgreSQL connection budget of one profile under one target's semantics. */
export interface PostgresBudget {
  /** Whose rollout semantics the peak was counted under. */
  readonly target: TargetKind;
  /** Postgres, resolved for the profile. */
  readonly postgres: ResolvedPostgres;
  /** Backends connecting directly; empty behind a pooler. */
  readonly backends: readonly BackendConnections[];
  /** The pooler's server connections, when backends connect through one. */
  readonly pooler?: PoolerServerShare;
  /** Each backend's migration, a fixed client while a rollout runs (also behind a pooler). */
  readonly migrations: readonly MigrationConnections[];
  /** Every fixed client by name: the provider's own, the stack's exporters, the migrations. */
  readonly fixed: readonly StackClient[];
  /** Σ fixed: the connections that do not scale with replicas. */
  readonly fixedClients: number;
  /** Σ backends (or the pooler's share) + fixed clients. */
  readonly demand: number;
  /** max_connections − superuser_reserved − reserved: what ordinary roles may open. */
  readonly available: number;
  /** `demand ≤ available`. */
  readonly ok: boolean;
}

function share(b: ResolvedBackend, peak: PeakReplicas): BackendConnections {
  const pool = b.pool!;
  const perWorker = pool.size + pool.maxOverflow;
  return {
    backend: b,
    peak,
    workers: b.workers,
    poolSize: pool.size,
    maxOverflow: pool.maxOverflow,
    perWorker,
    demand: peak.total * b.workers * perWorker,
  };
}

/**
 * demand = Σ backends peak_replicas × workers × (pool.size + maxOverflow) + Σ fixed clients;
 * available = max_connections − superuser_reserved − reserved. The budget holds when
 * demand ≤ available. Backends with `database: false` do not count; migrations count as
 * fixed clients ({@link migrationConnections}).
 */
export function postgresBudget(
  backends: readonly ResolvedBackend[],
  pg: ResolvedPostgres,
  target: TargetKind,
  pooler?: ResolvedPgBouncer,
): PostgresBudget {
  // Behind a pooler, the backends are its clients; Postgres sees the pooler's pools.
  const shares = pooler ? [] : databaseShares(backends, target);
  const server = pooler ? poolerServerShare(pooler, target) : undefined;
  // Migrations connect to Postgres directly: DDL and advisory locks need their own session.
  const migrations = migrationConnections(backends, target);
  const fixed = [...pg.fixedClients, ...migrations.map((m) => ({ name: m.name, count: m.demand }))];
  const fixedClients = fixed.reduce((s, c) => s + c.count, 0);
  const demand = shares.reduce((s, b) => s + b.demand, 0) + (server?.demand ?? 0) + fixedClients;
  return {
    target,
    postgres: pg,
    backends: shares,
    ...(server ? { pooler: server } : {}),
    migrations,
    fixed,
    fixedClients,
    demand,
    available: pg.available,
    ok: demand <= pg.available,
  };
}

/** Each database-using backend's connections at its peak. */
export function databaseShares(backends: readonly ResolvedBackend[], target: TargetKind): BackendConnections[] {
  return backends.filter((b) => b.pool).map((b) => share(b, peakReplicas(b, target)));
}

/**
 * The smallest changes that would make the budget hold, one knob at a time. A replica
 * count below `minReplicas` (2 in production, per SO-HA) is not offered. The replicas bound
 * is the one `safeScales` finds for PostgreSQL: on Kubernetes the migrations' copies
 * shrink with the replicas.
 */
export function postgresFixes(budget: PostgresBudget, minReplicas: MinReplicas = 1): Fix[] {
  const { backends, available, demand, postgres, target } = budget;
  const fixes: Fix[] = [];
  const named = backends.length > 1;
  const pools = migrationPools(budget.migrations);
  for (const s of backends) {
    const others = demand - s.demand;
    const room = available - others;
    const b = s.backend;
    // Fewer replicas also start fewer pods, each running the migrations (as in safeScales).
    const migrations = migrationDelta(pools, b, target);
    const maxBase = largestAtMost(s.peak.base - 1, (m) => peakReplicasAt(b, target, m).total * s.workers * s.perWorker + migrations(m) <= room);
    if (maxBase !== undefined && maxBase >= floorOf(minReplicas, s.backend)) fixes.push(backendFix(b, s.peak.knob, 'atMost', maxBase, named));
    const maxPer = largestAtMost(s.perWorker - 1, (p) => s.peak.total * s.workers * p <= room);
    if (maxPer !== undefined) fixes.push(backendFix(b, 'pool.size + maxOverflow', 'atMost', maxPer, named));
    const maxWorkers = largestAtMost(s.workers - 1, (w) => s.peak.total * w * s.perWorker <= room);
    if (maxWorkers !== undefined) fixes.push(backendFix(b, 'workers', 'atMost', maxWorkers, named));
  }
  const reserved = postgres.superuserReservedConnections + postgres.reservedConnections;
  fixes.push(maxConnectionsFix(postgres, demand + reserved));
  const appDemand = backends.reduce((sum, b) => sum + b.demand, 0);
  fixes.push(suggestedPooler(appDemand, postgres, budget.fixedClients, target));
  return fixes;
}

/** `db.maxConnections ≥ n`, worded as the server's `max_connections`. */
export function maxConnectionsFix(pg: ResolvedPostgres, n: number): Fix {
  return { knob: `${pg.id}.maxConnections`, op: 'atLeast', value: n, term: 'max_connections' };
}

/**
 * A bound on one of a backend's knobs (`replicas`, `autoscale.max`, `workers`, `redisPool`,
 * or the sum `pool.size + maxOverflow`); `named` puts the service name in front, for a
 * budget several backends share.
 */
export function backendFix(b: ResolvedBackend, prop: string, op: 'atMost' | 'atLeast', value: number, named = false): Fix {
  const props = prop === 'pool.size + maxOverflow' ? ['pool.size', 'pool.maxOverflow'] : [prop];
  const knob = props.map((p) => `${b.id}.${p}`).join(' + ');
  return { knob, op, value, term: named ? `${b.serviceName} ${prop}` : prop };
}
