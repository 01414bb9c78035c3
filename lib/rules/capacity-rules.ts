import { nginxBudget, nginxFixes } from '../capacity/nginx-budget.js';
import { poolerClientBudget, poolerClientFixes, poolerServerFixes } from '../capacity/pooler-budget.js';
import { postgresBudget, postgresFixes, type BackendConnections, type PostgresBudget } from '../capacity/postgres-budget.js';
import { redisBudget, redisFixes } from '../capacity/redis-budget.js';
import type { ResolvedBackend } from '../model/backend.js';
import { fixedLine } from '../plan/report.js';
import { plural, type Rule, type RuleContext } from './rule.js';

/**
 * The fewest replicas a fix may offer: 2 in production (SO-HA), and never below what a
 * backend's load needs (SO-LOAD would refuse that).
 */
function replicaFloor(ctx: RuleContext): (b: ResolvedBackend) => number {
  return (b) => Math.max(ctx.production ? 2 : 1, b.load?.requiredReplicas ?? 1);
}

function backendLines(shares: readonly BackendConnections[]): string[] {
  return shares.flatMap((s) => {
    const name = s.backend.serviceName;
    return [
      `${name}  ${plural(s.peak.total, 'replica')} at peak (${s.peak.explain})`,
      `${' '.repeat(name.length)}  × ${plural(s.workers, 'worker')} × (pool ${s.poolSize} + overflow ${s.maxOverflow}) = ${s.demand}`,
    ];
  });
}

function availableText(b: PostgresBudget): string {
  const pg = b.postgres;
  const reserved = pg.reservedConnections > 0 ? ` − reserved ${pg.reservedConnections}` : '';
  return `available ${b.available} (max_connections ${pg.maxConnections} − superuser_reserved ${pg.superuserReservedConnections}${reserved})`;
}

/**
 * SO-POOL: peak database connections must fit what ordinary roles may open. Behind a
 * pooler, the app's connections must fit the pooler's client side instead; SO-POOL-SERVER
 * checks what the pooler opens to Postgres.
 */
export const poolRule: Rule = {
  id: 'SO-POOL',
  summary: 'PostgreSQL connection budget: Σ peak replicas × workers × (pool.size + maxOverflow) + fixed clients ≤ available (behind PgBouncer: ≤ maxClientConn × instances)',
  perTarget: true,
  severity: () => 'error',
  check(ctx) {
    if (!ctx.postgres || !ctx.target) return [];
    const minReplicas = replicaFloor(ctx);
    if (ctx.pooler) {
      const c = poolerClientBudget(ctx.backends, ctx.pooler, ctx.target);
      if (c.ok) return [];
      const server = postgresBudget(ctx.backends, ctx.postgres, ctx.target, ctx.pooler);
      return [
        {
          path: ctx.pooler.path,
          message: 'PgBouncer client connections exceeded',
          terms: [
            ...backendLines(c.backends),
            ...fixedLine(ctx.pooler.fixedClients, c.fixedClients),
            `demand ${c.demand} > capacity ${c.capacity} (max_client_conn ${ctx.pooler.maxClientConn} × ${plural(ctx.pooler.replicas, 'instance')})`,
            `server side: ${server.demand} ${server.ok ? '≤' : '>'} ${availableText(server)}${server.ok ? '' : ' (SO-POOL-SERVER)'}`,
          ],
          fixes: poolerClientFixes(c, minReplicas),
        },
      ];
    }
    const b = postgresBudget(ctx.backends, ctx.postgres, ctx.target);
    if (b.ok) return [];
    const lines = [...backendLines(b.backends), ...fixedLine(b.fixed, b.fixedClients)];
    lines.push(`demand ${b.demand} > ${availableText(b)}`);
    return [{ path: b.postgres.path, message: 'PostgreSQL connection budget exceeded', terms: lines, fixes: postgresFixes(b, minReplicas) }];
  },
};

/** SO-POOL-SERVER: what the pooler's instances open at their peak must fit Postgres. */
export const poolServerRule: Rule = {
  id: 'SO-POOL-SERVER',
  summary: 'behind PgBouncer: peak instances × (defaultPoolSize + reservePoolSize, capped by maxDbConnections) + fixed clients ≤ available',
  perTarget: true,
  severity: () => 'error',
  check(ctx) {
    if (!ctx.postgres || !ctx.pooler || !ctx.target) return [];
    const b = postgresBudget(ctx.backends, ctx.postgres, ctx.target, ctx.pooler);
    if (b.ok) return [];
    const s = b.pooler!;
    const p = s.pooler;
    const cap = p.maxDbConnections > 0 && p.maxDbConnections < p.defaultPoolSize + p.reservePoolSize ? `, capped by max_db_connections ${p.maxDbConnections}` : '';
    const client = poolerClientBudget(ctx.backends, p, ctx.target);
    return [
      {
        path: b.postgres.path,
        message: 'PostgreSQL connections from PgBouncer exceeded',
        terms: [
          `${p.id}  ${plural(s.peak.total, 'instance')} at peak (${s.peak.explain})`,
          `${' '.repeat(p.id.length)}  × (default_pool_size ${p.defaultPoolSize} + reserve_pool_size ${p.reservePoolSize}${cap}) = ${s.demand}`,
          ...fixedLine(b.fixed, b.fixedClients),
          `demand ${b.demand} > ${availableText(b)}`,
          `client side: ${client.demand} app connections ${client.ok ? '≤' : '>'} capacity ${client.capacity}${client.ok ? '' : ' (SO-POOL)'}`,
        ],
        fixes: poolerServerFixes(s, b.postgres, b.fixedClients, ctx.target),
      },
    ];
  },
};

/** SO-REDIS: peak Redis clients must fit maxclients. */
export const redisRule: Rule = {
  id: 'SO-REDIS',
  summary: 'Redis client budget: Σ peak replicas × workers × redisPool + fixed clients ≤ maxclients',
  perTarget: true,
  severity: () => 'error',
  check(ctx) {
    if (!ctx.redis || !ctx.target) return [];
    const b = redisBudget(ctx.backends, ctx.redis, ctx.target);
    if (b.ok) return [];
    const lines: string[] = [];
    for (const s of b.backends) {
      const name = s.backend.serviceName;
      lines.push(`${name}  ${plural(s.peak.total, 'replica')} at peak (${s.peak.explain})`);
      lines.push(`${' '.repeat(name.length)}  × ${plural(s.workers, 'worker')} × redis pool ${s.pool} = ${s.demand}`);
    }
    lines.push(...fixedLine(b.redis.fixedClients, b.fixedClients));
    lines.push(`demand ${b.demand} > maxclients ${b.redis.maxClients}`);
    return [{ path: b.redis.path, message: 'Redis client budget exceeded', terms: lines, fixes: redisFixes(b, replicaFloor(ctx)) }];
  },
};

/** `32`, or `(60 + 80)` for several upstreams. */
const idleSum = (ks: readonly number[]) => (ks.length === 1 ? String(ks[0]) : `(${ks.join(' + ')})`);

/** SO-NGINX-CONN: worker_connections must hold the peak plus idle keepalive and listeners. */
export const nginxConnRule: Rule = {
  id: 'SO-NGINX-CONN',
  summary: 'nginx worker_processes × worker_connections ≥ 2 × peak requests + idle keepalive + listeners',
  perTarget: true,
  severity: () => 'error',
  check(ctx) {
    if (!ctx.nginx || !ctx.target) return [];
    const b = nginxBudget(ctx.nginx, ctx.backends, ctx.target);
    if (b.ok) return [];
    const wp = plural(b.workerProcesses, 'worker process');
    const auto = ctx.nginx.workerProcesses === 'auto' ? ' (worker_processes auto counted as 1)' : '';
    const source = b.derived ? 'what the backends serve at once' : 'peakConcurrentRequests';
    return [
      {
        path: b.nginx.path,
        message: 'nginx connection capacity exceeded',
        terms: [
          `peak proxied requests ${b.peakRequests} (${source}) × 2 connections (client + upstream) = ${2 * b.peakRequests}`,
          `idle upstream keepalive ${idleSum(b.keepalives.map((k) => k.keepalive))} × ${wp} = ${b.workerProcesses * b.idlePerWorker}`,
          `listeners ${b.listeners} × ${wp} = ${b.workerProcesses * b.listeners}`,
          `demand ${b.demand} > capacity ${b.capacity} (worker_processes ${b.workerProcesses} × worker_connections ${b.nginx.workerConnections})${auto}`,
        ],
        fixes: nginxFixes(b),
      },
    ];
  },
};
