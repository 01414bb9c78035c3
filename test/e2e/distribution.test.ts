/**
 * Distribution through real nginx: the conf rendered for nginx 1.22 and three loopback
 * replicas of the reference backend. One set of replicas, one nginx per balancing method.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { E2eStack } from './harness.js';
import { sharedStack } from './lifecycle.js';
import { countBy, LoadClient, sequential, type Reply } from './load.js';
import { devContext, e2eModel } from './stacks.js';

const REPLICAS = 3;
const client = new LoadClient(8);
const stack = sharedStack(async () => {
  const h = await E2eStack.start(e2eModel({ backend: { replicas: REPLICAS, workers: 1 } }).stack);
  const leastConn = await h.addNginx(devContext(e2eModel({ backend: { replicas: REPLICAS }, nginx: { algorithm: 'least_conn' } }).stack));
  const hash = await h.addNginx(
    devContext(e2eModel({ backend: { replicas: REPLICAS }, nginx: { algorithm: 'hash', hashKey: '$request_uri', hashConsistent: true } }).stack),
  );
  return { h, leastConn, hash };
});

afterAll(async () => {
  client.close();
}, 60_000);

const instanceOf = (r: Reply) => r.json?.['instance'] as string | undefined;

describe('distribution through real nginx', () => {
  it('round_robin: 300 GETs over 3 replicas give each 100 ± 10%', async () => {
    const { h } = await stack.get();
    expect(h.nginxes[0]!.conf).not.toMatch(/least_conn|hash /);
    const replies = await sequential(client, 300, () => h.url('/api/health'));
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const counts = countBy(replies, instanceOf);
    expect([...counts.keys()]).toEqual(['backend-1', 'backend-2', 'backend-3']);
    for (const [instance, n] of counts) {
      expect(n, `${instance}: ${n} of 300`).toBeGreaterThanOrEqual(90);
      expect(n, `${instance}: ${n} of 300`).toBeLessThanOrEqual(110);
    }
  }, 60_000);

  it('least_conn: requests go to the idle replicas, not the one held busy', async () => {
    const { leastConn } = await stack.get();
    expect(leastConn.conf).toContain('least_conn;');
    // GIVEN one replica busy with a slow request through this nginx
    const busy = client.get(leastConn.url('/api/slow?seconds=2'));
    await new Promise((r) => setTimeout(r, 300));
    // WHEN quick requests arrive while it is busy
    const quick = await sequential(client, 60, () => leastConn.url('/api/health'));
    const slow = await busy;
    expect(slow.status).toBe(200);
    expect(quick.every((r) => r.doneAt < slow.doneAt), 'the quick requests ran while the slow one was held').toBe(true);
    // THEN the busy replica gets none of them and the two idle ones share them
    const counts = countBy(quick, instanceOf);
    const held = instanceOf(slow)!;
    expect(counts.get(held) ?? 0, `counts ${JSON.stringify([...counts])}, busy ${held}`).toBe(0);
    expect([...counts.values()]).toEqual([30, 30]);
  }, 60_000);

  it('hash $request_uri consistent: each URI goes to one replica every time', async () => {
    const { hash } = await stack.get();
    expect(hash.conf).toContain('hash $request_uri consistent;');
    // 32 keys, every other round in reverse: round robin could never answer a key from one
    // replica every time (30 keys in a fixed order would line up with 3 replicas by chance).
    const uris = Array.from({ length: 32 }, (_, i) => `/api/health?key=${i}`);
    const replies: Reply[] = [];
    for (let round = 0; round < 5; round++) {
      const order = round % 2 ? [...uris].reverse() : uris;
      replies.push(...(await sequential(client, order.length, (i) => hash.url(order[i]!))));
    }
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    const byUri = new Map<string, Set<string>>();
    for (const r of replies) {
      const uri = new URL(r.url).search;
      byUri.set(uri, (byUri.get(uri) ?? new Set()).add(instanceOf(r)!));
    }
    const spread = [...byUri].filter(([, s]) => s.size !== 1).map(([u, s]) => `${u} → ${[...s].join(',')}`);
    expect(spread, 'URIs answered by more than one replica').toEqual([]);
    // and the keys really are spread over the replicas, not all pinned to one
    const used = new Set([...byUri.values()].map((s) => [...s][0]));
    expect(used.size).toBe(REPLICAS);
  }, 60_000);

  stack.itLeavesNothingBehind();
});
