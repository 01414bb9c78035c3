import { nginxBudget, nginxFixes } from '../capacity/nginx-budget.js';
import { postgresBudget, postgresFixes } from '../capacity/postgres-budget.js';
import { redisBudget, redisFixes } from '../capacity/redis-budget.js';
import { plural, type Rule } from './rule.js';

function fixedLine(clients: readonly { name: string; count: number }[], total: number): string[] {
  return clients.length === 0 ? [] : [`fixed clients ${clients.map((c) => `${c.name} ${c.count}`).join(' + ')} = ${total}`];
}

function fixLine(fixes: readonly string[]): string {
  return `fix one of: ${fixes.join(' · ')}`;
}

/** SO-POOL: peak database connections must fit what ordinary roles may open. */
export const poolRule: Rule = {
  id: 'SO-POOL',
  summary: 'PostgreSQL connection budget: Σ peak replicas × workers × (pool.size + maxOverflow) + fixed clients ≤ available',
  perTarget: true,
  severity: () => 'error',
  check(ctx) {
    if (!ctx.postgres || !ctx.target) return [];
    const b = postgresBudget(ctx.backends, ctx.postgres, ctx.target);
    if (b.ok) return [];
    const pg = b.postgres;
    const lines: string[] = [];
    for (const s of b.backends) {
      const name = s.backend.serviceName;
      lines.push(`${name}  ${plural(s.peak.total, 'replica')} at peak (${s.peak.explain})`);
      lines.push(
        `${' '.repeat(name.length)}  × ${plural(s.workers, 'worker')} × (pool ${s.poolSize} + overflow ${s.maxOverflow}) = ${s.demand}`,
      );
    }
    lines.push(...fixedLine(pg.fixedClients, b.fixedClients));
    const reserved = pg.reservedConnections > 0 ? ` − reserved ${pg.reservedConnections}` : '';
    lines.push(
      `demand ${b.demand} > available ${b.available} (max_connections ${pg.maxConnections} − superuser_reserved ${pg.superuserReservedConnections}${reserved})`,
    );
    lines.push(fixLine(postgresFixes(b, ctx.production ? 2 : 1)));
    return [{ path: pg.path, title: 'PostgreSQL connection budget exceeded', details: lines }];
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
    lines.push(fixLine(redisFixes(b, ctx.production ? 2 : 1)));
    return [{ path: b.redis.path, title: 'Redis client budget exceeded', details: lines }];
  },
};

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
    const wp = plural(b.workerProcesses, 'worker process').replace('processs', 'processes');
    const auto = ctx.nginx.workerProcesses === 'auto' ? ' (worker_processes auto counted as 1)' : '';
    const source = b.derived ? 'what the backends serve at once' : 'peakConcurrentRequests';
    return [
      {
        path: b.nginx.path,
        title: 'nginx connection capacity exceeded',
        details: [
          `peak proxied requests ${b.peakRequests} (${source}) × 2 connections (client + upstream) = ${2 * b.peakRequests}`,
          `idle upstream keepalive ${b.upstreams} × ${b.nginx.keepalive} × ${wp} = ${b.workerProcesses * b.upstreams * b.nginx.keepalive}`,
          `listeners ${b.listeners} × ${wp} = ${b.workerProcesses * b.listeners}`,
          `demand ${b.demand} > capacity ${b.capacity} (worker_processes ${b.workerProcesses} × worker_connections ${b.nginx.workerConnections})${auto}`,
          fixLine(nginxFixes(b)),
        ],
      },
    ];
  },
};
