/**
 * Drives a stack through nginx until every worker process has opened its whole pool (or
 * the server refuses), recording each worker's pid and pool use per response.
 */
import type { E2eStack } from './harness.js';
import { LoadClient, type Reply } from './load.js';

/** How a refused connection reads in the app's error body. */
export const PG_REFUSED = /remaining connection slots are reserved|too many clients already/;
export const REDIS_REFUSED = /max number of clients reached/;

export interface SaturateOptions {
  /** `/api/slow?seconds=…` or `/api/redis-hold?seconds=…`. */
  readonly path: string;
  /** Virtual users; about 40 per replica fills 2 workers' pools of 3 (see toolchain.md). */
  readonly concurrency: number;
  /** Worker processes in the stack: replicas × workers. */
  readonly workers: number;
  /** Connections one worker's pool may open: size + overflow for Postgres, the pool size for Redis. */
  readonly capPerWorker: number;
  /** Reads a reply's pool use (connections open or checked out in that worker). */
  readonly poolUse: (r: Reply) => number | undefined;
  /** The observed peak of server-side connections so far. */
  readonly peak: () => number;
  /** Stop once the peak reaches this (and every worker is at its cap, or enough refusals were seen). */
  readonly predictedPeak: number;
  /** Stop once this many refusals were seen and the peak was reached (the over-budget runs). */
  readonly stopAfterRefusals?: number;
  readonly refused: RegExp;
  /**
   * Give up after this long.
   *
   * @default 40_000
   */
  readonly deadlineMs?: number;
  /**
   * Start the virtual users one by one over this long (see `closedLoop`).
   *
   * @default 25 ms per user
   */
  readonly rampMs?: number;
  /**
   * Add more users every this long while the goal is not reached.
   *
   * @default 5_000
   */
  readonly escalateMs?: number;
  /**
   * At most this many users.
   *
   * @default 2 × concurrency
   */
  readonly maxConcurrency?: number;
}

export interface Saturation {
  readonly replies: readonly Reply[];
  /** Highest pool use each worker pid reported. */
  readonly perWorker: ReadonlyMap<number, number>;
  /** Replies whose body says the server refused a connection. */
  readonly refusals: readonly Reply[];
  /** Other failed replies. */
  readonly otherFailures: readonly Reply[];
  readonly peak: number;
  /** Virtual users at the end. */
  readonly users: number;
  readonly ms: number;
}

export async function saturate(h: E2eStack, o: SaturateOptions): Promise<Saturation> {
  const maxUsers = o.maxConcurrency ?? 2 * o.concurrency;
  const client = new LoadClient(maxUsers);
  const perWorker = new Map<number, number>();
  const replies: Reply[] = [];
  let refusals = 0;
  const start = Date.now();
  const deadline = start + (o.deadlineMs ?? 40_000);
  const everyWorkerFull = () => perWorker.size >= o.workers && [...perWorker.values()].every((v) => v >= o.capPerWorker);
  const reached = () => o.peak() >= o.predictedPeak;
  const done = () =>
    Date.now() > deadline ||
    (o.stopAfterRefusals !== undefined ? refusals >= o.stopAfterRefusals && reached() : everyWorkerFull() && reached());
  const onReply = (r: Reply) => {
    replies.push(r);
    const pid = r.json?.['pid'];
    const use = o.poolUse(r);
    if (r.status === 200 && typeof pid === 'number' && use !== undefined) perWorker.set(pid, Math.max(perWorker.get(pid) ?? 0, use));
    if (o.refused.test(r.body)) refusals++;
  };
  const rampMs = o.rampMs ?? 25 * o.concurrency;
  const users: Promise<void>[] = [];
  /** Adds `n` virtual users, started one by one over the ramp. */
  const addUsers = (n: number) => {
    for (let i = 0; i < n; i++) {
      users.push(
        (async () => {
          await sleep((rampMs * i) / n);
          while (!done()) onReply(await client.get(h.url(o.path)));
        })(),
      );
    }
  };
  try {
    addUsers(o.concurrency);
    // Each new upstream connection is one more accept race between the workers; a worker
    // that lost the first ones may hold too few of nginx's kept-alive connections to fill
    // its pool. More users mean more connections, until every worker has its share.
    let escalated = Date.now();
    while (!done()) {
      await sleep(100);
      if (!done() && users.length < maxUsers && Date.now() - escalated >= (o.escalateMs ?? 5_000)) {
        addUsers(Math.min(Math.ceil(o.concurrency / 2), maxUsers - users.length));
        escalated = Date.now();
      }
    }
    await Promise.all(users);
    return {
      replies,
      perWorker,
      refusals: replies.filter((r) => o.refused.test(r.body)),
      otherFailures: replies.filter((r) => r.status !== 200 && !o.refused.test(r.body)),
      peak: o.peak(),
      users: users.length,
      ms: Date.now() - start,
    };
  } finally {
    client.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A one-line summary for assertion messages. */
export function describeRun(s: Saturation): string {
  const workers = [...s.perWorker].map(([pid, n]) => `${pid}:${n}`).join(' ');
  return `${s.replies.length} replies in ${s.ms} ms from ${s.users} users, peak ${s.peak}, per worker {${workers}}, refusals ${s.refusals.length}, other failures ${s.otherFailures.length}${
    s.otherFailures[0] ? ` (first: ${s.otherFailures[0].status} ${s.otherFailures[0].body.slice(0, 160)})` : ''
  }`;
}

/** Samples `count()` every `everyMs` ms in the background and keeps the highest value. */
export class PeakSampler {
  public peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(count: () => number, everyMs = 20) {
    this.peak = count();
    this.timer = setInterval(() => {
      const n = count();
      if (n > this.peak) this.peak = n;
    }, everyMs);
  }
  public stop(): void {
    clearInterval(this.timer);
  }
}

/** What `saturatePostgres` needs beyond the stack: the load and its expected outcome. */
export type PostgresSaturateOptions = Pick<
  SaturateOptions,
  'concurrency' | 'workers' | 'capPerWorker' | 'predictedPeak' | 'refused' | 'stopAfterRefusals'
>;

/**
 * Saturates `h` through `/api/slow` (each request holds one pooled connection) while a
 * walsender session, which takes no connection slot, tracks the app role's peak on
 * PostgreSQL. The monitor lives exactly as long as the run.
 */
export async function saturatePostgres(h: E2eStack, o: PostgresSaturateOptions): Promise<Saturation> {
  const monitor = await h.pg!.monitor();
  monitor.track();
  try {
    return await saturate(h, {
      ...o,
      path: '/api/slow?seconds=0.5',
      poolUse: (r) => r.json?.['pool']?.['checked_out'],
      peak: () => monitor.peak,
    });
  } finally {
    monitor.close();
  }
}
