/**
 * PgBouncer with real servers: Debian's pgbouncer between the reference backends and a real
 * PostgreSQL 15, through real nginx.
 *
 * Shape: 2 replicas × 2 workers × (pool 2 + overflow 1) = 12 app connections, more than
 * max_connections (10) itself. The pooler takes all 12 (max_client_conn 12, at its
 * client-side budget) and opens at most default_pool_size 5 server connections, within the
 * 7 that Postgres leaves ordinary roles.
 */
import { describe, expect, it } from 'vitest';
import { Backend, evaluate, Nginx, PgBouncer, Postgres, Redis, Stack, SynthError } from '../../lib/index.js';
import { E2eStack } from './harness.js';
import { stackPerTest } from './lifecycle.js';
import { describeRun, PG_REFUSED, saturatePostgres } from './saturate.js';
import { LOCAL_NGINX_VERSION } from './stacks.js';

const REPLICAS = 2;
const WORKERS = 2;
const POOL = { size: 2, maxOverflow: 1 };
const PER_WORKER = POOL.size + POOL.maxOverflow;
const APP = REPLICAS * WORKERS * PER_WORKER; // 12
const MAX_CONNECTIONS = 10;
const AVAILABLE = MAX_CONNECTIONS - 3; // 7
const SERVER_POOL = 5;
const POOLER_REFUSED = /no more connections allowed/;

function pooledStack(maxClientConn: number, forced = false): Stack {
  const stack = new Stack(undefined, 'e2e');
  new Backend(stack, 'backend', {
    image: 'scaleout/reference-backend:1.0.0',
    replicas: REPLICAS,
    workers: WORKERS,
    pool: POOL,
    redisPool: 1,
    healthcheck: { path: '/api/health', interval: '5s', timeout: '3s', retries: 3, startPeriod: '10s' },
    resources: { limits: { cpu: 1, memory: '512Mi' }, requests: { cpu: 0.25, memory: '128Mi' } },
    routes: ['/api/'],
  });
  new Nginx(stack, 'nginx', { image: 'nginx:1.22.1', version: LOCAL_NGINX_VERSION });
  new Postgres(stack, 'db', { image: 'postgres:15', maxConnections: MAX_CONNECTIONS });
  new Redis(stack, 'redis', { image: 'redis:7.0', maxClients: 1000 });
  new PgBouncer(stack, 'pgbouncer', {
    image: 'pgbouncer:1.18',
    poolMode: 'transaction',
    maxClientConn,
    defaultPoolSize: SERVER_POOL,
    ...(forced ? { suppressions: [{ rule: 'SO-POOL', reason: 'forced over the client budget to watch pgbouncer refuse' }] } : {}),
  });
  return stack;
}

let h: E2eStack | undefined;
const stacks = stackPerTest(() => {
  h = undefined;
});

async function saturated(stack: Stack, over: boolean) {
  h = await stacks.start(stack);
  // The peak counts what reaches Postgres: the pooler's server connections.
  return saturatePostgres(h, {
    concurrency: 40 * REPLICAS,
    workers: REPLICAS * WORKERS,
    capPerWorker: PER_WORKER,
    predictedPeak: SERVER_POOL,
    refused: over ? POOLER_REFUSED : PG_REFUSED,
    ...(over ? { stopAfterRefusals: 5 } : {}),
  });
}

describe('PgBouncer between the backends and PostgreSQL', () => {
  it('app demand over max_connections but within the pooler: synth passes, no 53300, server connections within budget', async () => {
    // GIVEN app demand above max_connections, at the pooler's client budget
    expect(APP).toBeGreaterThan(MAX_CONNECTIONS);
    const stack = pooledStack(APP);
    const errors = evaluate(stack, { targets: ['compose'], profiles: ['dev'] }).errors;
    expect(errors.map((f) => f.code)).toEqual([]);
    expect(SERVER_POOL).toBeLessThanOrEqual(AVAILABLE);

    // WHEN it is saturated through nginx
    const r = await saturated(stack, false);
    const why = describeRun(r);
    console.info('pgbouncer at budget:', why);

    // THEN every worker holds its whole pool against the pooler, Postgres never sees more
    // than the pooler's server pool, and nothing anywhere is refused
    expect([...r.perWorker.values()], why).toEqual(Array(REPLICAS * WORKERS).fill(PER_WORKER));
    expect(r.peak, why).toBeLessThanOrEqual(SERVER_POOL);
    expect(r.peak, why).toBeGreaterThan(0);
    expect(r.refusals, why).toEqual([]);
    expect(r.otherFailures, why).toEqual([]);
    expect(h!.pg!.logLines(/ 53300 /)).toEqual([]);
    expect(h!.pooler!.logLines(POOLER_REFUSED)).toEqual([]);
  }, 120_000);

  it('one client connection over: refused by synth (SO-POOL, client side); forced, refused by the real pgbouncer', async () => {
    // GIVEN max_client_conn one below the app's connections
    const refusedAtSynth = await E2eStack.start(pooledStack(APP - 1)).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(refusedAtSynth).toBeInstanceOf(SynthError);
    const text = (refusedAtSynth as Error).message;
    expect(text).toContain('[SO-POOL] e2e/pgbouncer (profile dev, target compose): PgBouncer client connections exceeded');
    expect(text).toContain(`demand ${APP} > capacity ${APP - 1} (max_client_conn ${APP - 1} × 1 instance)`);

    // WHEN forced with a suppression and saturated
    const r = await saturated(pooledStack(APP - 1, true), true);
    const why = describeRun(r);
    console.info('pgbouncer over budget, forced:', why);

    // THEN the real pgbouncer refuses the extra client, and Postgres still refuses nothing
    expect(r.refusals.length, why).toBeGreaterThan(0);
    expect(h!.pooler!.logLines(POOLER_REFUSED).length).toBeGreaterThan(0);
    expect(h!.pg!.logLines(/ 53300 /)).toEqual([]);
  }, 120_000);
});
