/**
 * Failover through real nginx: a replica is killed (SIGKILL, as a crash) under a bounded
 * load of idempotent GETs and started again at once.
 * - Not one GET fails: nginx retries on another replica (`proxy_next_upstream error …`).
 * - After `max_fails` failures the replica is out for `fail_timeout`: it takes no traffic,
 *   even once it is healthy again, until that time has passed; then it takes its share.
 * A replica that is up but answers 503 is retried around as well. nginx's default
 * `proxy_next_upstream error timeout` covers a dead replica; only the rendered
 * `http_502 http_503 http_504` covers this one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2eStack } from './harness.js';
import { sharedStack } from './lifecycle.js';
import { closedLoop, countBy, failures, LoadClient, sequential, type Reply } from './load.js';
import { e2eModel } from './stacks.js';

const MIN_REQUESTS = 2_000;
const FAIL_TIMEOUT_S = 5;
const CONCURRENCY = 6;
const stack = sharedStack(async () => ({
  h: await E2eStack.start(e2eModel({ backend: { replicas: 3, workers: 1 }, nginx: { maxFails: 2, failTimeout: `${FAIL_TIMEOUT_S}s`, upstreamAddrHeader: true } }).stack),
}));


describe('failover through real nginx', () => {
  it(`a replica killed under ${MIN_REQUESTS}+ GETs: zero failures, and it is out for fail_timeout`, async () => {
    const { h } = await stack.get();
    expect(h.nginxes[0]!.conf).toContain(`max_fails=2 fail_timeout=${FAIL_TIMEOUT_S}s;`);
    expect(h.nginxes[0]!.conf).toContain('proxy_next_upstream error timeout http_502 http_503 http_504;');
    const victim = h.replicas[1]!;
    const client = new LoadClient(CONCURRENCY);
    const start = Date.now();
    let killedAt = 0;
    let readyAt = 0;
    let loadEnd = Number.POSITIVE_INFINITY;
    const replies: Reply[] = [];

    // WHEN the load runs, and after 600 requests one replica is killed and restarted
    const chaos = (async () => {
      while (Date.now() - start < 15_000) {
        await new Promise((r) => setTimeout(r, 20));
        if (replies.length >= 600) break;
      }
      killedAt = Date.now();
      await h.killReplica(victim);
      await h.startReplica(victim);
      readyAt = Date.now();
      // keep the load on until well after fail_timeout, so the replica's return is seen
      loadEnd = Math.max(killedAt, readyAt) + (FAIL_TIMEOUT_S + 3) * 1_000;
    })();
    const loop = closedLoop(
      client,
      CONCURRENCY,
      (sent) => (sent < MIN_REQUESTS || Date.now() < loadEnd) && sent < 40_000 && Date.now() - start < 60_000 ? h.url('/api/health') : undefined,
      (r) => replies.push(r),
    );
    await chaos;
    await loop;
    client.close();
    const fromVictim = replies.filter((r) => r.json?.['instance'] === victim.instance);
    const after = fromVictim.filter((r) => r.sentAt > killedAt).sort((a, b) => a.doneAt - b.doneAt);
    const back = after[0] ? after[0].doneAt - killedAt : undefined;
    const msg = `${replies.length} replies; killed at +${killedAt - start} ms, healthy again ${readyAt - killedAt} ms after the kill, first traffic again ${back} ms after; ${JSON.stringify([...countBy(replies)])}`;
    console.info('failover:', msg);

    // THEN the load was bounded and large enough, and not one GET failed
    expect(replies.length, msg).toBeGreaterThanOrEqual(MIN_REQUESTS);
    // A crash can cut a response whose status and headers nginx has already passed on; no
    // proxy can retry that one. Such a reply must come from the killed replica and have been
    // in flight at the kill. Any other failure (a 502 from nginx, say) fails the test.
    const victimAddr = `127.0.0.1:${victim.port}`;
    const cut = replies.filter((r) => r.cut && String(r.headers['x-upstream-addr']).endsWith(victimAddr) && r.sentAt <= killedAt && r.doneAt >= killedAt);
    if (cut.length) console.info(`failover: ${cut.length} response(s) cut mid-body by the crash`, cut.map((r) => r.error));
    expect(cut.length, msg).toBeLessThanOrEqual(CONCURRENCY);
    expect(failures(replies.filter((r) => !cut.includes(r))), msg).toEqual([]);
    // The restart came back within fail_timeout, so the hold-out below is nginx's doing.
    expect(readyAt - killedAt, msg).toBeLessThan(FAIL_TIMEOUT_S * 1_000);

    // The replica takes no traffic until it is back and fail_timeout has passed
    expect(back, `${msg}; the replica never took traffic again`).toBeDefined();
    expect(back!, msg).toBeGreaterThanOrEqual(FAIL_TIMEOUT_S * 1_000);
    // and then it takes its share again
    const late = replies.filter((r) => r.sentAt > after[0]!.doneAt + 500);
    const share = late.filter((r) => r.json?.['instance'] === victim.instance).length / late.length;
    expect(share, msg).toBeGreaterThan(0.2);
  }, 90_000);

  it('a replica answering 503 (its database password is wrong) is skipped: zero failed GETs', async () => {
    const { h } = await stack.get();
    // GIVEN one replica that is up but unhealthy: /api/health answers 503
    const sick = h.replicas[2]!;
    const wrong = join(h.dir, 'secrets', 'wrong-password');
    writeFileSync(wrong, 'not-the-password\n');
    await h.killReplica(sick);
    await h.startReplica(sick, { DB_PASSWORD_FILE: wrong });
    const direct = await fetch(`http://127.0.0.1:${sick.port}/api/health`);
    expect(direct.status).toBe(503);
    expect(await direct.text()).toContain('password authentication failed');

    // WHEN GETs go through nginx
    const client = new LoadClient(4);
    const replies = await sequential(client, 300, () => h.url('/api/health'));
    client.close();

    // THEN nginx retried every 503 on a healthy replica (proxy_next_upstream http_503)
    expect(failures(replies)).toEqual([]);
    expect(countBy(replies).get(sick.instance) ?? 0).toBe(0);

    await h.killReplica(sick);
    await h.startReplica(sick);
  }, 60_000);

  stack.itLeavesNothingBehind();
});
