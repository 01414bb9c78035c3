/**
 * `scaleout verify` for real: against the e2e stack (three replicas of the reference backend
 * behind the rendered nginx), and on the fixed ports fetch refuses.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collect, httpGetter } from '../../lib/cli/verify.js';
import { cliAsync as cli } from '../helpers/cli.js';
import { E2eStack } from './harness.js';
import { sharedStack } from './lifecycle.js';
import { devContext, e2eModel } from './stacks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('verify over the network', () => {
  it("works on ports fetch refuses (WHATWG 'bad ports', e.g. 6666 or 10080)", async () => {
    const server = createServer((_req, res) => res.end(JSON.stringify({ instance: 'only' })));
    let port: number | undefined;
    for (const p of [6666, 6667, 6668, 6669, 10080, 6000]) {
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(p, '127.0.0.1', () => resolve(true));
      });
      if (ok) {
        port = p;
        break;
      }
    }
    try {
      expect(port, 'no bad port was free to listen on').toBeDefined();
      await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow('fetch failed');
      const r = await cli('verify', '--url', `http://127.0.0.1:${port}`, '--requests', '3', '--expect-instances', '1');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('verify against the e2e stack', () => {
  const stack = sharedStack(async () => {
    const h = await E2eStack.start(e2eModel({ backend: { replicas: 3, workers: 1 } }).stack);
    const withHeader = await h.addNginx(devContext(e2eModel({ backend: { replicas: 3 }, nginx: { upstreamAddrHeader: true } }).stack));
    const hash = await h.addNginx(devContext(e2eModel({ backend: { replicas: 3 }, nginx: { algorithm: 'hash' } }).stack));
    return { h, withHeader, hash };
  });

  it('passes: 300 requests, 3 instances, 100 each', async () => {
    const { h } = await stack.get();
    const r = await cli('verify', '--url', h.url('/'), '--requests', '300', '--expect-instances', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`300 requests to ${h.url('/api/health')}`);
    for (const i of ['backend-1', 'backend-2', 'backend-3']) expect(r.stdout).toMatch(new RegExp(`^${i}\\s+100\\s+33\\.3%\\s+\\+0\\.0%$`, 'm'));
    expect(r.stdout).toMatch(/3 instances answered \(expected 3\); skew 0\.0% \(max 20%\); 0 failed\nOK\n$/);
  }, 60_000);

  it('fails when more instances are expected than answer (4 of 3)', async () => {
    const { h } = await stack.get();
    const r = await cli('verify', '--url', h.url('/'), '--requests', '30', '--expect-instances', '4');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('scaleout: verify failed: 3 instances answered, expected 4\n');
    expect(r.stdout).toMatch(/FAIL\n$/);
  }, 60_000);

  it('fails on a tight skew: 10 round-robin requests over 3 replicas are 4/3/3', async () => {
    const { h } = await stack.get();
    const r = await cli('verify', '--url', h.url('/'), '--requests', '10', '--expect-instances', '3', '--max-skew', '5');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('scaleout: verify failed: skew 20.0% is over --max-skew 5%\n');
  }, 60_000);

  it('fails under hash $request_uri: one URI always reaches one instance', async () => {
    const { hash } = await stack.get();
    const r = await cli('verify', '--url', hash.url('/'), '--path', '/api/health', '--requests', '30', '--expect-instances', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 instance answered, expected 3');
  }, 60_000);

  it('counts by X-Upstream-Addr when nginx adds it, and the header names the loopback replicas', async () => {
    const { h, withHeader } = await stack.get();
    const res = await fetch(withHeader.url('/api/health'));
    expect(res.headers.get('x-upstream-addr')).toMatch(/^127\.0\.0\.1:\d+$/);
    const ports = new Set(h.replicas.map((r) => `127.0.0.1:${r.port}`));
    const http = await httpGetter();
    const byHeader = await collect({ url: withHeader.url('/api/health'), requests: 30, expectInstances: 3, maxSkew: 20 }, async (url, timeoutMs) => {
      // Drop the body so only the header can name the instance.
      const real = await http.get(url, timeoutMs);
      return { ...real, body: 'ok' };
    });
    http.close();
    expect(byHeader.problems).toEqual([]);
    expect(new Set(byHeader.counts.keys())).toEqual(ports);
  }, 60_000);

  it('through the bin entry: the exit code comes from the awaited check', async () => {
    const { h } = await stack.get();
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/cli/main.ts'), 'verify', ...args], { cwd: ROOT });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    // One after the other: two interleaved runs would share nginx's round robin.
    const ok = await run('--url', h.url('/'), '--requests', '30', '--expect-instances', '3');
    const bad = await run('--url', h.url('/'), '--requests', '30', '--expect-instances', '4');
    expect(ok.status, ok.stderr).toBe(0);
    expect(bad.status).toBe(1);
  }, 60_000);

  it('fails when a replica is down, though nginx hides it from clients', async () => {
    const { h } = await stack.get();
    await h.killReplica(h.replicas[2]!);
    const r = await cli('verify', '--url', h.url('/'), '--requests', '30', '--expect-instances', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('scaleout: verify failed: 2 instances answered, expected 3\n');
    expect(r.stdout).toContain('0 failed');
  }, 60_000);

  stack.itLeavesNothingBehind();
});
