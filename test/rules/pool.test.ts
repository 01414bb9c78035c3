import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, resolveProfile, safeScales, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

// docs/ARCHITECTURE.md: demand = Σ peak_replicas × workers × (pool.size + maxOverflow) + fixed clients;
// available = max_connections − superuser_reserved − reserved.
const POOL = 5 + 10; // the default pool
const AVAILABLE = 100 - 3 - 0; // the default max_connections and reserved slots
const k8sPeak = (m: number) => m + Math.ceil(0.25 * m) * 2; // surge 25% up, draining = surge
const MONITOR = 1; // the monitoring role scaleout_monitor: a fixed client of every Postgres

describe('SO-POOL', () => {
  it('fails when peak connections exceed what Postgres leaves available', () => {
    // GIVEN 2 replicas × 4 workers × 15 + migrations 1 + exporter 1 + the monitoring role 1
    const workers = 4;
    const demand = 2 * workers * POOL + 2 + MONITOR;
    expect(demand).toBeGreaterThan(AVAILABLE);
    const { stack } = minimalStack({ backend: { workers }, db: { fixedClients: { migrations: 1, exporter: 1 } } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'], profiles: ['dev'] });

    // THEN
    const [f, ...rest] = findingsOf(report, 'SO-POOL');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'SO-POOL', severity: 'error', path: 'uns/db', profiles: ['dev'], target: 'compose' });
    const text = formatProblem(f!);
    expect(text).toContain(`demand ${demand} > available ${AVAILABLE}`);
    // the smallest fixes: max_connections covers demand plus the 3 superuser slots
    expect(text).toContain(`max_connections ≥ ${demand + 3}`);
    expect(text).toMatchInlineSnapshot(`
      "[SO-POOL] uns/db (profile dev, target compose): PostgreSQL connection budget exceeded
        backend  2 replicas at peak (replicas 2)
                 × 4 workers × (pool 5 + overflow 10) = 120
        fixed clients exporter 1 + migrations 1 + scaleout_monitor 1 = 3
        demand 123 > available 97 (max_connections 100 − superuser_reserved 3)
        fix one of: replicas ≤ 1 · pool.size + maxOverflow ≤ 11 · workers ≤ 3 · max_connections ≥ 126 · add PgBouncer (postgres.pooler: { maxClientConn: 120, defaultPoolSize: 94 }; one pooler instance holds 94 server connections)"
    `);
  });

  it('counts surge and draining pods on Kubernetes, and is an error in every profile', () => {
    // GIVEN a stack that fits at compose peak (2 × 2 × 15 = 60) but not at k8s peak (4 × 2 × 15 = 120)
    const workers = 2;
    expect(2 * workers * POOL).toBeLessThanOrEqual(AVAILABLE);
    expect(k8sPeak(2) * workers * POOL).toBeGreaterThan(AVAILABLE);
    const { stack } = minimalStack({ backend: { workers } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose', 'kubernetes'] });

    // THEN
    const found = findingsOf(report, 'SO-POOL').map((f) => [f.profiles[0], f.target, f.severity]);
    expect(found).toEqual([
      ['dev', 'kubernetes', 'error'],
      ['prod', 'kubernetes', 'error'],
    ]);
    expect(formatProblem(findingsOf(report, 'SO-POOL')[0]!)).toContain(
      `4 replicas at peak (replicas 2 + surge 1 (25% of 2, rounded up) + draining 1)`,
    );
  });

  it('adds reserved_connections to the slots the app cannot use', () => {
    // GIVEN 60 connections at compose peak (2 replicas × 2 workers × 15) + monitor 1 and 100 − 3 − 37 = 60 available
    const { stack } = minimalStack({ backend: { workers: 2 }, db: { reservedConnections: 37 } });
    // WHEN
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }), 'SO-POOL');
    // THEN
    expect(formatProblem(f!)).toContain('demand 61 > available 60 (max_connections 100 − superuser_reserved 3 − reserved 37)');
  });

  it('is suppressed by a suppression on the Postgres construct', () => {
    // GIVEN
    const overrides = { backend: { workers: 4 } };
    const failing = minimalStack(overrides).stack;
    const { stack } = minimalStack({
      ...overrides,
      db: { suppressions: [{ rule: 'SO-POOL', reason: 'PgBouncer runs in front of this database' }] },
    });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });

    // THEN
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-POOL')).toEqual([]);
    expect(suppressedOf(report, 'SO-POOL').map((f) => f.profiles[0])).toEqual(['dev', 'prod']);
    expect(report.suppressed[0]!.suppression).toMatchObject({ rule: 'SO-POOL', path: 'uns/db' });
    expect(report.unusedSuppressions).toEqual([]);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes exactly at the budget', () => {
    // GIVEN demand 61 at the kubernetes peak (4 × 1 × 15 + monitor 1) and max_connections 64 − 3 = 61
    const demand = k8sPeak(2) * 1 * POOL + MONITOR;
    const { stack } = minimalStack({ db: { maxConnections: demand + 3 } });
    const tight = minimalStack({ db: { maxConnections: demand + 2 } }).stack;
    // WHEN / THEN
    expect(findingsOf(evaluate(stack, { targets: ['kubernetes'] }), 'SO-POOL')).toEqual([]);
    expect(findingsOf(evaluate(tight, { targets: ['kubernetes'] }), 'SO-POOL')).toHaveLength(2);
  });

  it("refuses the seed's own prod numbers under its scale-up-then-down procedure (6 × 4 × 10 + 1 = 241 > 197)", () => {
    // GIVEN the seed: 3 instances × 4 workers × (pool 5 + overflow 5), POSTGRES_MAX_CONNECTIONS=200
    const seed = { replicas: 3, workers: 4, pool: { size: 5, maxOverflow: 5 } };
    const demand = 2 * 3 * 4 * (5 + 5) + MONITOR;
    const available = 200 - 3;
    const plain = minimalStack({ backend: seed, db: { maxConnections: 200 } }).stack;
    const procedure = minimalStack({
      backend: { ...seed, rollout: { scaleUpThenDown: true } },
      db: { maxConnections: 200 },
    }).stack;
    // WHEN
    const ok = evaluate(plain, { targets: ['compose'], profiles: ['prod'] });
    const [f] = findingsOf(evaluate(procedure, { targets: ['compose'], profiles: ['prod'] }), 'SO-POOL');
    // THEN
    expect(findingsOf(ok, 'SO-POOL')).toEqual([]);
    expect(formatProblem(f!)).toContain('6 replicas at peak (replicas 3 × 2 (scale-up-then-down rollout))');
    expect(formatProblem(f!)).toContain(`demand ${demand} > available ${available}`);
  });

  it('does not count backends without a database', () => {
    // GIVEN 4 workers would need 120 > 97, but the backend has no database pool
    const { stack } = minimalStack({ backend: { workers: 4, database: false } });
    expect(findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-POOL')).toEqual([]);
  });

  it("on Kubernetes, the replicas fix lets the migrations' copies shrink too: it names CAPACITY.md's largest safe count", () => {
    // GIVEN a migration (pool 10) that runs in each of the surge 50% + maxUnavailable 50% = n
    // pods a rollout of n replicas starts; 1 connection per worker
    const migrationPool = 10;
    const { stack } = minimalStack({
      backend: {
        replicas: 20,
        workers: 1,
        pool: { size: 1, maxOverflow: 0 },
        rollout: { maxSurge: '50%', maxUnavailable: '50%' },
        migrations: { command: ['alembic', 'upgrade', 'head'], pool: migrationPool },
      },
      db: { maxConnections: 200 },
      redis: { maxClients: 100_000 },
      nginx: { workerConnections: 65_535 },
    });
    const available = 200 - 3;
    // peak n + ⌈n/2⌉ surge + ⌈n/2⌉ draining; starting pods ⌈n/2⌉ + ⌊n/2⌋ = n
    const demandAt = (n: number) => n + 2 * Math.ceil(n / 2) + migrationPool * n + MONITOR;
    let largest = 0;
    while (demandAt(largest + 1) <= available) largest++;
    // Held at 20 replicas, the migrations' 200 copies leave no replica count that fits.
    expect(available - migrationPool * 20 - MONITOR).toBeLessThan(0);

    // WHEN
    const [f] = findingsOf(evaluate(stack, { targets: ['kubernetes'], profiles: ['dev'] }), 'SO-POOL');

    // THEN
    expect(formatProblem(f!)).toContain(`demand ${demandAt(20)} > available ${available}`);
    expect(formatProblem(f!)).toContain(`fix one of: replicas ≤ ${largest} · `);
    expect(safeScales(resolveProfile(stack, 'dev'), 'kubernetes')[0]).toMatchObject({ largest, limitedBy: 'PostgreSQL' });
  });
});
