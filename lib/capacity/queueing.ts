/**
 * The queueing model of one backend shape (replicas × workers × pool) under a service
 * profile: each worker process is a CPU station (one server: one process, one interpreter
 * lock) followed by a pool station (G/G/c, c = min(pool, threadpool cap)). Erlang C gives the
 * chance to wait, Allen–Cunneen scales it to general service times, Little's law gives the
 * requests in flight. docs/PLANNER.md: the model, why, and its limits.
 */
import type { ServiceProfile } from '../model/load.js';
import { erlangC } from './erlang.js';
import { meetsQuantile, quantileOfSum, queueWait, serviceTime, type TimeDistribution } from './response-time.js';

/** anyio's default thread limiter: sync FastAPI endpoints run at most 40 at once per worker process. */
export const THREADPOOL_CAP = 40;

/** SQLAlchemy's default `pool_timeout`: a request waits this long for a connection, then fails. */
export const DEFAULT_POOL_TIMEOUT_MS = 30_000;

/** One G/G/c station's waiting time. */
export interface StationWait {
  /** λ·s / c. At 1 or above the queue grows without bound. */
  readonly utilization: number;
  /** Erlang C: the chance an arrival waits at all. */
  readonly pWait: number;
  /** Allen–Cunneen's mean wait: Erlang C's, times (ca² + cs²) ÷ 2. */
  readonly meanWaitMs: number;
  /** Mean wait of the arrivals that wait, the mean of the exponential tail. */
  readonly tailMeanMs: number;
}

/**
 * A G/G/c station by Allen–Cunneen: Wq ≈ C(c, a) ÷ (c·μ − λ) × (ca² + cs²) ÷ 2, with the
 * waits of those that wait taken as exponential (exact for M/M/c).
 */
export function stationWait(servers: number, perMs: number, serviceMs: number, serviceCv: number, arrivalCv = 1): StationWait {
  const a = perMs * serviceMs;
  const utilization = servers > 0 ? a / servers : Infinity;
  if (serviceMs <= 0 || perMs <= 0) return { utilization: 0, pWait: 0, meanWaitMs: 0, tailMeanMs: 0 };
  if (utilization >= 1) return { utilization, pWait: 1, meanWaitMs: Infinity, tailMeanMs: Infinity };
  const pWait = erlangC(servers, a);
  const tailMeanMs = ((arrivalCv ** 2 + serviceCv ** 2) / 2) / (servers / serviceMs - perMs);
  return { utilization, pWait, meanWaitMs: pWait * tailMeanMs, tailMeanMs };
}

/** One shape of a backend and the load on it. */
export interface Shape {
  /** Replicas behind nginx. */
  readonly replicas: number;
  /** uvicorn worker processes per replica. */
  readonly workers: number;
  /** Connections one worker's pool may hold (pool_size + max_overflow). */
  readonly pool: number;
}

/** What the model predicts for a shape at one arrival rate. */
export interface ShapePrediction {
  /** Requests per second reaching the busiest worker. */
  readonly workerRps: number;
  /** The worker's CPU: one server (one process). */
  readonly cpu: StationWait;
  /** The worker's connection pool: min(pool, threadpool cap) servers. */
  readonly pool: StationWait;
  /** Connections that can be busy at once in a worker: min(pool, threadpool cap). */
  readonly poolServers: number;
  /** Mean response time (waits plus service). */
  readonly meanMs: number;
  /** Little's law: requests in flight in the busiest worker (L = λ·W). */
  readonly inFlightPerWorker: number;
  /** The 99th percentile of the response time; Infinity when a station is saturated. */
  readonly p99Ms: number;
  /** Share of requests that wait longer than the pool timeout for a connection and fail. */
  readonly poolTimeoutShare: number;
}

/** Knobs of the runtime the model takes as given. */
export interface RuntimeFacts {
  /** Busiest worker's share of its replica's requests, times the worker count (1 = even). @default 1 */
  readonly workerImbalance?: number;
  /** @default {@link DEFAULT_POOL_TIMEOUT_MS} */
  readonly poolTimeoutMs?: number;
  /** @default {@link THREADPOOL_CAP} */
  readonly threadpoolCap?: number;
  /**
   * nginx hands each replica every R-th request (round_robin, and least_conn at least as
   * evenly). Splitting Poisson arrivals that way leaves a replica Erlang-R arrivals (squared
   * cv 1/R); its workers then split them at random by the accept race. False: random split
   * (hash, ip_hash), Poisson everywhere. @default true
   */
  readonly roundRobin?: boolean;
}

/**
 * Squared coefficient of variation of a worker's interarrival times: 1/R for a replica under
 * round robin, thinned at random over W workers (p·ca² + 1 − p, p = 1/W).
 */
export function arrivalScv(shape: Shape, facts: RuntimeFacts = {}): number {
  if (facts.roundRobin === false) return 1;
  const p = 1 / shape.workers;
  return p / shape.replicas + (1 - p);
}

/** The model's prediction for `shape` serving `rps` requests per second with `profile`. */
export function predict(shape: Shape, profile: ServiceProfile, rps: number, facts: RuntimeFacts = {}): ShapePrediction {
  const workerRps = (rps / (shape.replicas * shape.workers)) * (facts.workerImbalance ?? 1);
  const perMs = workerRps / 1000;
  const poolServers = Math.min(shape.pool, facts.threadpoolCap ?? THREADPOOL_CAP);
  const ca = Math.sqrt(arrivalScv(shape, facts));
  const cpu = stationWait(1, perMs, profile.appMs, profile.appCv, ca);
  const pool = stationWait(poolServers, perMs, profile.dbMs, profile.dbCv, ca);
  const meanMs = cpu.meanWaitMs + profile.appMs + pool.meanWaitMs + profile.dbMs;
  const saturated = cpu.utilization >= 1 || pool.utilization >= 1;
  const p99Ms = saturated ? Infinity : quantileOfSum(parts(cpu, pool, profile), 0.99);
  const timeout = facts.poolTimeoutMs ?? DEFAULT_POOL_TIMEOUT_MS;
  const poolTimeoutShare = saturated ? 1 : pool.pWait * Math.exp(-timeout / pool.tailMeanMs);
  return { workerRps, cpu, pool, poolServers, meanMs, inFlightPerWorker: perMs * meanMs, p99Ms, poolTimeoutShare };
}

function parts(cpu: StationWait, pool: StationWait, profile: ServiceProfile): TimeDistribution[] {
  return [queueWait(cpu.pWait, cpu.tailMeanMs), serviceTime(profile.appMs, profile.appCv), queueWait(pool.pWait, pool.tailMeanMs), serviceTime(profile.dbMs, profile.dbCv)];
}

/**
 * Whether `shape` keeps the p99 within `p99Ms` at `rps`: the planner's yes/no question,
 * answered without computing the p99 (a bound or one convolution up to the objective).
 */
export function meetsP99(shape: Shape, profile: ServiceProfile, rps: number, p99Ms: number, facts: RuntimeFacts = {}): boolean {
  const perMs = ((rps / (shape.replicas * shape.workers)) * (facts.workerImbalance ?? 1)) / 1000;
  const ca = Math.sqrt(arrivalScv(shape, facts));
  const cpu = stationWait(1, perMs, profile.appMs, profile.appCv, ca);
  const pool = stationWait(Math.min(shape.pool, facts.threadpoolCap ?? THREADPOOL_CAP), perMs, profile.dbMs, profile.dbCv, ca);
  if (cpu.utilization >= 1 || pool.utilization >= 1) return false;
  return meetsQuantile(parts(cpu, pool, profile), p99Ms, 0.99);
}

/** The arrival rate at which the first station of the busiest worker reaches 100% (requests per second). */
export function saturationRps(shape: Shape, profile: ServiceProfile, facts: RuntimeFacts = {}): number {
  const poolServers = Math.min(shape.pool, facts.threadpoolCap ?? THREADPOOL_CAP);
  const perWorker = Math.min(profile.appMs > 0 ? 1000 / profile.appMs : Infinity, profile.dbMs > 0 ? (1000 * poolServers) / profile.dbMs : Infinity);
  return (perWorker * shape.replicas * shape.workers) / (facts.workerImbalance ?? 1);
}

/** The highest rate whose predicted p99 is within `p99Ms` (0 when even an idle shape misses it). */
export function maxRpsWithin(shape: Shape, profile: ServiceProfile, p99Ms: number, facts: RuntimeFacts = {}): number {
  return highestRate(shape, profile, facts, (p) => p.p99Ms <= p99Ms);
}

/** The rate at which `share` of requests (1% by default) time out waiting for a connection. */
export function poolTimeoutOnsetRps(shape: Shape, profile: ServiceProfile, facts: RuntimeFacts = {}, share = 0.01): number {
  return highestRate(shape, profile, facts, (p) => p.poolTimeoutShare <= share);
}

/** Bisection for the highest rate below saturation where `ok` holds (it holds at low rates, fails at high). */
function highestRate(shape: Shape, profile: ServiceProfile, facts: RuntimeFacts, ok: (p: ShapePrediction) => boolean): number {
  const top = saturationRps(shape, profile, facts);
  if (!Number.isFinite(top)) return Infinity;
  if (!ok(predict(shape, profile, top * 1e-6, facts))) return 0;
  let lo = top * 1e-6;
  let hi = top;
  for (let i = 0; i < 40 && hi - lo > top * 1e-5; i++) {
    const mid = (lo + hi) / 2;
    if (ok(predict(shape, profile, mid, facts))) lo = mid;
    else hi = mid;
  }
  return lo;
}
