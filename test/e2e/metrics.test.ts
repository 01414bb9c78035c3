/**
 * The reference backend's /metrics covers every uvicorn worker of a replica. With W workers a
 * scrape reaches one of them; prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR,
 * which the Dockerfile sets and the harness mirrors) sums them. The dashboards and the pool
 * alerts read these series, so 1/W of the truth would hide the pool exhaustion they watch.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Replica } from './harness.js';
import { stackPerTest } from './lifecycle.js';
import { LoadClient, type Reply } from './load.js';
import { groupMembers, sleep, waitFor } from './processes.js';
import { describeRun, PG_REFUSED, saturatePostgres } from './saturate.js';
import { e2eModel } from './stacks.js';

const WORKERS = 3;
const POOL = { size: 2, maxOverflow: 2 };
const CAP_PER_WORKER = POOL.size + POOL.maxOverflow;

const stacks = stackPerTest();

/** One scrape of a replica, as name{labels} → value. */
async function scrape(r: Replica): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${r.port}/metrics`, { signal: AbortSignal.timeout(3_000) });
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** The sum of every series of `name` whose labels contain `labelText`. */
function total(samples: Map<string, number>, name: string, labelText = ''): number {
  let sum = 0;
  for (const [key, v] of samples) if ((key === name || key.startsWith(`${name}{`)) && key.includes(labelText)) sum += v;
  return sum;
}

/** The replica's uvicorn workers: its multiprocessing children, not the resource tracker. */
function workerPids(r: Replica): number[] {
  return groupMembers(r.group.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spawn_main');
    } catch {
      return false;
    }
  });
}

describe('a replica’s /metrics covers all its uvicorn workers', () => {
  it('sums the pool gauges and counters over the workers, and drops the gauges of a killed worker', async () => {
    // GIVEN one replica with 3 workers, each allowed 2 + 2 pooled connections
    const model = e2eModel({ backend: { replicas: 1, workers: WORKERS, pool: POOL } });
    const h = await stacks.start(model.stack);
    const replica = h.replicas[0]!;
    expect(workerPids(replica)).toHaveLength(WORKERS);
    const slowBefore = total(await scrape(replica), 'http_requests_total', 'path="/api/slow"');

    // WHEN every worker fills its pool, while the replica is scraped all along
    let gaugeMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        gaugeMax = Math.max(gaugeMax, total(await scrape(replica), 'backend_db_pool_checked_out'));
        await sleep(25);
      }
    })();
    const run = await saturatePostgres(h, {
      concurrency: 30,
      workers: WORKERS,
      capPerWorker: CAP_PER_WORKER,
      predictedPeak: WORKERS * CAP_PER_WORKER,
      refused: PG_REFUSED,
    });
    sampling = false;
    await sampler;
    expect(run.perWorker.size, describeRun(run)).toBe(WORKERS);
    expect(run.otherFailures, describeRun(run)).toEqual([]);

    // THEN the gauge went beyond what one worker's pool can hold, and never beyond the replica's
    expect(gaugeMax, describeRun(run)).toBeGreaterThan(CAP_PER_WORKER);
    expect(gaugeMax).toBeLessThanOrEqual(WORKERS * CAP_PER_WORKER);
    // and the request counter counts every worker's requests, exactly. A worker counts a
    // request just after sending its response, so the last count may trail the last reply.
    const after = await waitFor('the counter holds every reply', async () => {
      const samples = await scrape(replica);
      const counted = total(samples, 'http_requests_total', 'path="/api/slow"') - slowBefore;
      if (counted !== run.replies.length) throw new Error(`counted ${counted} of ${run.replies.length} replies`);
      return samples;
    }, 5_000);
    expect(total(after, 'backend_db_pool_checked_out')).toBe(0);

    // WHEN connections are held in more than one worker, and all workers but one are killed
    const client = new LoadClient(2 * WORKERS * CAP_PER_WORKER);
    try {
      // One hold at a time, each on a new connection: every connection is a separate accept
      // race between the workers, where a burst mostly goes to whichever wakes first.
      const holds: Promise<Reply>[] = [];
      await waitFor(
        'connections held in more than one worker',
        async () => {
          if (total(await scrape(replica), 'backend_db_pool_checked_out') > CAP_PER_WORKER) return true;
          if (holds.length < 4 * WORKERS * CAP_PER_WORKER) holds.push(client.get(`http://127.0.0.1:${replica.port}/api/slow?seconds=2`));
          return undefined;
        },
        20_000,
      );
      const [survivor, ...victims] = workerPids(replica);
      for (const pid of victims) process.kill(pid, 'SIGKILL');
      await Promise.all(holds);
      expect(workerPids(replica)).toEqual([survivor]);

      // THEN once the survivor's holds end, the replica holds nothing: the dead workers'
      // last gauge values are gone, while their requests still count
      // Its queued holds run 2 s each, CAP_PER_WORKER at a time.
      await waitFor('the survivor released its connections', async () => (total(await scrape(replica), 'backend_db_pool_checked_out') === 0 ? true : undefined), 30_000);
      // and nothing is in flight but this scrape (the survivor's last dec trails its reply)
      const final = await waitFor('only the scrape in flight', async () => {
        const samples = await scrape(replica);
        const active = total(samples, 'backend_connections_active');
        if (active !== 1) throw new Error(`${active} requests in flight`);
        return samples;
      }, 5_000);
      expect(total(final, 'http_requests_total', 'path="/api/slow"')).toBeGreaterThanOrEqual(total(after, 'http_requests_total', 'path="/api/slow"'));
    } finally {
      client.close();
    }
  }, 120_000);
});
