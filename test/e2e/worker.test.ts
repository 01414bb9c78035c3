/**
 * Issue 19 on real servers: an API, a queue worker tier and a migration on one PostgreSQL 15
 * and one Redis, run natively from the synthesized compose file.
 *
 * - The migration (a one-shot service) runs first; its table exists before any backend
 *   reports healthy.
 * - The worker consumes the jobs the API enqueues and writes them to Postgres.
 * - Saturated at budget, Postgres sees exactly the predicted peak: the API's pools, the
 *   worker processes' pools, and the migration (a fixed client during a rollout, held here
 *   by a real session); nothing is refused. Budget + 1 is refused by synth (SO-POOL) and,
 *   forced, by the server (53300).
 *
 * Expected demand is computed here from the formula in docs/ARCHITECTURE.md.
 */
import { describe, expect, it } from 'vitest';
import { Backend, evaluate, Nginx, Postgres, Redis, Stack, SynthError } from '../../lib/index.js';
import type { E2eStack } from './harness.js';
import { E2eStack as Harness } from './harness.js';
import { stackPerTest } from './lifecycle.js';
import type { FixedClients } from './postgres.js';
import { waitFor } from './processes.js';
import { describeRun, PG_REFUSED, saturatePostgres } from './saturate.js';
import { LOCAL_NGINX_VERSION } from './stacks.js';
import { MONITOR_CONNECTIONS } from '../../lib/plan/roles.js';

const API = { replicas: 2, workers: 2, pool: { size: 2, maxOverflow: 1 } };
const WORKER = { replicas: 2, workers: 2, pool: { size: 1, maxOverflow: 1 } };
const MIGRATION_POOL = 1;
const per = (t: typeof API) => t.pool.size + t.pool.maxOverflow;
/** Worker consumer threads = its processes × (size + overflow): each may hold one connection. */
const WORKER_THREADS = WORKER.replicas * WORKER.workers * per(WORKER);
/** compose: Σ replicas × workers × (size + overflow) + the migration's pool + the monitoring role's 1. */
const DEMAND = API.replicas * API.workers * per(API) + WORKER_THREADS + MIGRATION_POOL + MONITOR_CONNECTIONS;
const SUPERUSER = 3;

function model(available: number) {
  const stack = new Stack(undefined, 'e2e');
  new Backend(stack, 'api', {
    image: 'scaleout/reference-backend:1.0.0',
    ...API,
    redisPool: 2,
    healthcheck: { path: '/api/health', interval: '5s', timeout: '3s', retries: 3, startPeriod: '10s' },
    resources: { limits: { cpu: 1, memory: '512Mi' } },
    routes: ['/api/'],
    migrations: { command: ['python3', 'migrate.py'], pool: MIGRATION_POOL },
  });
  new Backend(stack, 'worker', {
    image: 'scaleout/reference-backend:1.0.0',
    kind: 'worker',
    command: ['python3', 'worker.py'],
    ...WORKER,
    redisPool: per(WORKER),
    healthcheck: { command: ['CMD', 'python3', 'worker.py', '--check'], interval: '5s', timeout: '3s', retries: 3, startPeriod: '10s' },
    resources: { limits: { cpu: 1, memory: '512Mi' } },
  });
  new Nginx(stack, 'nginx', { image: 'nginx:1.22.1', version: LOCAL_NGINX_VERSION });
  const db = new Postgres(stack, 'db', { image: 'postgres:15', maxConnections: available + SUPERUSER });
  new Redis(stack, 'redis', { image: 'redis:7.0', maxClients: 1000 });
  return { stack, db };
}

let held: FixedClients | undefined;
const stacks = stackPerTest(async () => {
  await held?.release();
  held = undefined;
});

const sql = (h: E2eStack, q: string) => h.pg!.psql(q, h.pg!.opts.database).trim();

async function enqueue(h: E2eStack, id: string, hold = 0): Promise<void> {
  const res = await fetch(h.url(`/api/jobs?id=${id}&payload=p-${id}&hold=${hold}`), { method: 'POST', signal: AbortSignal.timeout(5_000) });
  expect(res.status, await res.text()).toBe(200);
}

/** Enqueues one long job per worker thread and waits until every thread holds its connection. */
async function occupyWorkers(h: E2eStack, holdSeconds: number, expected: number): Promise<void> {
  for (let i = 0; i < WORKER_THREADS; i++) await enqueue(h, `hold-${i}`, holdSeconds);
  const m = await h.pg!.monitor();
  try {
    await waitFor(`${expected} worker connections in pg_sleep`, async () => ((await m.count(`query LIKE '%pg_sleep%' AND state = 'active'`)) >= expected ? true : undefined), 20_000);
  } finally {
    m.close();
  }
}

describe('worker tier and migration on real servers', () => {
  it('the migration runs first: its table exists before any backend reports healthy', async () => {
    const { stack } = model(DEMAND);
    const h = await stacks.start(stack);
    // compose wiring: every database-using backend waits for the one-shot to exit 0
    for (const svc of ['api', 'worker']) {
      expect(h.compose.services[svc]!.depends_on?.['api-migrate']).toEqual({ condition: 'service_completed_successfully' });
    }
    expect(h.events[0]).toBe('migrated api-migrate');
    const healthy = h.events.filter((e) => e.startsWith('healthy '));
    expect(healthy.sort()).toEqual(['healthy api-1', 'healthy api-2', 'healthy worker-1', 'healthy worker-2']);
    expect(h.events.indexOf('migrated api-migrate')).toBeLessThan(Math.min(...healthy.map((e) => h.events.indexOf(e))));
    expect(sql(h, "SELECT to_regclass('public.processed_jobs') IS NOT NULL")).toBe('t');
  }, 90_000);

  it('the worker consumes the jobs the API enqueues and writes them to Postgres', async () => {
    const { stack } = model(DEMAND);
    const h = await stacks.start(stack);
    const ids = Array.from({ length: 20 }, (_, i) => `job-${i}`);
    for (const id of ids) await enqueue(h, id);
    await waitFor('20 jobs processed', () => (sql(h, 'SELECT count(*) FROM processed_jobs') === '20' ? true : undefined), 30_000);
    expect(sql(h, "SELECT string_agg(id, ',' ORDER BY id) FROM processed_jobs").split(',')).toEqual([...ids].sort());
    expect(Number(sql(h, 'SELECT count(DISTINCT worker) FROM processed_jobs'))).toBeGreaterThanOrEqual(1);
    expect(sql(h, "SELECT count(*) FROM processed_jobs WHERE payload NOT LIKE 'p-job-%'")).toBe('0');
  }, 90_000);

  it('at budget: Postgres sees exactly the predicted peak, worker pools and migration included, 0 refusals', async () => {
    const { stack } = model(DEMAND);
    expect(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }).errors).toEqual([]);
    const h = await stacks.start(stack);
    // The migration's connection during a rollout and the monitoring role's, held as real sessions.
    held = await h.pg!.holdConnections(MIGRATION_POOL + MONITOR_CONNECTIONS);
    await occupyWorkers(h, 30, WORKER_THREADS);
    const r = await saturatePostgres(h, {
      concurrency: 40 * API.replicas,
      workers: API.replicas * API.workers,
      capPerWorker: per(API),
      predictedPeak: DEMAND,
      refused: PG_REFUSED,
    });
    const why = describeRun(r);
    console.info('worker stack at budget:', why);
    expect([...r.perWorker.values()], why).toEqual(Array(API.replicas * API.workers).fill(per(API)));
    expect(r.peak, why).toBe(DEMAND);
    expect(r.refusals, why).toEqual([]);
    expect(r.otherFailures, why).toEqual([]);
    expect(h.pg!.logLines(/ 53300 /)).toEqual([]);
  }, 120_000);

  it('budget + 1: refused by synth naming the worker and the migration; forced, the server refuses (53300)', async () => {
    const available = DEMAND - 1;
    const { stack, db } = model(available);
    let refused: unknown;
    try {
      await Harness.start(stack);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(SynthError);
    const message = (refused as Error).message;
    expect(message).toContain('[SO-POOL]');
    expect(message).toContain(`demand ${DEMAND} > available ${available}`);
    expect(message).toContain(`worker  ${WORKER.replicas} replicas at peak`);
    expect(message).toContain(`api-migrate (migration pool ${MIGRATION_POOL}) ${MIGRATION_POOL}`);

    db.suppress('SO-POOL', 'e2e: prove the real server refuses the connection over budget');
    const h = await stacks.start(stack);
    held = await h.pg!.holdConnections(MIGRATION_POOL + MONITOR_CONNECTIONS);
    await occupyWorkers(h, 30, WORKER_THREADS);
    const r = await saturatePostgres(h, {
      concurrency: 40 * API.replicas,
      workers: API.replicas * API.workers,
      capPerWorker: per(API),
      predictedPeak: available,
      refused: PG_REFUSED,
      stopAfterRefusals: 5,
    });
    const why = describeRun(r);
    console.info('worker stack budget + 1 forced:', why);
    expect(r.refusals.length, why).toBeGreaterThan(0);
    expect(h.pg!.logLines(/ 53300 FATAL: {2}remaining connection slots are reserved/).length, why).toBeGreaterThan(0);
    expect(r.peak, why).toBe(available);
  }, 120_000);
});
