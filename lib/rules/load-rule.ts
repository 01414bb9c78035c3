import { budgetsAt, loadSizings, type LoadSizing } from '../capacity/load.js';
import { nginxBudget, nginxFixes } from '../capacity/nginx-budget.js';
import { poolerClientBudget, suggestedPooler } from '../capacity/pooler-budget.js';
import { peakReplicas } from '../capacity/peak.js';
import { postgresBudget } from '../capacity/postgres-budget.js';
import { redisBudget } from '../capacity/redis-budget.js';
import { largestAtMost } from '../capacity/search.js';
import { loadFormula, servedRps } from '../model/load.js';
import { plural, type Rule, type RuleContext, type Violation } from './rule.js';

/** One budget that the load's replica count breaks: its arithmetic and its own fixes. */
interface Broken {
  readonly name: string;
  readonly lines: readonly string[];
  readonly fixes: readonly string[];
}

/** Fewer workers and a smaller per-worker pool that fit `room` at `peak` replicas. */
function shareFixes(room: number, peak: number, workers: number, perWorker: number, perWorkerName: string): string[] {
  const fixes: string[] = [];
  const w = largestAtMost(workers - 1, (n) => peak * n * perWorker <= room);
  if (w !== undefined) fixes.push(`workers ≤ ${w}`);
  const p = largestAtMost(perWorker - 1, (n) => peak * workers * n <= room);
  if (p !== undefined) fixes.push(`${perWorkerName} ≤ ${p}`);
  return fixes;
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
        fixes: [
          `maxClientConn ≥ ${Math.ceil(c.demand / ctx.pooler.replicas)}`,
          ...shareFixes(c.capacity - (c.demand - mine.demand), mine.peak.total, mine.workers, mine.perWorker, 'pool.size + maxOverflow'),
        ],
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
        fixes: [
          suggestedPooler(appDemand, pg, b.fixedClients, target) ?? 'add PgBouncer',
          `max_connections ≥ ${b.demand + reserved}`,
          ...shareFixes(b.available - (b.demand - mine.demand), mine.peak.total, mine.workers, mine.perWorker, 'pool.size + maxOverflow'),
        ],
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
        fixes: [`maxclients ≥ ${b.demand}`, ...shareFixes(b.redis.maxClients - (b.demand - mine.demand), mine.peak.total, mine.workers, mine.pool, 'redisPool')],
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
        fixes: nginxFixes(b),
      });
    }
  }
  return out;
}

/** `rpsPerReplica ≥ 167 (if measured)`: the figure with which `replicas` serve the load. */
function rpsFix(s: LoadSizing, replicas: number): string[] {
  if (replicas < 2) return [];
  return [`rpsPerReplica ≥ ${Math.ceil(s.load.expectedRps / (replicas - 1))} (if measured)`];
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
  const rps = rpsFix(s, s.maxSafe);
  if (broken.length <= 1) {
    lines.push(`fix one of: ${[...(broken[0]?.fixes ?? []), ...rps].join(' · ')}`);
  } else {
    for (const b of broken) lines.push(`fix ${b.name} with one of: ${b.fixes.join(' · ')}`);
    if (rps.length) lines.push(`or: ${rps[0]}`);
  }
  return { path: s.backend.path, title: 'the expected load needs more replicas than the budget allows', details: lines };
}

function underProvisioned(s: LoadSizing): Violation {
  const knob = s.provisioned.knob;
  const have = s.provisioned.base;
  const unset = knob === 'replicas' ? 'leave replicas out and the load sizes it' : 'leave autoscale.max out and the budget sizes it';
  return {
    path: s.backend.path,
    title: `${knob} ${have} cannot serve the expected load`,
    details: [
      `${needLine(s)}; ${knob} ${have} serve ${servedRps(have, s.load.rpsPerReplica)} RPS`,
      `the budget allows ${allowed(s)} (limited by ${s.limitedBy})`,
      `fix one of: ${[`${knob} ≥ ${s.load.requiredReplicas} (or ${unset})`, ...rpsFix(s, have)].join(' · ')}`,
    ],
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
