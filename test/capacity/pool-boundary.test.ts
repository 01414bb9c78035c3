/**
 * SO-POOL at the exact boundary: for each term of the connection math, a stack whose
 * demand equals the available connections passes, and the same stack with one connection
 * less available fails with a message naming that term.
 *
 * Expected demand is computed here from the formula in docs/ARCHITECTURE.md, not read back from the code.
 * Every stack with Postgres has the monitoring role's fixed client (MONITOR, issue 15), so
 * `boundary` adds it to the demand each test states.
 */
import { describe, expect, it } from 'vitest';
import {
  Backend,
  ConfigError,
  evaluate,
  formatProblem,
  Nginx,
  Postgres,
  Stack,
  type BackendConstructProps,
  type PostgresProps,
  type TargetKind,
} from '../../lib/index.js';

const HC = { path: '/api/health', interval: '15s', timeout: '5s', retries: 3, startPeriod: '60s' };
const RES = { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: 0.5, memory: '512Mi' } };

function backendProps(p: Partial<BackendConstructProps>): BackendConstructProps {
  return { image: 'ghcr.io/acme/api:1.0.0', healthcheck: HC, resources: RES, redisPool: 0, ...p };
}

/** A stack whose only budget of interest is Postgres; returns the SO-POOL findings. */
function poolFindings(
  backends: Record<string, Partial<BackendConstructProps>>,
  pg: PostgresProps,
  target: TargetKind,
) {
  const stack = new Stack(undefined, 'uns');
  for (const [id, p] of Object.entries(backends)) new Backend(stack, id, backendProps(p));
  new Nginx(stack, 'nginx', { workerConnections: 65535 });
  new Postgres(stack, 'db', pg);
  const report = evaluate(stack, { targets: [target], profiles: ['dev'] });
  return report.errors.filter((f) => f.code === 'SO-POOL');
}

/** The monitoring role `scaleout_monitor`: a fixed client of 1 in every stack with Postgres. */
const MONITOR = 1;

/** available = max_connections − superuser_reserved − reserved, so max_connections for a wanted budget: */
const maxFor = (available: number, superuser = 3, reserved = 0) => available + superuser + reserved;

/** Asserts pass at `demand` available and failure at `demand − 1`, returning the failure text. */
function boundary(
  backends: Record<string, Partial<BackendConstructProps>>,
  demand: number,
  target: TargetKind,
  pg: Omit<PostgresProps, 'maxConnections'> = {},
): string {
  const su = pg.superuserReservedConnections ?? 3;
  const res = pg.reservedConnections ?? 0;
  const total = demand + MONITOR;
  expect(poolFindings(backends, { ...pg, maxConnections: maxFor(total, su, res) }, target)).toEqual([]);
  const failed = poolFindings(backends, { ...pg, maxConnections: maxFor(total - 1, su, res) }, target);
  expect(failed).toHaveLength(1);
  const text = formatProblem(failed[0]!);
  expect(text).toContain(`demand ${total} > available ${total - 1}`);
  return text;
}

describe('SO-POOL boundary', () => {
  it('counts every worker process pool: replicas × workers × (size + overflow)', () => {
    // GIVEN 3 replicas × 4 workers × (5 + 5): the seed's prod profile
    const demand = 3 * 4 * (5 + 5);
    const text = boundary({ backend: { replicas: 3, workers: 4, pool: { size: 5, maxOverflow: 5 } } }, demand, 'compose');
    expect(text).toContain('× 4 workers × (pool 5 + overflow 5) = 120');
  });

  it('uses autoscale.max, not replicas, on Kubernetes', () => {
    // maxSurge 0 and drainingPods 0 isolate the autoscale term
    const demand = 6 * 2 * (5 + 10);
    const text = boundary(
      { backend: { replicas: 2, autoscale: { min: 2, max: 6 }, workers: 2, rollout: { maxSurge: 0, maxUnavailable: 1, drainingPods: 0 } } },
      demand,
      'kubernetes',
    );
    expect(text).toContain('6 replicas at peak (autoscale.max 6)');
  });

  it.each([
    ['25%', 3, 1],
    ['10%', 3, 1],
    ['50%', 3, 2],
    ['25%', 8, 2],
    ['34%', 3, 2],
  ])('rounds a %s surge of %i replicas up to %i', (maxSurge, replicas, surge) => {
    const demand = (replicas + surge) * 1 * 10;
    const text = boundary(
      { backend: { replicas, workers: 1, pool: { size: 5, maxOverflow: 5 }, rollout: { maxSurge, drainingPods: 0 } } },
      demand,
      'kubernetes',
    );
    expect(text).toContain(`replicas ${replicas} + surge ${surge} (${maxSurge} of ${replicas}, rounded up) + draining 0`);
  });

  it('adds draining pods (default: as many as the surge)', () => {
    const explicit = boundary(
      { backend: { replicas: 3, workers: 1, pool: { size: 4, maxOverflow: 1 }, rollout: { maxSurge: 1, drainingPods: 2 } } },
      (3 + 1 + 2) * 5,
      'kubernetes',
    );
    expect(explicit).toContain('replicas 3 + surge 1 + draining 2');
    const defaulted = boundary(
      { backend: { replicas: 4, workers: 1, pool: { size: 4, maxOverflow: 1 }, rollout: { maxSurge: '50%' } } },
      (4 + 2 + 2) * 5,
      'kubernetes',
    );
    expect(defaulted).toContain('replicas 4 + surge 2 (50% of 4, rounded up) + draining 2');
  });

  it('counts maxUnavailable pods as draining when there is no surge', () => {
    // maxSurge 0: old pods are terminating while their replacements start
    const text = boundary(
      { backend: { replicas: 4, workers: 1, pool: { size: 4, maxOverflow: 1 }, rollout: { maxSurge: 0, maxUnavailable: '50%' } } },
      (4 + 0 + 2) * 5,
      'kubernetes',
    );
    expect(text).toContain('6 replicas at peak (replicas 4 + surge 0 + draining 2 (maxUnavailable 50% of 4, rounded down))');
  });

  it('counts fixed clients: migrations, exporters, admin sessions', () => {
    const text = boundary(
      { backend: { replicas: 2, workers: 1, pool: { size: 5, maxOverflow: 5 } } },
      2 * 10 + 1 + 1 + 2,
      'compose',
      { fixedClients: { migrations: 1, exporter: 1, admin: 2 } },
    );
    expect(text).toContain('fixed clients admin 2 + exporter 1 + migrations 1 + scaleout_monitor 1 = 5');
  });

  it('subtracts superuser_reserved_connections and reserved_connections', () => {
    const text = boundary({ backend: { replicas: 2, workers: 1, pool: { size: 5, maxOverflow: 5 } } }, 20, 'compose', {
      superuserReservedConnections: 5,
      reservedConnections: 2,
    });
    expect(text).toMatch(/available 20 \(max_connections 27 − superuser_reserved 5 − reserved 2\)/);
  });

  it('sums several backends sharing one database', () => {
    const text = boundary(
      {
        api: { replicas: 3, workers: 2, pool: { size: 5, maxOverflow: 5 }, routes: ['/api/'] },
        worker: { replicas: 2, workers: 1, pool: { size: 3, maxOverflow: 2 }, routes: ['/jobs/'] },
      },
      3 * 2 * 10 + 2 * 1 * 5,
      'compose',
    );
    expect(text).toContain('api  3 replicas at peak');
    expect(text).toContain('worker  2 replicas at peak');
    // with two backends, each fix names its backend
    expect(text).toMatch(/fix one of: api replicas ≤ \d+/);
  });

  it("doubles replicas for the seed's scale-up-then-down compose rollout", () => {
    const text = boundary(
      { backend: { replicas: 3, workers: 4, pool: { size: 5, maxOverflow: 5 }, rollout: { scaleUpThenDown: true } } },
      2 * 3 * 4 * 10,
      'compose',
    );
    expect(text).toContain('replicas 3 × 2 (scale-up-then-down rollout)');
  });

  it('ignores backends that do not use the database', () => {
    const demand = 2 * 10;
    boundary(
      {
        api: { replicas: 2, workers: 1, pool: { size: 5, maxOverflow: 5 }, routes: ['/api/'] },
        static: { replicas: 9, workers: 9, database: false, routes: ['/'] },
      },
      demand,
      'compose',
    );
  });

  it('evaluates each profile on its own', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(
      stack,
      'backend',
      backendProps({ replicas: 2, workers: 1, pool: { size: 5, maxOverflow: 5 }, profiles: { prod: { workers: 4 } } }),
    );
    new Nginx(stack, 'nginx');
    // dev needs 2 × 1 × 10 + monitor 1 = 21, prod 2 × 4 × 10 + 1 = 81; available 80
    new Postgres(stack, 'db', { maxConnections: 83 });
    const failed = evaluate(stack, { targets: ['compose'] }).errors.filter((f) => f.code === 'SO-POOL');
    expect(failed.map((f) => f.profiles[0])).toEqual(['prod']);
    expect(formatProblem(failed[0]!)).toContain('(profile prod, target compose)');
  });

  it('explains the arithmetic and the smallest fixes', () => {
    const [f] = poolFindings(
      { 'backend-prod': { replicas: 3, autoscale: { min: 3, max: 6 }, workers: 4, pool: { size: 5, maxOverflow: 5 }, rollout: { maxSurge: 1 } } },
      { maxConnections: 200, fixedClients: { migrations: 1, exporter: 1 } },
      'kubernetes',
    );
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-POOL] uns/db (profile dev, target kubernetes): PostgreSQL connection budget exceeded
        backend-prod  8 replicas at peak (autoscale.max 6 + surge 1 + draining 1)
                      × 4 workers × (pool 5 + overflow 5) = 320
        fixed clients exporter 1 + migrations 1 + scaleout_monitor 1 = 3
        demand 323 > available 197 (max_connections 200 − superuser_reserved 3)
        fix one of: autoscale.max ≤ 2 · pool.size + maxOverflow ≤ 6 · workers ≤ 2 · max_connections ≥ 326 · add PgBouncer (postgres.pooler: { maxClientConn: 320, defaultPoolSize: 64 }; 64 server connections per pooler instance × 3 at peak (replicas 1 + surge 1 (25% of 1, rounded up) + draining 1) = 192 ≤ 194)"
    `);
  });
});

describe('unbounded pools', () => {
  it.each([
    [{ size: 0, maxOverflow: 5 }, 'pool.size 0 makes SQLAlchemy QueuePool unbounded'],
    [{ size: 5, maxOverflow: -1 }, 'pool.maxOverflow -1 makes SQLAlchemy QueuePool unbounded'],
  ])('refuses %o', (pool, message) => {
    const make = () => new Backend(new Stack(undefined, 'uns'), 'backend', backendProps({ pool }));
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });
});
