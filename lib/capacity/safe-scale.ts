import type { ResolvedBackend } from '../model/backend.js';
import { nginxBudget } from './nginx-budget.js';
import { postgresBudget } from './postgres-budget.js';
import { redisBudget } from './redis-budget.js';
import { largestAtMost } from './search.js';
import type { TargetKind } from './target.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import type { ResolvedRedis } from '../model/redis.js';

/** What bounds a backend's replica count. */
export interface SafeScale {
  readonly backend: ResolvedBackend;
  /** Largest replica count (others unchanged) that keeps every budget, or 0 if none does. */
  readonly largest: number;
  /** The budget that fails first above `largest`. */
  readonly limitedBy: 'PostgreSQL' | 'Redis' | 'nginx' | 'none';
}

export interface Budgets {
  readonly backends: readonly ResolvedBackend[];
  readonly postgres?: ResolvedPostgres;
  readonly redis?: ResolvedRedis;
  readonly nginx?: ResolvedNginx;
}

const SEARCH_LIMIT = 100_000;

function failing(b: Budgets, target: TargetKind): SafeScale['limitedBy'] | undefined {
  if (b.postgres && !postgresBudget(b.backends, b.postgres, target).ok) return 'PostgreSQL';
  if (b.redis && !redisBudget(b.backends, b.redis, target).ok) return 'Redis';
  if (b.nginx && !nginxBudget(b.nginx, b.backends, target).ok) return 'nginx';
  return undefined;
}

/**
 * The largest `--scale` for each backend under `target` semantics, holding the others at
 * their replicas: what CAPACITY.md prints next to the scale command.
 */
export function safeScales(b: Budgets, target: TargetKind): SafeScale[] {
  return b.backends.map((backend, i) => {
    const at = (n: number): Budgets => ({
      ...b,
      backends: b.backends.map((x, j) => (j === i ? { ...x, replicas: n, ...(x.autoscale ? { autoscale: { ...x.autoscale, max: n } } : {}) } : x)),
    });
    const largest = largestAtMost(SEARCH_LIMIT, (n) => failing(at(n), target) === undefined) ?? 0;
    const limitedBy = largest === SEARCH_LIMIT ? 'none' : (failing(at(largest + 1), target) ?? 'none');
    return { backend, largest, limitedBy };
  });
}
