/**
 * Capacity truth at the Redis maxclients boundary, on a real Redis 7 behind real nginx.
 *
 * Each worker's redis-py pool opens at most REDIS_POOL_SIZE connections; /api/redis-hold
 * keeps one in a BLPOP. Shapes:
 * - A: 2 replicas × 2 workers × redis pool 3 = 12 = maxclients.
 * - B: 1 replica × 2 workers × redis pool 2 = 4, plus 2 fixed clients held for real = 6.
 * At budget every worker opens its whole pool and Redis refuses nothing; one client over
 * is refused by synth (SO-REDIS); forced, Redis answers "max number of clients reached".
 *
 * Clients are counted from /proc/net/tcp, which takes no client slot.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, SynthError } from '../../lib/index.js';
import { E2eStack } from './harness.js';
import { stackPerTest } from './lifecycle.js';
import { describeRun, PeakSampler, REDIS_REFUSED, saturate, type Saturation } from './saturate.js';
import { e2eModel, type E2eModel } from './stacks.js';

interface Shape {
  readonly name: string;
  readonly replicas: number;
  readonly workers: number;
  readonly redisPool: number;
  readonly fixed: Readonly<Record<string, number>>;
}

const SHAPES: readonly Shape[] = [
  { name: 'A: 2 replicas × 2 workers × pool 3', replicas: 2, workers: 2, redisPool: 3, fixed: {} },
  { name: 'B: 1 replica × 2 workers × pool 2 + 2 fixed clients', replicas: 1, workers: 2, redisPool: 2, fixed: { sessions: 2 } },
];

const fixedSum = (f: Readonly<Record<string, number>>) => Object.values(f).reduce((a, b) => a + b, 0);
/** docs/ARCHITECTURE.md: Σ peak_replicas × workers × redis pool + fixed clients. */
const demand = (s: Shape) => s.replicas * s.workers * s.redisPool + fixedSum(s.fixed);

/** Over budget: shape A loses one maxclients slot, shape B gains one fixed client. */
function model(s: Shape, over: boolean): { model: E2eModel; fixed: Record<string, number>; maxClients: number } {
  const withFixed = Object.keys(s.fixed).length > 0;
  const fixed = over && withFixed ? { ...s.fixed, cron: 1 } : { ...s.fixed };
  const maxClients = over && !withFixed ? demand(s) - 1 : demand(s);
  return {
    fixed,
    maxClients,
    model: e2eModel({
      backend: { replicas: s.replicas, workers: s.workers, redisPool: s.redisPool, pool: { size: 1, maxOverflow: 0 } },
      redis: { maxClients, fixedClients: fixed },
    }),
  };
}

let h: E2eStack | undefined;
let release: (() => void) | undefined;
let sampler: PeakSampler | undefined;
const stacks = stackPerTest(() => {
  sampler?.stop();
  sampler = undefined;
  release?.();
  release = undefined;
  h = undefined;
});

async function run(m: E2eModel, s: Shape, fixed: Record<string, number>, predictedPeak: number, over: boolean): Promise<Saturation> {
  h = await stacks.start(m.stack);
  const redis = h.redis!;
  release = (await redis.holdConnections(fixedSum(fixed))).release;
  sampler = new PeakSampler(() => redis.clients());
  const p = sampler;
  try {
    return await saturate(h, {
      path: '/api/redis-hold?seconds=0.5',
      concurrency: 40 * s.replicas,
      workers: s.replicas * s.workers,
      capPerWorker: s.redisPool,
      poolUse: (r) => r.json?.['pool']?.['open'],
      peak: () => p.peak,
      predictedPeak,
      refused: REDIS_REFUSED,
      ...(over ? { stopAfterRefusals: 5 } : {}),
    });
  } finally {
    p.stop();
  }
}

describe.each(SHAPES)('Redis capacity truth, shape $name', (s) => {
  it('at budget: every worker opens its whole pool, the peak equals maxclients, nothing is refused', async () => {
    const v = model(s, false);
    expect(evaluate(v.model.stack, { targets: ['compose'], profiles: ['dev'] }).errors.filter((f) => f.code === 'SO-REDIS')).toEqual([]);
    expect(demand(s)).toBe(v.maxClients);

    const r = await run(v.model, s, v.fixed, demand(s), false);
    const why = describeRun(r);
    console.info(`${s.name} at budget:`, why);

    expect(r.perWorker.size, why).toBe(s.replicas * s.workers);
    expect([...r.perWorker.values()], why).toEqual(Array(s.replicas * s.workers).fill(s.redisPool));
    expect(r.peak, why).toBe(demand(s));
    expect(r.refusals, why).toEqual([]);
    expect(r.otherFailures, why).toEqual([]);
  }, 90_000);

  it('maxclients + 1: refused by synth with SO-REDIS; forced, Redis refuses clients', async () => {
    const v = model(s, true);
    expect(s.replicas * s.workers * s.redisPool + fixedSum(v.fixed)).toBe(v.maxClients + 1);

    let refused: unknown;
    try {
      await E2eStack.start(v.model.stack);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(SynthError);
    expect((refused as Error).message).toContain('[SO-REDIS]');
    expect((refused as Error).message).toContain(`demand ${v.maxClients + 1} > maxclients ${v.maxClients}`);

    v.model.redis.suppress('SO-REDIS', 'e2e: prove the real server refuses the client over budget');
    const r = await run(v.model, s, v.fixed, v.maxClients, true);
    const why = describeRun(r);
    console.info(`${s.name} maxclients + 1 forced:`, why);

    expect(r.refusals.length, why).toBeGreaterThan(0);
    expect(r.refusals[0]!.body).toMatch(/max number of clients reached/);
    // Redis accepts the TCP connection it then refuses, so the count may blip over maxclients;
    // what stays open is at most maxclients.
    expect(h!.redis!.clients(), why).toBeLessThanOrEqual(v.maxClients);
  }, 90_000);
});
