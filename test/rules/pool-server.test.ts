/**
 * PgBouncer splits the connection math in two (capacity-facts §3.3):
 * - client side (SO-POOL): Σ peak replicas × workers × (size + overflow) ≤ maxClientConn × instances;
 * - server side (SO-POOL-SERVER): peak instances × min(defaultPoolSize + reservePoolSize,
 *   maxDbConnections) + fixed clients ≤ max_connections − reserved.
 * Each half at budget passes and at budget + 1 fails; expectations come from those formulas.
 */
import { describe, expect, it } from 'vitest';
import {
  Backend,
  evaluate,
  formatProblem,
  Nginx,
  PgBouncer,
  Postgres,
  Stack,
  type PgBouncerProps,
  type PostgresProps,
  type TargetKind,
} from '../../lib/index.js';

/** The monitoring role scaleout_monitor: a fixed Postgres client of 1 in every stack (issue 15). */
const MONITOR = 1;
const base = { image: 'ghcr.io/acme/api:1.0.0', healthcheck: {}, resources: { limits: { cpu: 1, memory: '1Gi' } }, redisPool: 0 };

function findings(pooler: PgBouncerProps, pg: PostgresProps, target: TargetKind = 'compose', backend = { replicas: 6, workers: 4 }) {
  const stack = new Stack(undefined, 'uns');
  new Backend(stack, 'backend', { ...base, ...backend, pool: { size: 5, maxOverflow: 5 } });
  new Nginx(stack, 'nginx', { workerConnections: 65535 });
  new Postgres(stack, 'db', pg);
  new PgBouncer(stack, 'pgbouncer', pooler);
  const report = evaluate(stack, { targets: [target], profiles: ['dev'] });
  return {
    client: report.errors.filter((f) => f.code === 'SO-POOL'),
    server: report.errors.filter((f) => f.code === 'SO-POOL-SERVER'),
  };
}

describe('SO-POOL behind PgBouncer: the client side', () => {
  // 6 replicas × 4 workers × (5 + 5) = 240 app connections, far over 97 available: the pooler's job.
  const app = 6 * 4 * 10;

  it('passes at maxClientConn × instances = demand and fails one below, with several instances', () => {
    const instances = 3;
    const perInstance = app / instances; // 80
    const pg = { maxConnections: 100 };
    const pool = { defaultPoolSize: 10 }; // server side 3 × 10 + the monitoring role 1 = 31 ≤ 97
    expect(findings({ ...pool, instances, maxClientConn: perInstance }, pg).client).toEqual([]);
    const { client, server } = findings({ ...pool, instances, maxClientConn: perInstance - 1 }, pg);
    expect(server).toEqual([]);
    expect(client).toHaveLength(1);
    const text = formatProblem(client[0]!);
    expect(text).toContain(`demand ${app} > capacity ${(perInstance - 1) * instances} (max_client_conn ${perInstance - 1} × 3 instances)`);
    // both halves shown
    expect(text).toContain('server side: 31 ≤ available 97');
    expect(text).toContain(`maxClientConn ≥ ${perInstance}`);
    expect(text).toContain(`instances ≥ ${Math.ceil(app / (perInstance - 1))}`);
    expect(client[0]!.path).toBe('uns/pgbouncer');
  });

  it('lets app demand exceed max_connections when the pooler takes it', () => {
    const { client, server } = findings({ maxClientConn: app, defaultPoolSize: 20 }, { maxConnections: 100 });
    expect([client, server]).toEqual([[], []]);
  });
});

describe('SO-POOL-SERVER: what the pooler opens to Postgres', () => {
  it('passes at peak instances × pool + fixed = available, fails one below', () => {
    // 2 instances × (default 15 + reserve 5) = 40, + 2 fixed clients + the monitoring role 1 = 43
    const pooler = { instances: 2, defaultPoolSize: 15, reservePoolSize: 5, maxClientConn: 1000 };
    const demand = 2 * (15 + 5) + 2 + MONITOR;
    const pg = (available: number): PostgresProps => ({ maxConnections: available + 3, fixedClients: { migrations: 1, exporter: 1 } });
    expect(findings(pooler, pg(demand)).server).toEqual([]);
    const { server, client } = findings(pooler, pg(demand - 1));
    expect(client).toEqual([]);
    expect(server).toHaveLength(1);
    expect(formatProblem(server[0]!)).toMatchInlineSnapshot(`
      "[SO-POOL-SERVER] uns/db (profile dev, target compose): PostgreSQL connections from PgBouncer exceeded
        pgbouncer  2 instances at peak (instances 2)
                   × (default_pool_size 15 + reserve_pool_size 5) = 40
        fixed clients exporter 1 + migrations 1 + scaleout_monitor 1 = 3
        demand 43 > available 42 (max_connections 45 − superuser_reserved 3)
        client side: 240 app connections ≤ capacity 2000
        fix one of: defaultPoolSize + reservePoolSize ≤ 19 (or maxDbConnections 19) · instances ≤ 1 · max_connections ≥ 46"
    `);
  });

  it('caps each instance at maxDbConnections', () => {
    // min(20 + 10, 12) = 12 per instance × 3 instances = 36, + the monitoring role 1
    const pooler = { instances: 3, defaultPoolSize: 20, reservePoolSize: 10, maxDbConnections: 12, maxClientConn: 1000 };
    expect(findings(pooler, { maxConnections: 36 + MONITOR + 3 }).server).toEqual([]);
    const [f] = findings(pooler, { maxConnections: 35 + MONITOR + 3 }).server;
    expect(formatProblem(f!)).toContain('× (default_pool_size 20 + reserve_pool_size 10, capped by max_db_connections 12) = 36');
  });

  it("counts the pooler's own surge and draining pods on Kubernetes", () => {
    // 4 instances + ceil(25% × 4) = 1 surge + 1 draining = 6 at peak × 10 = 60
    const pooler = { instances: 4, defaultPoolSize: 10, maxClientConn: 1000 };
    const peak = 4 + Math.ceil(0.25 * 4) + Math.ceil(0.25 * 4);
    const demand = peak * 10 + MONITOR;
    const backend = { replicas: 2, workers: 1 };
    expect(findings(pooler, { maxConnections: demand + 3 }, 'kubernetes', backend).server).toEqual([]);
    const [f] = findings(pooler, { maxConnections: demand + 2 }, 'kubernetes', backend).server;
    const text = formatProblem(f!);
    expect(text).toContain('(profile dev, target kubernetes)');
    expect(text).toContain('pgbouncer  6 instances at peak (instances 4 + surge 1 (25% of 4, rounded up) + draining 1)');
    // under compose the same stack fits: no surge there
    expect(findings(pooler, { maxConnections: demand + 2 }, 'compose', backend).server).toEqual([]);
  });

  it('is suppressed on the database construct, with a reason', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', { ...base, replicas: 2, pool: { size: 5, maxOverflow: 5 } });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 10, suppressions: [{ rule: 'SO-POOL-SERVER', reason: 'pooler pool sized for a demo only' }] });
    new PgBouncer(stack, 'pgbouncer', { defaultPoolSize: 20 });
    const report = evaluate(stack, { targets: ['compose'] });
    expect(report.errors.filter((f) => f.code === 'SO-POOL-SERVER')).toEqual([]);
    expect(report.suppressed.map((s) => s.problem.code)).toContain('SO-POOL-SERVER');
  });

  it('does not apply without a pooler: SO-POOL counts the backends directly', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', { ...base, replicas: 2, pool: { size: 5, maxOverflow: 5 } });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 10 });
    const rules = evaluate(stack, { targets: ['compose'] }).errors.map((f) => f.code);
    expect(rules).toContain('SO-POOL');
    expect(rules).not.toContain('SO-POOL-SERVER');
  });
});

describe('SO-POOL without a pooler suggests one that fits', () => {
  it('sizes the pool for the pooler peak of the target', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', { ...base, replicas: 6, workers: 4, pool: { size: 5, maxOverflow: 5 } });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 100, fixedClients: { exporter: 1 } });
    const text = (t: TargetKind) => formatProblem(evaluate(stack, { targets: [t], profiles: ['dev'] }).errors.find((f) => f.code === 'SO-POOL')!);
    // compose: one instance at peak → (97 − exporter 1 − monitor 1) / 1 = 95 server connections
    expect(text('compose')).toContain(
      'add PgBouncer (postgres.pooler: { maxClientConn: 240, defaultPoolSize: 95 }; one pooler instance holds 95 server connections)',
    );
    // kubernetes: the pooler peaks at 1 + surge 1 + draining 1 = 3 → ⌊95 / 3⌋ = 31; the app at
    // 6 + surge 2 + draining 2 = 10 replicas × 4 × 10 = 400
    expect(text('kubernetes')).toContain(
      'add PgBouncer (postgres.pooler: { maxClientConn: 400, defaultPoolSize: 31 }; 31 server connections per pooler instance' +
        ' × 3 at peak (replicas 1 + surge 1 (25% of 1, rounded up) + draining 1) = 93 ≤ 95)',
    );
  });
});
