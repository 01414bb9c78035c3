import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import { poolerClientBudget } from './pooler-budget.js';
import type { ResolvedRedis } from '../model/redis.js';
import { NO_POOL_CONCURRENCY, nginxBudget, upstreamKeepalive } from './nginx-budget.js';
import { peakReplicas, peakReplicasAt } from './peak.js';
import { migrationConnections } from './migration-budget.js';
import { postgresBudget } from './postgres-budget.js';
import { redisBudget } from './redis-budget.js';
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

/**
 * The largest `--scale` for each backend under `target` semantics, holding the others at
 * their replicas: what CAPACITY.md prints next to the scale command. Each budget is
 * computed once; a candidate count only swaps one backend's share, so this stays linear in
 * the number of backends.
 */
export function safeScales(b: Budgets, target: TargetKind): SafeScale[] {
  // Behind a pooler the backends' connections go to its client side; what it opens to
  // Postgres does not change with the backends' replicas.
  const pg = b.postgres && postgresBudget(b.backends, b.postgres, target, b.pooler);
  const clients = b.pooler && b.postgres ? poolerClientBudget(b.backends, b.pooler, target) : undefined;
  const redis = b.redis && redisBudget(b.backends, b.redis, target);
  const nginx = b.nginx && nginxBudget(b.nginx, b.backends, target);
  return b.backends.map((backend) => {
    const peakNow = peakReplicas(backend, target).total;
    const peakAt = (n: number) => peakReplicasAt(backend, target, n).total;
    // This backend's share of each budget at `n` replicas; zero where it takes no part, so
    // a budget another backend already breaks still limits it.
    const dbShare = backend.pool ? backend.workers * (backend.pool.size + backend.pool.maxOverflow) : 0;
    const redisShare = backend.workers * backend.redisPool;
    const requestShare = backend.workers * (backend.pool ? backend.pool.size + backend.pool.maxOverflow : NO_POOL_CONCURRENCY);
    const checks: [SafeScale['limitedBy'], (n: number) => boolean][] = [];
    // On Kubernetes a migration runs in every starting pod, so its copies move with the knob.
    const migrationsNow = pg ? pg.migrations.reduce((s, m) => s + m.demand, 0) : 0;
    const migrationDelta = (n: number) => {
      if (!pg || target !== 'kubernetes' || pg.migrations.length === 0 || !backend.pool) return 0;
      const scaled = b.backends.map((x) =>
        x !== backend ? x : x.autoscale ? { ...x, autoscale: { ...x.autoscale, max: n } } : { ...x, replicas: n },
      );
      return migrationConnections(scaled, target).reduce((s, m) => s + m.demand, 0) - migrationsNow;
    };
    if (pg && clients) {
      checks.push(['PostgreSQL', (n) => pg.demand + migrationDelta(n) <= pg.available]);
      const others = clients.demand - peakNow * dbShare;
      checks.push(['PgBouncer', (n) => others + peakAt(n) * dbShare <= clients.capacity]);
    } else if (pg) {
      const others = pg.demand - peakNow * dbShare;
      checks.push(['PostgreSQL', (n) => others + peakAt(n) * dbShare + migrationDelta(n) <= pg.available]);
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
  });
}
