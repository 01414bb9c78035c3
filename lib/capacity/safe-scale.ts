import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import { poolerClientBudget, type PoolerClientBudget } from './pooler-budget.js';
import type { ResolvedRedis } from '../model/redis.js';
import { NO_POOL_CONCURRENCY, nginxBudget, upstreamKeepalive, type NginxBudget } from './nginx-budget.js';
import { peakReplicas, peakReplicasAt } from './peak.js';
import { migrationDelta, migrationPools } from './migration-budget.js';
import { postgresBudget, type PostgresBudget } from './postgres-budget.js';
import { redisBudget, type RedisBudget } from './redis-budget.js';
import { largestAtMost } from './search.js';
import type { TargetKind } from './target.js';

/** What bounds a backend's replica count. */
export interface SafeScale {
  /** The backend, resolved for the profile. */
  readonly backend: ResolvedBackend;
  /** Largest replica count (others unchanged) that keeps every budget, or 0 if none does. */
  readonly largest: number;
  /** The budget that fails first above `largest`. */
  readonly limitedBy: 'PostgreSQL' | 'PgBouncer' | 'Redis' | 'nginx' | 'none';
}

/** What the budgets are computed from: one profile's resolved constructs; absent ones set no budget. */
export interface Budgets {
  /** Every backend, in declaration order. */
  readonly backends: readonly ResolvedBackend[];
  /** Postgres, when the stack has it. */
  readonly postgres?: ResolvedPostgres;
  /** PgBouncer, when the stack has it. */
  readonly pooler?: ResolvedPgBouncer;
  /** Redis, when the stack has it. */
  readonly redis?: ResolvedRedis;
  /** nginx, when the stack has it. */
  readonly nginx?: ResolvedNginx;
}

const SEARCH_LIMIT = 100_000;

/** Each budget once, for a whole profile under one target's semantics. */
interface Totals {
  readonly pg?: PostgresBudget;
  readonly clients?: PoolerClientBudget;
  readonly redis?: RedisBudget;
  readonly nginx?: NginxBudget;
  /** Σ migration pools: what each Kubernetes starting pod adds to Postgres. */
  readonly pools: number;
}

function totals(b: Budgets, target: TargetKind): Totals {
  // Behind a pooler the backends' connections go to its client side; what it opens to
  // Postgres does not change with the backends' replicas.
  const pg = b.postgres && postgresBudget(b.backends, b.postgres, target, b.pooler);
  return {
    ...(pg ? { pg } : {}),
    ...(b.pooler && b.postgres ? { clients: poolerClientBudget(b.backends, b.pooler, target) } : {}),
    ...(b.redis ? { redis: redisBudget(b.backends, b.redis, target) } : {}),
    ...(b.nginx ? { nginx: nginxBudget(b.nginx, b.backends, target) } : {}),
    pools: pg ? migrationPools(pg.migrations) : 0,
  };
}

/**
 * The largest `--scale` for each backend under `target` semantics, holding the others at
 * their replicas: what CAPACITY.md prints next to the scale command. Each budget is
 * computed once; a candidate count only swaps one backend's share, so this stays linear in
 * the number of backends.
 */
export function safeScales(b: Budgets, target: TargetKind): SafeScale[] {
  const t = totals(b, target);
  return b.backends.map((backend) => scaleOf(b, t, backend, target));
}

/** {@link safeScales} for one of `b.backends` (the same object), the others at their replicas. */
export function safeScale(b: Budgets, target: TargetKind, backend: ResolvedBackend): SafeScale {
  return scaleOf(b, totals(b, target), backend, target);
}

function scaleOf(b: Budgets, { pg, clients, redis, nginx, pools }: Totals, backend: ResolvedBackend, target: TargetKind): SafeScale {
  const peakNow = peakReplicas(backend, target).total;
  const peakAt = (n: number) => peakReplicasAt(backend, target, n).total;
  // This backend's share of each budget at `n` replicas; zero where it takes no part, so
  // a budget another backend already breaks still limits it.
  const dbShare = backend.pool ? backend.workers * (backend.pool.size + backend.pool.maxOverflow) : 0;
  const redisShare = backend.workers * backend.redisPool;
  const requestShare = backend.workers * (backend.pool ? backend.pool.size + backend.pool.maxOverflow : NO_POOL_CONCURRENCY);
  const checks: [SafeScale['limitedBy'], (n: number) => boolean][] = [];
  // On Kubernetes a migration runs in every starting pod, so its copies move with the knob.
  const migrations = migrationDelta(pools, backend, target);
  if (pg && clients) {
    checks.push(['PostgreSQL', (n) => pg.demand + migrations(n) <= pg.available]);
    const others = clients.demand - peakNow * dbShare;
    checks.push(['PgBouncer', (n) => others + peakAt(n) * dbShare <= clients.capacity]);
  } else if (pg) {
    const others = pg.demand - peakNow * dbShare;
    checks.push(['PostgreSQL', (n) => others + peakAt(n) * dbShare + migrations(n) <= pg.available]);
  }
  if (redis) {
    const others = redis.demand - peakNow * redisShare;
    checks.push(['Redis', (n) => others + peakAt(n) * redisShare <= redis.redis.maxClients]);
  }
  if (nginx && backend.kind === 'web') {
    // A derived peak grows with the replicas (2 connections per request); a set one does not.
    const share = nginx.derived ? 2 * requestShare : 0;
    // A sized keepalive grows with the replicas too, in every worker process.
    const idleNow = upstreamKeepalive(b.nginx!, backend).keepalive;
    // It is sized on autoscale.max when there is one; only that knob moves it then.
    const moves = !backend.autoscale || peakReplicas(backend, target).knob === 'autoscale.max';
    const idleAt = (n: number) => (moves ? upstreamKeepalive(b.nginx!, backend, n).keepalive : idleNow);
    const others = nginx.demand - peakNow * share - nginx.workerProcesses * idleNow;
    checks.push(['nginx', (n) => others + peakAt(n) * share + nginx.workerProcesses * idleAt(n) <= nginx.capacity]);
  }
  const failing = (n: number) => checks.find(([, fits]) => !fits(n))?.[0];
  const largest = largestAtMost(SEARCH_LIMIT, (n) => failing(n) === undefined) ?? 0;
  const limitedBy = largest === SEARCH_LIMIT ? 'none' : (failing(largest + 1) ?? 'none');
  return { backend, largest, limitedBy };
}
