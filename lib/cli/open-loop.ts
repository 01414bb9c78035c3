/**
 * An open-loop load generator: arrivals are scheduled by the clock (Poisson, seeded), and a
 * request is sent at its time whether or not earlier ones have answered, as real clients
 * arrive. A closed loop (each client waits for its reply) slows down with the server and
 * hides the queue the planner predicts. Latency counts from the scheduled time, so a late
 * send (a busy event loop) counts against the measurement, not for it.
 */
import type { Agent } from 'node:http';

/** One request's outcome. */
export interface Arrival {
  /** Milliseconds from the start of the run at which it was due. */
  readonly dueMs: number;
  /** Milliseconds from due to the end of the response (Infinity when it failed without one). */
  readonly latencyMs: number;
  /** HTTP status, 0 without a response. */
  readonly status: number;
  /** The response body, with `keepBodies`. */
  readonly body?: string;
}

/** What to send. */
export interface OpenLoopOptions {
  readonly url: string;
  /** Mean arrivals per second. */
  readonly rps: number;
  readonly durationMs: number;
  /** Seed of the interarrival draws. @default 1 */
  readonly seed?: number;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Arrivals due before this are sent but not returned: the queue starts empty, and its
   * first seconds would flatter the server. @default 0
   */
  readonly warmupMs?: number;
  /** Keep each response body (e.g. to count which process answered). @default false */
  readonly keepBodies?: boolean;
}

/** mulberry32: seeded, so a rerun sends the same schedule (the queue simulation in the tests draws from it too). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the schedule and resolves with every arrival once all have answered or failed. */
export async function openLoop(o: OpenLoopOptions): Promise<Arrival[]> {
  const r = rng(o.seed ?? 1);
  const due: number[] = [];
  const warmup = o.warmupMs ?? 0;
  for (let t = -Math.log(1 - r()) * (1000 / o.rps); t < warmup + o.durationMs; t += -Math.log(1 - r()) * (1000 / o.rps)) due.push(t);
  // Imported here, not at the top: synth and plan never load the HTTP stack.
  const { Agent, request } = await import('node:http');
  // No socket limit: a limit would queue requests in the client, a closed loop in disguise.
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const start = performance.now();
  const pending: Promise<Arrival>[] = [];
  try {
    let next = 0;
    while (next < due.length) {
      const now = performance.now() - start;
      while (next < due.length && due[next]! <= now) pending.push(send(request, agent, o.url, start, due[next++]!, o.timeoutMs ?? 30_000, o.keepBodies === true));
      if (next < due.length) await new Promise((res) => setTimeout(res, Math.max(0, Math.min(5, due[next]! - (performance.now() - start)))));
    }
    return (await Promise.all(pending)).filter((a) => a.dueMs >= warmup);
  } finally {
    agent.destroy();
  }
}

function send(request: typeof import('node:http').request, agent: Agent, url: string, start: number, dueMs: number, timeoutMs: number, keep: boolean): Promise<Arrival> {
  return new Promise((resolve) => {
    let body = '';
    const done = (status: number) =>
      resolve({ dueMs, latencyMs: status === 0 ? Infinity : performance.now() - start - dueMs, status, ...(keep ? { body } : {}) });
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (keep) body += chunk;
      });
      res.on('end', () => done(res.statusCode ?? 0));
      res.on('error', () => done(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(0));
    req.end();
  });
}

/** The `q` quantile of the latencies of `arrivals` (failures count as infinitely slow). */
export function latencyQuantile(arrivals: readonly Arrival[], q: number): number {
  const xs = arrivals.map((a) => (a.status === 200 ? a.latencyMs : Infinity)).sort((a, b) => a - b);
  return xs.length === 0 ? NaN : xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
}
