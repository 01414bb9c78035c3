/**
 * A seeded discrete-event simulation of one worker process as lib/capacity/queueing.ts
 * models it: Poisson arrivals, a FIFO single-server CPU station, then a FIFO pool of `c`
 * connections. Written for the tests, independent of the formulas it checks.
 */
import { rng } from '../../lib/cli/open-loop.js';

/** mulberry32, the generator the open-loop load uses: every run draws the same numbers. */
export { rng };

/** A gamma-distributed draw with mean `mean` and coefficient of variation `cv` (0: constant). */
export function drawService(r: () => number, mean: number, cv: number): number {
  if (mean === 0) return 0;
  if (cv === 0) return mean;
  const shape = 1 / (cv * cv);
  return (gamma(r, shape) * mean) / shape;
}

/** Marsaglia–Tsang gamma(shape, 1). */
function gamma(r: () => number, shape: number): number {
  if (shape < 1) return gamma(r, shape + 1) * r() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      // Box–Muller normal.
      x = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - r();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** What one simulated run measured. */
export interface SimResult {
  readonly responses: Float64Array;
  readonly poolWaits: Float64Array;
  readonly meanInFlight: number;
}

/** Simulates `n` requests (after `warmup` discarded) at `perMs` arrivals per millisecond. */
export function simulate(o: { perMs: number; appMs: number; appCv: number; dbMs: number; dbCv: number; servers: number; n: number; seed: number; warmup?: number; everyKth?: number }): SimResult {
  // everyKth: this worker gets every k-th arrival of a Poisson stream k times as fast (what a
  // round-robin balancer over k replicas hands each one).
  const kth = o.everyKth ?? 1;
  const r = rng(o.seed);
  const warmup = o.warmup ?? Math.floor(o.n / 10);
  const free = new Float64Array(o.servers); // when each connection is next free
  const responses = new Float64Array(o.n);
  const poolWaits = new Float64Array(o.n);
  let t = 0;
  let cpuFree = 0;
  let busyTime = 0;
  let first = 0;
  for (let i = 0; i < warmup + o.n; i++) {
    for (let j = 0; j < kth; j++) t += -Math.log(1 - r()) / (kth * o.perMs);
    const cpuDone = Math.max(t, cpuFree) + drawService(r, o.appMs, o.appCv);
    cpuFree = cpuDone;
    let k = 0;
    for (let j = 1; j < o.servers; j++) if (free[j]! < free[k]!) k = j;
    const start = Math.max(cpuDone, free[k]!);
    const done = start + drawService(r, o.dbMs, o.dbCv);
    free[k] = done;
    if (i === warmup) first = t;
    if (i >= warmup) {
      responses[i - warmup] = done - t;
      poolWaits[i - warmup] = start - cpuDone;
      busyTime += done - t;
    }
  }
  // Little's law's L measured directly: total time in system over the elapsed time.
  return { responses, poolWaits, meanInFlight: busyTime / (t - first) };
}

/** The `q` quantile of `xs` (sorted copy). */
export function quantile(xs: Float64Array, q: number): number {
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** The mean of `xs`. */
export function mean(xs: Float64Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}
