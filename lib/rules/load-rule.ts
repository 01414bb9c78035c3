import { budgetsAt, loadSizings, type LoadSizing } from '../capacity/load.js';
import type { BudgetName, Fix } from '../capacity/fix.js';
import { nginxBudget, nginxFixes } from '../capacity/nginx-budget.js';
import { maxClientConnFix, poolerClientBudget, suggestedPooler } from '../capacity/pooler-budget.js';
import { peakReplicas } from '../capacity/peak.js';
import { backendFix, maxConnectionsFix, postgresBudget } from '../capacity/postgres-budget.js';
import { maxClientsFix, redisBudget } from '../capacity/redis-budget.js';
import { largestAtMost } from '../capacity/search.js';
import type { ResolvedBackend } from '../model/backend.js';
import { loadFormula, servedRps } from '../model/load.js';
import { plural, type Rule, type RuleContext, type Violation } from './rule.js';

/** One budget that the load's replica count breaks: its arithmetic and its own fixes. */
interface Broken {
  readonly name: BudgetName;
  readonly lines: readonly string[];
  readonly fixes: readonly Fix[];
}

/** Fewer workers and a smaller per-worker pool that fit `room` at `peak` replicas. */
function shareFixes(b: ResolvedBackend, room: number, peak: number, workers: number, perWorker: number, perWorkerName: string): Fix[] {
  const fixes: Fix[] = [];
  const w = largestAtMost(workers - 1, (n) => peak * n * perWorker <= room);
  if (w !== undefined) fixes.push(backendFix(b, 'workers', 'atMost', w));
  const p = largestAtMost(perWorker - 1, (n) => peak * workers * n <= room);
  if (p !== undefined) fixes.push(backendFix(b, perWorkerName, 'atMost', p));
  return fixes;
}

/** The fixes of one broken budget, tagged with it (SO-LOAD prints one line per budget when several break). */
function forBudget(budget: BudgetName, fixes: readonly Fix[]): Fix[] {
  return fixes.map((f) => ({ ...f, budget }));
}

/** The budgets that fail with the backend at the replica count its load needs. */
function brokenAt(ctx: RuleContext, s: LoadSizing): Broken[] {
  const target = s.target;
  const at = budgetsAt(ctx, s.backend, target, s.load.requiredReplicas);
  const me = at.backends.find((b) => b.path === s.backend.path)!;
  const out: Broken[] = [];
  if (ctx.postgres && ctx.pooler) {
    const c = poolerClientBudget(at.backends, ctx.pooler, target);
    const mine = c.backends.find((x) => x.backend === me);
    if (!c.ok && mine) {
      out.push({
        name: 'PgBouncer',
        lines: [
          `PgBouncer clients: ${mine.peak.total} × ${plural(mine.workers, 'worker')} × (pool ${mine.poolSize} + overflow ${mine.maxOverflow}) = ${mine.demand}; ` +
            `demand ${c.demand} > capacity ${c.capacity} (max_client_conn ${ctx.pooler.maxClientConn} × ${plural(ctx.pooler.replicas, 'instance')})`,
        ],
        fixes: forBudget('PgBouncer', [
          maxClientConnFix(ctx.pooler, Math.ceil(c.demand / ctx.pooler.replicas)),
          ...shareFixes(s.backend, c.capacity - (c.demand - mine.demand), mine.peak.total, mine.workers, mine.perWorker, 'pool.size + maxOverflow'),
        ]),
      });
    }
  } else if (ctx.postgres) {
    const b = postgresBudget(at.backends, ctx.postgres, target);
    const mine = b.backends.find((x) => x.backend === me);
    if (!b.ok && mine) {
      const pg = b.postgres;
      const reserved = pg.superuserReservedConnections + pg.reservedConnections;
      const appDemand = b.backends.reduce((sum, x) => sum + x.demand, 0);
      out.push({
        name: 'PostgreSQL',
        lines: [
          `PostgreSQL: ${mine.peak.total} × ${plural(mine.workers, 'worker')} × (pool ${mine.poolSize} + overflow ${mine.maxOverflow}) = ${mine.demand}; ` +
            `demand ${b.demand} > available ${b.available} (max_connections ${pg.maxConnections} − superuser_reserved ${pg.superuserReservedConnections}` +
            `${pg.reservedConnections > 0 ? ` − reserved ${pg.reservedConnections}` : ''})`,
        ],
        fixes: forBudget('PostgreSQL', [
          suggestedPooler(appDemand, pg, b.fixedClients, target),
          maxConnectionsFix(pg, b.demand + reserved),
          ...shareFixes(s.backend, b.available - (b.demand - mine.demand), mine.peak.total, mine.workers, mine.perWorker, 'pool.size + maxOverflow'),
        ]),
      });
    }
  }
  if (ctx.redis) {
    const b = redisBudget(at.backends, ctx.redis, target);
    const mine = b.backends.find((x) => x.backend === me);
    if (!b.ok && mine) {
      out.push({
        name: 'Redis',
        lines: [`Redis: ${mine.peak.total} × ${plural(mine.workers, 'worker')} × redis pool ${mine.pool} = ${mine.demand}; demand ${b.demand} > maxclients ${b.redis.maxClients}`],
        fixes: forBudget('Redis', [
          maxClientsFix(b.redis, b.demand),
          ...shareFixes(s.backend, b.redis.maxClients - (b.demand - mine.demand), mine.peak.total, mine.workers, mine.pool, 'redisPool'),
        ]),
      });
    }
  }
  if (ctx.nginx) {
    const b = nginxBudget(ctx.nginx, at.backends, target);
    if (!b.ok && b.derived) {
      out.push({
        name: 'nginx',
        lines: [
          `nginx: 2 × ${b.peakRequests} peak requests + idle keepalive and listeners = ${b.demand}; ` +
            `demand ${b.demand} > capacity ${b.capacity} (worker_processes ${b.workerProcesses} × worker_connections ${b.nginx.workerConnections})`,
        ],
        fixes: forBudget('nginx', nginxFixes(b)),
      });
    }
  }
  return out;
}

/** `rpsPerReplica ≥ 167 (if measured)`: the figure with which `replicas` serve the load. */
function rpsFix(s: LoadSizing, replicas: number): Fix[] {
  if (replicas < 2) return [];
  const value = Math.ceil(s.load.expectedRps / (replicas - 1));
  return [{ knob: `${s.backend.id}.load.rpsPerReplica`, op: 'atLeast', value, term: 'rpsPerReplica', note: '(if measured)' }];
}

/** `4 replicas`, or `autoscale.max 4` when that is the knob under this target. */
function allowed(s: LoadSizing): string {
  return s.provisioned.knob === 'replicas' ? plural(s.maxSafe, 'replica') : `autoscale.max ${s.maxSafe}`;
}

function needLine(s: LoadSizing): string {
  const name = s.backend.serviceName;
  return `${name}  ${s.load.expectedRps} RPS needs ${plural(s.load.requiredReplicas, 'replica')} (${loadFormula(s.load)})`;
}

function overBudget(ctx: RuleContext, s: LoadSizing): Violation {
  const broken = brokenAt(ctx, s);
  const atRequired = budgetsAt(ctx, s.backend, s.target, s.load.requiredReplicas).backends.find((b) => b.path === s.backend.path)!;
  const peak = peakReplicas(atRequired, s.target);
  const indent = ' '.repeat(s.backend.serviceName.length);
  const lines = [needLine(s), `${indent}  ${plural(peak.total, 'replica')} at peak (${peak.explain})`];
  lines.push(...broken.flatMap((b) => b.lines));
  const allows =
    `the budget allows ${allowed(s)} (limited by ${s.limitedBy})` +
    (s.maxSafe >= 2 ? `, which serve ${servedRps(s.maxSafe, s.load.rpsPerReplica)} RPS at ${s.load.rpsPerReplica} RPS per replica` : '');
  lines.push(allows);
  // With several broken budgets, each budget's fixes print on a line of their own.
  const fixes = [...broken.flatMap((b) => b.fixes), ...rpsFix(s, s.maxSafe)];
  return { path: s.backend.path, message: 'the expected load needs more replicas than the budget allows', terms: lines, fixes };
}

function underProvisioned(s: LoadSizing): Violation {
  const knob = s.provisioned.knob;
  const have = s.provisioned.base;
  const unset = knob === 'replicas' ? 'leave replicas out and the load sizes it' : 'leave autoscale.max out and the budget sizes it';
  const need: Fix = { ...backendFix(s.backend, knob, 'atLeast', s.load.requiredReplicas), note: `(or ${unset})` };
  return {
    path: s.backend.path,
    message: `${knob} ${have} cannot serve the expected load`,
    terms: [`${needLine(s)}; ${knob} ${have} serve ${servedRps(have, s.load.rpsPerReplica)} RPS`, `the budget allows ${allowed(s)} (limited by ${s.limitedBy})`],
    fixes: [need, ...rpsFix(s, have)],
  };
}

/**
 * SO-LOAD: the replicas a backend's expected load needs (⌈expectedRps / rpsPerReplica⌉ + 1)
 * must fit every budget under the target's semantics, and a replica count set beside the
 * load must not fall short of it.
 */
export const loadRule: Rule = {
  id: 'SO-LOAD',
  summary: 'the replicas the expected load needs (⌈expectedRps / rpsPerReplica⌉ + 1) fit the Postgres, PgBouncer, Redis and nginx budgets, and replicas set beside load are not fewer',
  perTarget: true,
  severity: (production) => (production ? 'error' : 'warning'),
  check(ctx) {
    if (!ctx.target) return [];
    return loadSizings(ctx, ctx.target).flatMap((s) => {
      if (s.overBudget) return [overBudget(ctx, s)];
      if (s.underProvisioned) return [underProvisioned(s)];
      return [];
    });
  },
};
