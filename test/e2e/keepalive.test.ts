/**
 * Upstream keepalive through real nginx: over 2,000 requests the backends accept far fewer
 * TCP connections than requests. Each reply names the peer (nginx's address and port) of
 * the connection it came in on, so distinct (replica, peer) pairs are the connections the
 * backends accepted.
 */
import { describe, expect, it } from 'vitest';
import { E2eStack } from './harness.js';
import { sharedStack } from './lifecycle.js';
import { closedLoop, LoadClient } from './load.js';
import { e2eModel } from './stacks.js';

const REQUESTS = 2_000;
const CONCURRENCY = 8;
const stack = sharedStack(async () => ({
  h: await E2eStack.start(e2eModel({ backend: { replicas: 3, workers: 2 }, nginx: { keepalive: 16 } }).stack),
}));


describe('upstream keepalive through real nginx', () => {
  it(`${REQUESTS} requests reuse a few upstream connections`, async () => {
    const { h } = await stack.get();
    expect(h.nginxes[0]!.conf).toContain('keepalive 16;');
    const client = new LoadClient(CONCURRENCY);
    const replies = await closedLoop(client, CONCURRENCY, (sent) => (sent < REQUESTS ? h.url('/api/health') : undefined));
    client.close();
    expect(replies).toHaveLength(REQUESTS);
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const connections = new Set(replies.map((r) => `${r.json?.['instance']} ${r.json?.['peer']}`));
    const perReplica = new Map<string, number>();
    for (const c of connections) perReplica.set(c.split(' ')[0]!, (perReplica.get(c.split(' ')[0]!) ?? 0) + 1);
    console.info(`keepalive: ${REQUESTS} requests over ${connections.size} upstream connections`, Object.fromEntries(perReplica));
    // Every replica served traffic, over connections nginx kept open.
    expect(perReplica.size).toBe(3);
    // At most CONCURRENCY requests are in flight, so nginx needs about that many connections;
    // without keepalive it would open one per request.
    expect(connections.size).toBeLessThanOrEqual(REQUESTS / 20);
  }, 60_000);

  stack.itLeavesNothingBehind();
});
