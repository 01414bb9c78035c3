/**
 * The queueing math, cross-checked by independent methods: Erlang B/C by recursion against
 * the direct sums and hand-computed values; the model's waits, p99s and Little's law against
 * a seeded discrete-event simulation (test/capacity/queue-sim.ts).
 *
 * Tolerances: Erlang C against its sum to 1e-9 (the same quantity two ways). Against the
 * simulation (1 000 000 requests): M/M/c quantities, where Erlang C is exact, within 5%;
 * general service times (Allen–Cunneen is an approximation) within 15% for the p99 and 20%
 * for the mean wait (30% with the smoother arrivals round robin gives a replica).
 */
import { describe, expect, it } from 'vitest';
import { erlangB, erlangC } from '../../lib/capacity/erlang.js';
import { erlangBDirect, erlangCDirect } from './erlang-direct.js';
import { maxRpsWithin, poolTimeoutOnsetRps, predict, saturationRps, stationWait } from '../../lib/capacity/queueing.js';
import { quantileOfSum, queueWait, serviceTime } from '../../lib/capacity/response-time.js';
import type { ServiceProfile } from '../../lib/model/load.js';
import { mean, quantile, simulate } from './queue-sim.js';

describe('Erlang B and C', () => {
  it('match values worked by hand', () => {
    expect(erlangB(1, 1)).toBeCloseTo(0.5, 12); // a/(1+a)
    expect(erlangB(2, 1)).toBeCloseTo(0.2, 12); // (1/2)/(1+1+1/2)
    expect(erlangC(1, 0.5)).toBeCloseTo(0.5, 12); // M/M/1: ρ
    expect(erlangC(2, 1)).toBeCloseTo(1 / 3, 12); // (1/2·2)/(1+1+1/2·2)
    expect(erlangC(3, 3)).toBe(1); // unstable: everyone waits
  });

  it('the recursion equals the direct sum over servers 1–60 and loads up to 0.99·c', () => {
    for (let c = 1; c <= 60; c++) {
      for (const rho of [0.05, 0.3, 0.6, 0.8, 0.9, 0.99]) {
        const a = rho * c;
        expect(Math.abs(erlangB(c, a) - erlangBDirect(c, a))).toBeLessThan(1e-9);
        expect(Math.abs(erlangC(c, a) - erlangCDirect(c, a))).toBeLessThan(1e-9);
      }
    }
  });

  it('refuses a fractional server count', () => {
    expect(() => erlangB(1.5, 1)).toThrow(/whole number/);
  });
});

describe('response-time sums', () => {
  it('the p99 of one exponential is ln(100)·mean, of a constant the constant', () => {
    expect(quantileOfSum([serviceTime(10, 1)], 0.99)).toBeCloseTo(10 * Math.log(100), 0);
    expect(Math.abs(quantileOfSum([serviceTime(30, 0)], 0.99) - 30)).toBeLessThan(0.2);
  });

  it('the p99 of two exponentials of mean 10 is the Erlang-2 quantile (P(X>t) = e^(−t/10)(1 + t/10))', () => {
    const t = quantileOfSum([serviceTime(10, 1), serviceTime(10, 1)], 0.99);
    expect(Math.exp(-t / 10) * (1 + t / 10)).toBeCloseTo(0.01, 3);
  });

  it('a wait that happens 30% of the time has a p99 of tail·ln(30)', () => {
    expect(quantileOfSum([queueWait(0.3, 20)], 0.99)).toBeCloseTo(20 * Math.log(30), 0);
  });
});

const N = 1_000_000;
const rel = (model: number, sim: number) => Math.abs(model - sim) / sim;

describe('the worker model against a seeded simulation', () => {
  const shape = (servers: number) => ({ replicas: 1, workers: 1, pool: servers });
  const cases: { name: string; profile: ServiceProfile; servers: number; rho: number; p99Tol: number; waitTol: number }[] = [
    { name: 'M/M/c pool, c=5, ρ=0.8', profile: { p99Ms: 0, appMs: 0, dbMs: 50, appCv: 0, dbCv: 1 }, servers: 5, rho: 0.8, p99Tol: 0.05, waitTol: 0.05 },
    { name: 'M/M/c pool, c=10, ρ=0.9', profile: { p99Ms: 0, appMs: 0, dbMs: 100, appCv: 0, dbCv: 1 }, servers: 10, rho: 0.9, p99Tol: 0.05, waitTol: 0.05 },
    { name: 'M/D/c pool, c=4, ρ=0.85', profile: { p99Ms: 0, appMs: 0, dbMs: 100, appCv: 0, dbCv: 0 }, servers: 4, rho: 0.85, p99Tol: 0.15, waitTol: 0.2 },
    { name: 'cv 0.5 pool + light CPU, c=8, ρ=0.8', profile: { p99Ms: 0, appMs: 2, dbMs: 40, appCv: 1, dbCv: 0.5 }, servers: 8, rho: 0.8, p99Tol: 0.15, waitTol: 0.2 },
    { name: 'cv 1.5 pool, c=6, ρ=0.75', profile: { p99Ms: 0, appMs: 1, dbMs: 30, appCv: 0, dbCv: 1.5 }, servers: 6, rho: 0.75, p99Tol: 0.15, waitTol: 0.2 },
  ];
  for (const c of cases) {
    it(`${c.name}: p99 within ${c.p99Tol * 100}%, mean pool wait within ${c.waitTol * 100}%, Little's law within 5%`, () => {
      const perMs = (c.rho * c.servers) / c.profile.dbMs;
      const sim = simulate({ perMs, ...c.profile, servers: c.servers, n: N, seed: 18 });
      const model = predict(shape(c.servers), c.profile, perMs * 1000);
      expect(rel(model.p99Ms, quantile(sim.responses, 0.99))).toBeLessThan(c.p99Tol);
      expect(rel(model.pool.meanWaitMs, mean(sim.poolWaits))).toBeLessThan(c.waitTol);
      expect(rel(model.inFlightPerWorker, sim.meanInFlight)).toBeLessThan(0.05);
    });
  }

  it('round robin over 3 replicas (Erlang-3 arrivals, ca² = 1/3), M/D/3 pool at ρ=0.85: p99 within 15%, mean wait within 30%', () => {
    const profile: ServiceProfile = { p99Ms: 0, appMs: 0, dbMs: 100, appCv: 0, dbCv: 0 };
    const perMs = (0.85 * 3) / 100;
    const sim = simulate({ perMs, ...profile, servers: 3, n: N, seed: 11, everyKth: 3 });
    const model = predict({ replicas: 3, workers: 1, pool: 3 }, profile, perMs * 1000 * 3);
    expect(rel(model.p99Ms, quantile(sim.responses, 0.99))).toBeLessThan(0.15);
    expect(rel(model.pool.meanWaitMs, mean(sim.poolWaits))).toBeLessThan(0.3);
  });

  it('M/M/c: the share of pool waits beyond 2 s (a short pool_timeout) matches within a factor of 1.5 at ρ=0.97', () => {
    const profile: ServiceProfile = { p99Ms: 0, appMs: 0, dbMs: 200, appCv: 0, dbCv: 1 };
    const perMs = (0.97 * 5) / 200;
    const sim = simulate({ perMs, ...profile, servers: 5, n: N, seed: 7 });
    const model = predict(shape(5), profile, perMs * 1000, { poolTimeoutMs: 2000 });
    const measured = sim.poolWaits.filter((w) => w > 2000).length / N;
    expect(model.poolTimeoutShare / measured).toBeGreaterThan(1 / 1.5);
    expect(model.poolTimeoutShare / measured).toBeLessThan(1.5);
  });
});

describe('rates the planner reads', () => {
  const profile: ServiceProfile = { p99Ms: 250, appMs: 2, dbMs: 50, appCv: 1, dbCv: 1 };
  const s = { replicas: 2, workers: 2, pool: 5 };

  it('saturation is the pool: replicas × workers × pool ÷ dbTime', () => {
    expect(saturationRps(s, profile)).toBeCloseTo((2 * 2 * 5 * 1000) / 50, 6);
  });

  it('the threadpool caps a worker at 40 connections in use, whatever the pool', () => {
    expect(saturationRps({ replicas: 1, workers: 1, pool: 100 }, { ...profile, appMs: 0 })).toBeCloseTo((40 * 1000) / 50, 6);
  });

  it('the max rate within the p99 meets it, and 1% more misses it', () => {
    const max = maxRpsWithin(s, profile, 250);
    expect(predict(s, profile, max).p99Ms).toBeLessThanOrEqual(250);
    expect(predict(s, profile, max * 1.01).p99Ms).toBeGreaterThan(250);
    expect(max).toBeLessThan(saturationRps(s, profile));
  });

  it('the onset of 1% pool timeouts sits between the p99 limit and saturation for a 2 s timeout', () => {
    const onset = poolTimeoutOnsetRps(s, profile, { poolTimeoutMs: 2000 });
    expect(predict(s, profile, onset, { poolTimeoutMs: 2000 }).poolTimeoutShare).toBeCloseTo(0.01, 3);
    expect(onset).toBeGreaterThan(maxRpsWithin(s, profile, 250));
    expect(onset).toBeLessThan(saturationRps(s, profile));
  });

  it('an uneven share for the busiest worker lowers the rate in proportion', () => {
    expect(saturationRps(s, profile, { workerImbalance: 1.25 })).toBeCloseTo(saturationRps(s, profile) / 1.25, 6);
  });

  it('a station at 100% has no p99', () => {
    expect(stationWait(2, 0.04, 50, 1).utilization).toBe(1);
    expect(predict(s, profile, saturationRps(s, profile)).p99Ms).toBe(Infinity);
  });
});
