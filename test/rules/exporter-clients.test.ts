/**
 * The stack's own exporters are clients of what they watch, counted without any
 * `fixedClients` line: postgres_exporter in SO-POOL (SO-POOL-SERVER behind a pooler),
 * redis_exporter in SO-REDIS, pgbouncer-exporter on PgBouncer's client side. Each budget at
 * exactly its limit passes, and one less capacity fails naming the exporter.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, Monitoring, PgBouncer, type Problem } from '../../lib/index.js';
import { EXPORTER_CONNECTIONS } from '../../lib/model/monitoring.js';
import { MONITOR_CONNECTIONS, MONITOR_ROLE } from '../../lib/plan/roles.js';
import { minimalStack } from '../helpers/stacks.js';

// Compose semantics: peak = replicas. 2 replicas × 1 worker × (5 + 5) = 20 app connections,
// 2 × 1 × redisPool 3 = 6 Redis clients.
const APP_CONNECTIONS = 2 * 1 * (5 + 5);
const APP_REDIS_CLIENTS = 2 * 1 * 3;
const SUPERUSER_RESERVED = 3;

function errorsOf(opts: { maxConnections: number; maxClients?: number; monitoring?: boolean; pooler?: { maxClientConn: number; defaultPoolSize: number } }): Problem[] {
  const { stack } = minimalStack({
    backend: { pool: { size: 5, maxOverflow: 5 }, redisPool: 3 },
    db: { maxConnections: opts.maxConnections },
    redis: { maxClients: opts.maxClients ?? 10_000 },
  });
  if (opts.pooler) new PgBouncer(stack, 'pgbouncer', opts.pooler);
  if (opts.monitoring !== false) new Monitoring(stack, 'monitoring', {});
  return evaluate(stack, { targets: ['compose'], profiles: ['dev'] }).errors.filter((f) => f.code.startsWith('SO-POOL') || f.code === 'SO-REDIS');
}

describe('exporters count as fixed clients', () => {
  // The monitoring role (issue 15) is a fixed client of every Postgres, with or without Monitoring.
  const pgBudget = APP_CONNECTIONS + EXPORTER_CONNECTIONS.postgres + MONITOR_CONNECTIONS;
  const pgFixed = `fixed clients postgres-exporter ${EXPORTER_CONNECTIONS.postgres} + ${MONITOR_ROLE} ${MONITOR_CONNECTIONS} = ${EXPORTER_CONNECTIONS.postgres + MONITOR_CONNECTIONS}`;

  it('SO-POOL: postgres_exporter’s connections at exactly the budget pass', () => {
    expect(errorsOf({ maxConnections: pgBudget + SUPERUSER_RESERVED })).toEqual([]);
  });

  it('SO-POOL: one slot fewer fails, naming postgres-exporter', () => {
    const [f, ...rest] = errorsOf({ maxConnections: pgBudget + SUPERUSER_RESERVED - 1 });
    expect(rest).toEqual([]);
    expect(f!.code).toBe('SO-POOL');
    expect(f!.terms).toContain(pgFixed);
    expect(f!.terms.join('\n')).toContain(`demand ${pgBudget} > available ${pgBudget - 1}`);
  });

  it('without monitoring the same server has room, so the exporter is what is counted', () => {
    expect(errorsOf({ maxConnections: pgBudget + SUPERUSER_RESERVED - 1, monitoring: false })).toEqual([]);
  });

  it('SO-POOL: without monitoring the monitoring role still counts, alone', () => {
    const budget = APP_CONNECTIONS + MONITOR_CONNECTIONS;
    expect(errorsOf({ maxConnections: budget + SUPERUSER_RESERVED, monitoring: false })).toEqual([]);
    const [f] = errorsOf({ maxConnections: budget + SUPERUSER_RESERVED - 1, monitoring: false });
    expect(f!.terms).toContain(`fixed clients ${MONITOR_ROLE} ${MONITOR_CONNECTIONS} = ${MONITOR_CONNECTIONS}`);
  });

  it('SO-REDIS: redis_exporter at exactly maxclients passes, one fewer fails naming it', () => {
    const budget = APP_REDIS_CLIENTS + EXPORTER_CONNECTIONS.redis;
    expect(errorsOf({ maxConnections: 200, maxClients: budget })).toEqual([]);
    const [f] = errorsOf({ maxConnections: 200, maxClients: budget - 1 });
    expect(f!.code).toBe('SO-REDIS');
    expect(f!.terms).toContain(`fixed clients redis-exporter ${EXPORTER_CONNECTIONS.redis} = ${EXPORTER_CONNECTIONS.redis}`);
  });

  it('SO-POOL behind PgBouncer: pgbouncer-exporter takes a client slot', () => {
    const clients = APP_CONNECTIONS + EXPORTER_CONNECTIONS.pgbouncer;
    expect(errorsOf({ maxConnections: 200, pooler: { maxClientConn: clients, defaultPoolSize: 10 } })).toEqual([]);
    const [f] = errorsOf({ maxConnections: 200, pooler: { maxClientConn: clients - 1, defaultPoolSize: 10 } });
    expect(f!.code).toBe('SO-POOL');
    expect(f!.terms).toContain(`fixed clients pgbouncer-exporter ${EXPORTER_CONNECTIONS.pgbouncer} = ${EXPORTER_CONNECTIONS.pgbouncer}`);
    expect(f!.terms.join('\n')).toContain(`demand ${clients} > capacity ${clients - 1}`);
  });

  it('SO-POOL-SERVER: postgres_exporter connects to Postgres directly, beside the pooler’s pool', () => {
    // 1 pooler instance (compose) × default_pool_size 10 + postgres_exporter.
    const server = 10 + EXPORTER_CONNECTIONS.postgres + MONITOR_CONNECTIONS;
    const pooler = { maxClientConn: 100, defaultPoolSize: 10 };
    expect(errorsOf({ maxConnections: server + SUPERUSER_RESERVED, pooler })).toEqual([]);
    const [f] = errorsOf({ maxConnections: server + SUPERUSER_RESERVED - 1, pooler });
    expect(f!.code).toBe('SO-POOL-SERVER');
    expect(f!.terms).toContain(pgFixed);
  });
});
