/**
 * Issue 15: the reference backend survives a Postgres restart. Its pools check a connection
 * on checkout (`pool_pre_ping`), so once the restarted server accepts connections again not
 * one request fails, although every pooled connection died with the old server.
 *
 * Requests go to the replicas directly: nginx retries a 503 on another replica and would hide
 * a failure. The contrast case turns the ping off (DB_POOL_PRE_PING=0) and restarts while no
 * request runs: then the first request on each worker draws a dead connection and fails, so
 * the zero above is the ping's doing.
 */
import { describe, expect, it } from 'vitest';
import { E2eStack } from './harness.js';
import { sharedStack } from './lifecycle.js';
import { closedLoop, failures, LoadClient, type Reply } from './load.js';
import { e2eModel } from './stacks.js';

const CONCURRENCY = 8;
const REPLICAS = 2;
const WORKERS = 2;
const stack = sharedStack(async () => ({
  h: await E2eStack.start(e2eModel({ backend: { replicas: REPLICAS, workers: WORKERS, pool: { size: 3, maxOverflow: 2 }, redisPool: 0 } }).stack),
}));

/** One pooled DB round trip per request, on the replicas in turn. */
const urlOf = (h: E2eStack) => (i: number) => `http://127.0.0.1:${h.replicas[i % h.replicas.length]!.port}/api/slow?seconds=0.005`;

describe('the reference backend across a Postgres restart', () => {
  it('under load: 0 failed requests once the restarted server accepts connections again', async () => {
    const { h } = await stack.get();
    const client = new LoadClient(CONCURRENCY);
    const url = urlOf(h);
    const replies: Reply[] = [];
    const start = Date.now();
    let acceptedAt = Number.POSITIVE_INFINITY;
    let stopAt = Number.POSITIVE_INFINITY;
    let afterAccept = 0;
    const chaos = (async () => {
      // Every worker's pool holds live connections before the restart.
      while (replies.length < 400 && Date.now() - start < 20_000) await new Promise((r) => setTimeout(r, 20));
      const before = h.pg!.group.pid;
      await h.pg!.restart();
      expect(h.pg!.group.pid).not.toBe(before);
      acceptedAt = Date.now();
    })();
    const loop = closedLoop(
      client,
      CONCURRENCY,
      (sent) => (Date.now() < stopAt && sent < 50_000 && Date.now() - start < 60_000 ? url(sent) : undefined),
      (r) => {
        replies.push(r);
        if (r.sentAt >= acceptedAt && ++afterAccept >= 800) stopAt = Date.now();
      },
    );
    await chaos;
    await loop;
    client.close();
    const after = replies.filter((r) => r.sentAt >= acceptedAt);
    expect(after.length).toBeGreaterThanOrEqual(800);
    expect(failures(after)).toEqual([]);
    // Every replica answered after the restart.
    expect(new Set(after.map((r) => r.url.split('/api')[0])).size).toBe(REPLICAS);
  }, 90_000);

  it('contrast: without the checkout ping, the first request on a dead pooled connection fails', async () => {
    const { h } = await stack.get();
    for (const r of h.replicas) {
      await h.killReplica(r, 'SIGTERM');
      await h.startReplica(r, { DB_POOL_PRE_PING: '0' });
    }
    const client = new LoadClient(CONCURRENCY);
    const url = urlOf(h);
    // Fill the pools, then restart with no request in flight.
    const warm = await closedLoop(client, CONCURRENCY, (sent) => (sent < 200 ? url(sent) : undefined));
    expect(failures(warm)).toEqual([]);
    await h.pg!.restart();
    const after = await closedLoop(client, CONCURRENCY, (sent) => (sent < 200 ? url(sent) : undefined));
    client.close();
    expect(after.filter((r) => r.status !== 200).length).toBeGreaterThan(0);
  }, 90_000);

  stack.itLeavesNothingBehind();
});
