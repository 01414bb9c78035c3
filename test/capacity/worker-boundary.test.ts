/**
 * Issue 19 acceptance: an API plus a worker tier plus a migration on one database. At the
 * budget SO-POOL passes; one connection less fails, and the message names every term (the
 * API, the worker, the migration, the fixed clients). The same for SO-REDIS, which counts
 * the worker's pools. Compose and Kubernetes semantics: the HPA max, surge and draining apply
 * to the worker too, and on Kubernetes the migration runs in every starting pod.
 *
 * Expected demand is computed here from the formula in docs/ARCHITECTURE.md, not read back
 * from the code.
 */
import { describe, expect, it } from 'vitest';
import { Backend, evaluate, formatProblem, Nginx, Postgres, Redis, Stack, type BackendConstructProps, type TargetKind } from '../../lib/index.js';
import { MONITOR_CONNECTIONS } from '../../lib/plan/roles.js';

const RES = { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: 0.5, memory: '512Mi' } };
const API: BackendConstructProps = {
  image: 'ghcr.io/acme/shop:1.0.0',
  replicas: 3,
  workers: 2,
  pool: { size: 5, maxOverflow: 5 },
  redisPool: 3,
  healthcheck: { path: '/api/health' },
  resources: RES,
  routes: ['/api/'],
  migrations: { command: ['alembic', 'upgrade', 'head'], pool: 2 },
};
const WORKER: BackendConstructProps = {
  image: 'ghcr.io/acme/shop:1.0.0',
  kind: 'worker',
  command: ['python3', 'worker.py'],
  replicas: 2,
  autoscale: { min: 2, max: 5 },
  workers: 3,
  pool: { size: 2, maxOverflow: 1 },
  redisPool: 4,
  healthcheck: { command: ['CMD', 'python3', 'worker.py', '--check'] },
  resources: RES,
  rollout: { maxSurge: 2, maxUnavailable: 1 },
};

function findings(target: TargetKind, maxConnections: number, maxClients = 100_000) {
  const stack = new Stack(undefined, 'shop');
  new Backend(stack, 'api', API);
  new Backend(stack, 'worker', WORKER);
  new Nginx(stack, 'nginx', { workerConnections: 65535 });
  new Postgres(stack, 'db', { maxConnections });
  new Redis(stack, 'redis', { maxClients });
  const report = evaluate(stack, { targets: [target], profiles: ['dev'] });
  return { pool: report.errors.filter((f) => f.code === 'SO-POOL'), redis: report.errors.filter((f) => f.code === 'SO-REDIS') };
}

const SUPERUSER = 3;

/** Kubernetes peak: M + ⌈surge⌉ + draining (default max(surge, ⌊unavailable⌋)). */
function k8sPeak(m: number, surge: number, unavailable: number) {
  return m + surge + Math.max(surge, unavailable);
}

const cases: Record<TargetKind, () => { api: number; worker: number; migration: number; apiPeak: number; workerPeak: number }> = {
  compose: () => {
    // compose: replicas as written (no HPA); the migration is one one-shot service.
    const apiPeak = 3;
    const workerPeak = 2;
    return { apiPeak, workerPeak, api: apiPeak * 2 * 10, worker: workerPeak * 3 * 3, migration: 2 };
  },
  kubernetes: () => {
    // api: replicas 3, default 25% surge ⌈0.75⌉ = 1, unavailable ⌊0.75⌋ = 0, draining 1.
    const apiPeak = k8sPeak(3, 1, 0);
    // worker: HPA max 5, surge 2, unavailable 1, draining max(2, 1) = 2.
    const workerPeak = k8sPeak(5, 2, 1);
    // The migration's init container in every starting pod: api 1 + 0, worker 2 + 1.
    const migration = 2 * ((1 + 0) + (2 + 1));
    return { apiPeak, workerPeak, api: apiPeak * 2 * 10, worker: workerPeak * 3 * 3, migration };
  },
  pulumi: () => ({ apiPeak: 3, workerPeak: 2, api: 60, worker: 18, migration: 2 }),
};

describe.each(['compose', 'kubernetes'] as const)('API + worker + migration on one database (%s)', (target) => {
  const c = cases[target]();
  // The monitoring role `check --live` uses is a fixed client of every Postgres.
  const demand = c.api + c.worker + c.migration + MONITOR_CONNECTIONS;

  it('SO-POOL: the budget passes, one connection less fails naming each term', () => {
    expect(findings(target, demand + SUPERUSER).pool).toEqual([]);
    const failed = findings(target, demand + SUPERUSER - 1).pool;
    expect(failed).toHaveLength(1);
    const text = formatProblem(failed[0]!);
    expect(text).toContain(`demand ${demand} > available ${demand - 1}`);
    expect(text).toContain(`api  ${c.apiPeak} replicas at peak`);
    expect(text).toContain(`× 2 workers × (pool 5 + overflow 5) = ${c.api}`);
    expect(text).toContain(`worker  ${c.workerPeak} replicas at peak`);
    expect(text).toContain(`× 3 workers × (pool 2 + overflow 1) = ${c.worker}`);
    expect(text).toContain('api-migrate (migration pool 2');
    expect(text).toContain(`) ${c.migration} = ${c.migration + MONITOR_CONNECTIONS}`);
    if (target === 'kubernetes') {
      expect(text).toContain('autoscale.max 5 + surge 2 + draining 2');
      expect(text).toContain('starting pods, surge + maxUnavailable: api 1 + worker 3');
    }
  });

  it("SO-REDIS counts the worker's processes and pools", () => {
    const clients = c.apiPeak * 2 * 3 + c.workerPeak * 3 * 4;
    expect(findings(target, 10_000, clients).redis).toEqual([]);
    const failed = findings(target, 10_000, clients - 1).redis;
    expect(failed).toHaveLength(1);
    const text = formatProblem(failed[0]!);
    expect(text).toContain(`demand ${clients} > maxclients ${clients - 1}`);
    expect(text).toContain(`× 3 workers × redis pool 4 = ${c.workerPeak * 3 * 4}`);
  });
});

describe('a worker takes no part in the nginx budget', () => {
  it('nginx proxies to the API only', async () => {
    const { nginxBudget } = await import('../../lib/capacity/nginx-budget.js');
    const { resolveProfile } = await import('../../lib/plan/profile.js');
    const stack = new Stack(undefined, 'shop');
    new Backend(stack, 'api', API);
    new Backend(stack, 'worker', WORKER);
    new Nginx(stack, 'nginx', {});
    new Postgres(stack, 'db', { maxConnections: 500 });
    new Redis(stack, 'redis', {});
    const ctx = resolveProfile(stack, 'dev');
    const b = nginxBudget(ctx.nginx!, ctx.backends, 'compose');
    expect(b.upstreams).toBe(1);
    expect(b.keepalives.map((k) => k.backend.id)).toEqual(['api']);
    // 3 replicas × 2 workers × 10 in flight: the API's alone.
    expect(b.peakRequests).toBe(3 * 2 * 10);
  });
});

describe('an autoscale.max sized from the budgets counts the migration in every starting pod', () => {
  it('the sized max fits SO-POOL on Kubernetes, and one more does not', async () => {
    const { resolveProfile } = await import('../../lib/plan/profile.js');
    const { postgresBudget } = await import('../../lib/capacity/postgres-budget.js');
    const stack = new Stack(undefined, 'shop');
    new Backend(stack, 'api', {
      ...API,
      replicas: undefined,
      autoscale: { min: 2 },
      load: { expectedRps: 100, rpsPerReplica: 100 },
      rollout: { maxSurge: '50%', maxUnavailable: '50%' },
      migrations: { command: ['alembic', 'upgrade', 'head'], pool: 10 },
    });
    new Nginx(stack, 'nginx', { workerConnections: 65535 });
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis', { maxClients: 100_000 });
    expect(evaluate(stack, { targets: ['kubernetes'], profiles: ['dev'] }).errors.filter((f) => f.code === 'SO-POOL')).toEqual([]);
    const ctx = resolveProfile(stack, 'dev');
    const api = ctx.backends[0]!;
    const max = api.autoscale!.max;
    expect(postgresBudget(ctx.backends, ctx.postgres!, 'kubernetes').ok).toBe(true);
    const more = [{ ...api, autoscale: { ...api.autoscale!, max: max + 1 } }];
    expect(postgresBudget(more, ctx.postgres!, 'kubernetes').ok).toBe(false);
  });
});
