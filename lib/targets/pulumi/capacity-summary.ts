/**
 * The capacity summary a DockerStack exports as a stack output: the same budgets the gate
 * checked, as plain numbers, so `pulumi stack output capacity` shows the headroom.
 */
import { nginxBudget } from '../../capacity/nginx-budget.js';
import { peakReplicas } from '../../capacity/peak.js';
import { postgresBudget } from '../../capacity/postgres-budget.js';
import { redisBudget } from '../../capacity/redis-budget.js';
import { safeScales } from '../../capacity/safe-scale.js';
import type { RuleContext } from '../../rules/rule.js';

/** One budget: what the peak needs against what the server allows. */
export interface BudgetSummary {
  /** Connections the peak needs. */
  readonly demand: number;
  /** Connections the server allows. */
  readonly available: number;
  /** available − demand: connections to spare at peak. */
  readonly headroom: number;
}

/** One backend tier's share of the budgets. */
export interface BackendCapacity {
  /** The backend's service name. */
  readonly service: string;
  /** Replica containers it runs. */
  readonly replicas: number;
  /** Replicas at peak under Pulumi semantics: containers are replaced delete-first, so = replicas. */
  readonly peakReplicas: number;
  /** Worker processes per replica. */
  readonly workers: number;
  /** Postgres connections it may hold at peak; 0 when it does not use the database. */
  readonly dbConnections: number;
  /** Redis connections it may hold at peak; 0 when it does not use Redis. */
  readonly redisClients: number;
  /** Largest replica count (others unchanged) that keeps every budget. */
  readonly maxSafeReplicas: number;
  /** The budget that fails first above maxSafeReplicas. */
  readonly limitedBy: 'PostgreSQL' | 'PgBouncer' | 'Redis' | 'nginx' | 'none';
}

/** The budgets of one profile under Pulumi semantics. */
export interface CapacitySummary {
  /** The profile summarized. */
  readonly profile: string;
  /** Always `pulumi`: the semantics the peaks were counted under. */
  readonly target: 'pulumi';
  /** PostgreSQL connections against max_connections − reserved slots. */
  readonly postgres?: BudgetSummary;
  /** Redis clients against maxclients. */
  readonly redis?: BudgetSummary;
  /** nginx connections against worker_processes × worker_connections. */
  readonly nginx?: BudgetSummary;
  /** Each backend tier, in declaration order. */
  readonly backends: readonly BackendCapacity[];
}

const budget = (demand: number, available: number): BudgetSummary => ({ demand, available, headroom: available - demand });

/** Summarizes the budgets of a resolved profile under the 'pulumi' target. */
export function capacitySummary(ctx: RuleContext): CapacitySummary {
  const target = 'pulumi' as const;
  const pg = ctx.postgres && postgresBudget(ctx.backends, ctx.postgres, target);
  const redis = ctx.redis && redisBudget(ctx.backends, ctx.redis, target);
  const nginx = ctx.nginx && nginxBudget(ctx.nginx, ctx.backends, target);
  const scales = safeScales(ctx, target);
  return {
    profile: ctx.profile,
    target,
    ...(pg ? { postgres: budget(pg.demand, pg.available) } : {}),
    ...(redis ? { redis: budget(redis.demand, redis.redis.maxClients) } : {}),
    ...(nginx ? { nginx: budget(nginx.demand, nginx.capacity) } : {}),
    backends: ctx.backends.map((b, i) => {
      const db = pg?.backends.find((s) => s.backend.path === b.path);
      const rc = redis?.backends.find((s) => s.backend.path === b.path);
      return {
        service: b.serviceName,
        replicas: b.replicas,
        peakReplicas: peakReplicas(b, target).total,
        workers: b.workers,
        dbConnections: db?.demand ?? 0,
        redisClients: rc?.demand ?? 0,
        maxSafeReplicas: scales[i]!.largest,
        limitedBy: scales[i]!.limitedBy,
      };
    }),
  };
}
