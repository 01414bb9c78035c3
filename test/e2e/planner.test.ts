/**
 * The planner's predictions against real load (docs/PLANNER.md, "Validation"): the reference
 * backend's /api/work holding real pooled connections in pg_sleep, behind real nginx, driven
 * by the open-loop Poisson generator scaleout calibrate uses (lib/cli/open-loop.ts).
 *
 * 1. calibrate recovers the appTime and dbTime /api/work was told to use, within ±15%.
 * 2. calibrate --rps-per-replica, the CLI's own search, finds the rate one replica sustains
 *    within the objective, within ±20% of the model's maximum for that replica.
 * 3. For three shapes where the pool is the bottleneck (one with several workers per
 *    replica), a sweep of arrival rates measures the p99 and the share of pool timeouts; the
 *    rate where the p99 crosses the objective, and the rate where 1% of requests time out
 *    waiting for a connection, are each within ±20% of the model's prediction from the
 *    calibrated profile.
 *
 * Constant times (dist=const; the model's M/D/c by Allen–Cunneen), a p99 objective of
 * 350 ms and a pool_timeout of 0.5 s: the objective falls below the timeout, so the p99 is
 * crossed before timeouts count in it. The timeout is short relative to the hold time (2 s
 * with 400 ms is the same queue four times slower): the onset then falls where the queue
 * settles within a run of seconds, and a 2-core machine reaches it at tens of RPS.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { calibrationFrom, runCalibrate } from '../../lib/cli/calibrate.js';
import { latencyQuantile, openLoop, type Arrival } from '../../lib/cli/open-loop.js';
import { maxRpsWithin, poolTimeoutOnsetRps, saturationRps, type Shape } from '../../lib/capacity/queueing.js';
import type { ServiceProfile } from '../../lib/model/load.js';
import { E2eStack } from './harness.js';
import { e2eModel } from './stacks.js';

const DB_MS = 100;
const APP_MS = 2;
const POOL_TIMEOUT_MS = 500;
const P99_MS = 350;
/** Fractions of the predicted saturation rate each sweep runs at. */
const SWEEP = [0.42, 0.52, 0.62, 0.74, 0.86, 0.98, 1.08];
const RUN_MS = 20_000;
/** Each rate first runs this long unmeasured, so the queue has settled when measuring starts. */
const WARMUP_MS = 5_000;

const stacks: E2eStack[] = [];
afterAll(async () => {
  for (const h of stacks) await h.stop();
}, 120_000);

async function start(shape: Shape): Promise<E2eStack> {
  // One stack at a time: the previous one's processes would take CPU from this one's.
  while (stacks.length) await stacks.pop()!.stop();
  const h = await E2eStack.start(e2eModel({ backend: { replicas: shape.replicas, workers: shape.workers, pool: { size: shape.pool, maxOverflow: 0 } } }).stack);
  stacks.push(h);
  // The short pool_timeout this test measures against (the env contract leaves it at 30 s).
  for (const r of h.replicas) {
    await h.killReplica(r);
    await h.startReplica(r, { DB_POOL_TIMEOUT: String(POOL_TIMEOUT_MS / 1000) });
  }
  await h.addNginx();
  return h;
}

const work = (dist: 'const' | 'exp', app = APP_MS, db = DB_MS) => `/api/work?app_ms=${app}&db_ms=${db}&dist=${dist}`;
const within = (actual: number, expected: number, tol: number) => Math.abs(actual - expected) / expected <= tol;

/**
 * The rate where a measure rising with the rate crosses `level` for good: between the last
 * sweep point within it and the next, by linear interpolation (of the log, for shares). A
 * spike at a low rate (a busy machine) does not count as the crossing.
 */
function crossing(points: readonly { rps: number; v: number }[], level: number, log = false): number | undefined {
  const g = (v: number) => (log ? Math.log(Math.max(v, 1e-4)) : Math.min(v, 10 * level));
  for (let i = points.length - 1; i >= 1; i--) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (a.v <= level && b.v > level) return a.rps + ((b.rps - a.rps) * (g(level) - g(a.v))) / (g(b.v) - g(a.v));
  }
  return undefined;
}

const timedOut = (a: Arrival) => a.status === 500;

/**
 * The profile of /api/work at APP_MS and DB_MS, calibrated on this stack's first replica at
 * light load: three batches of 50 requests, keeping the batch with the shortest hold. A busy
 * machine's CPU stalls only ever add time; the quietest batch is the service's own.
 */
async function calibrate(h: E2eStack): Promise<ServiceProfile> {
  const direct = `http://127.0.0.1:${h.replicas[0]!.port}`;
  const scrape = async () => calibrationFrom(await (await fetch(`${direct}/metrics`)).text(), '/api/work');
  let before: ReturnType<typeof calibrationFrom> | undefined;
  let best: ServiceProfile | undefined;
  for (let batch = 0; batch < 3; batch++) {
    const sent = await openLoop({ url: direct + work('const'), rps: 10, durationMs: 5_000, seed: 5 + batch });
    expect(sent.filter((a) => a.status !== 200)).toEqual([]);
    const after = await scrape();
    // The scrape is cumulative: this batch's means from the difference of sums.
    const n0 = before?.requests ?? 0;
    const batchMean = (k: 'appMs' | 'dbMs') => (after[k] * after.requests - (before?.[k] ?? 0) * n0) / (after.requests - n0);
    const profile = { p99Ms: P99_MS, appMs: batchMean('appMs'), dbMs: batchMean('dbMs'), appCv: after.appCv, dbCv: after.dbCv };
    if (!best || profile.dbMs < best.dbMs) best = profile;
    before = after;
  }
  return best!;
}

describe('calibrate against a running replica', () => {
  it('recovers the appTime and dbTime /api/work was told to use, within ±15%', async () => {
    const h = await start({ replicas: 1, workers: 1, pool: 4 });
    const direct = `http://127.0.0.1:${h.replicas[0]!.port}`;
    // Light load straight to the replica: no pool wait, so the histograms see the service.
    const told = { app: 20, db: 50 };
    const sent = await openLoop({ url: direct + work('const', told.app, told.db), rps: 8, durationMs: 8_000, seed: 3 });
    expect(sent.filter((a) => a.status !== 200)).toEqual([]);
    const c = calibrationFrom(await (await fetch(`${direct}/metrics`)).text(), '/api/work');
    expect(c.dbMs, `dbTime ${c.dbMs}`).toSatisfy((v: number) => within(v, told.db, 0.15));
    expect(c.appMs, `appTime ${c.appMs}`).toSatisfy((v: number) => within(v, told.app, 0.15));
    expect(c.dbCv).toBeLessThan(0.15);
  }, 120_000);
});

describe('calibrate --rps-per-replica against a running replica', () => {
  it("finds the rate one replica sustains within the p99, within ±20% of the model's", async () => {
    const shape = { replicas: 1, workers: 1, pool: 3 };
    const h = await start(shape);
    const profile = await calibrate(h);
    const predicted = maxRpsWithin(shape, profile, P99_MS, { poolTimeoutMs: POOL_TIMEOUT_MS });
    const steps: string[] = [];
    const lines = await runCalibrate({ url: `http://127.0.0.1:${h.replicas[0]!.port}`, path: work('const'), p99: `${P99_MS}ms`, rpsPerReplica: true }, (l) => steps.push(l));
    const printed = lines.map((l) => /^ {2}rpsPerReplica: (\d+)/.exec(l)?.[1]).find((m) => m !== undefined);
    expect(printed, lines.join('\n')).toBeDefined();
    const measured = Number(printed);
    console.log(`rps-per-replica: measured ${measured}, predicted ${predicted.toFixed(1)} RPS\n${steps.join('\n')}`);
    expect(Math.abs(predicted - measured) / measured, `predicted ${predicted.toFixed(1)}, measured ${measured}`).toBeLessThanOrEqual(0.2);
  }, 600_000);
});

interface Row {
  readonly shape: string;
  readonly predictedMax: number;
  readonly measuredMax: number | undefined;
  readonly predictedOnset: number;
  readonly measuredOnset: number | undefined;
  readonly imbalance: number;
}
const rows: Row[] = [];

describe('predicted against measured, pool the bottleneck', () => {
  const shapes: Shape[] = [
    { replicas: 1, workers: 1, pool: 3 },
    { replicas: 2, workers: 1, pool: 2 },
    { replicas: 1, workers: 2, pool: 2 },
  ];
  for (const shape of shapes) {
    const name = `${shape.replicas} replica(s) × ${shape.workers} worker(s) × pool ${shape.pool}`;
    it(`${name}: max RPS within the p99 and the onset of 1% pool timeouts within ±20%`, async () => {
      const h = await start(shape);
      const profile = await calibrate(h);
      const facts = { poolTimeoutMs: POOL_TIMEOUT_MS };
      const predictedMax = maxRpsWithin(shape, profile, P99_MS, facts);
      const predictedOnset = poolTimeoutOnsetRps(shape, profile, facts);
      const saturation = saturationRps(shape, profile, facts);
      console.log(`${name}: calibrated appTime ${profile.appMs.toFixed(1)}ms (cv ${profile.appCv.toFixed(2)}), dbTime ${profile.dbMs.toFixed(1)}ms (cv ${profile.dbCv.toFixed(2)}); predicted max ${predictedMax.toFixed(1)}, onset ${predictedOnset.toFixed(1)}, saturation ${saturation.toFixed(1)} RPS`);
      const url = h.nginxes.at(-1)!.url(work('const'));
      const p99s: { rps: number; v: number }[] = [];
      const timeouts: { rps: number; v: number }[] = [];
      const pids = new Map<string, number>();
      for (const f of SWEEP) {
        const rps = f * saturation;
        const arrivals = await openLoop({ url, rps, durationMs: RUN_MS, warmupMs: WARMUP_MS, seed: Math.round(rps * 100), timeoutMs: 20_000, keepBodies: true });
        // uvicorn's accept imbalance: which worker process answered, under this very load.
        for (const a of arrivals) if (a.status === 200) pids.set(String(JSON.parse(a.body!).pid), (pids.get(String(JSON.parse(a.body!).pid)) ?? 0) + 1);
        p99s.push({ rps, v: latencyQuantile(arrivals, 0.99) });
        timeouts.push({ rps, v: arrivals.filter(timedOut).length / arrivals.length });
        console.log(`${name}: ${rps.toFixed(1)} RPS, p99 ${latencyQuantile(arrivals, 0.99).toFixed(0)}ms, timeouts ${(100 * timeouts.at(-1)!.v).toFixed(2)}%, other failures ${arrivals.filter((a) => a.status !== 200 && !timedOut(a)).length}`);
      }
      // The busiest worker's share of all answers × the number of workers (1 = even).
      const answered = [...pids.values()].reduce((a, b) => a + b, 0);
      const imbalance = (Math.max(...pids.values()) / answered) * shape.replicas * shape.workers;
      const measuredMax = crossing(p99s, P99_MS);
      const measuredOnset = crossing(timeouts, 0.01, true);
      rows.push({ shape: name, predictedMax, measuredMax, predictedOnset, measuredOnset, imbalance });
      expect(measuredMax, `p99 never crossed ${P99_MS}ms: ${JSON.stringify(p99s)}`).toBeDefined();
      expect(measuredOnset, `timeouts never crossed 1%: ${JSON.stringify(timeouts)}`).toBeDefined();
      expect(Math.abs(predictedMax - measuredMax!) / measuredMax!, `max RPS predicted ${predictedMax.toFixed(1)}, measured ${measuredMax!.toFixed(1)}`).toBeLessThanOrEqual(0.2);
      expect(Math.abs(predictedOnset - measuredOnset!) / measuredOnset!, `onset predicted ${predictedOnset.toFixed(1)}, measured ${measuredOnset!.toFixed(1)}`).toBeLessThanOrEqual(0.2);
    }, 600_000);
  }

  afterAll(() => {
    const pct = (p: number, m: number | undefined) => (m === undefined ? 'n/a' : `${(((p - m) / m) * 100).toFixed(0)}%`);
    const f = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(1));
    console.log(
      [
        `| shape | max RPS within p99 ${P99_MS}ms: predicted | measured | error | 1% pool timeouts (${POOL_TIMEOUT_MS}ms): predicted | measured | error | busiest worker × workers |`,
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
        ...rows.map((r) => `| ${r.shape} | ${f(r.predictedMax)} | ${f(r.measuredMax)} | ${pct(r.predictedMax, r.measuredMax)} | ${f(r.predictedOnset)} | ${f(r.measuredOnset)} | ${pct(r.predictedOnset, r.measuredOnset)} | ${r.imbalance.toFixed(2)} |`),
      ].join('\n'),
    );
  });
});
