/**
 * `scaleout verify`: flag checks and rendering in-process, then the real thing against the
 * e2e stack (three replicas of the reference backend behind the rendered nginx).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { cliAsync as cli } from '../helpers/cli.js';
import { collect, httpGetter, identify, parseVerifyOptions, renderVerify, skewPercent, type Answer, type Getter, type VerifyOptions } from '../../lib/cli/verify.js';
import { E2eStack } from '../e2e/harness.js';
import { sharedStack } from '../e2e/lifecycle.js';
import { freePorts } from '../e2e/processes.js';
import { devContext, e2eModel } from '../e2e/stacks.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));


/** A getter that answers from a list, round-robin, without a network. */
function fake(answers: readonly Answer[]): Getter {
  let i = 0;
  return async () => answers[i++ % answers.length]!;
}
const json = (instance: string): Answer => ({ status: 200, body: JSON.stringify({ instance, pid: 1 }), upstreamAddr: null });

describe('verify flags', () => {
  it('needs --url and --expect-instances, and checks them before sending anything', () => {
    // Usage errors are synchronous: main returns the exit code, not a promise.
    let stderr = '';
    const io = { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) } };
    expect(main(['verify'], io)).toBe(2);
    expect(stderr).toMatchInlineSnapshot(`
      "scaleout: verify: missing --url URL (the load balancer, e.g. http://localhost)
      Run 'scaleout verify --help' for usage.
      "
    `);
    expect(() => parseVerifyOptions({ url: 'http://lb' })).toThrow('verify: missing --expect-instances');
    expect(() => parseVerifyOptions({ url: 'lb:80', 'expect-instances': '3' })).toThrow("must be http:// or https://");
    expect(() => parseVerifyOptions({ url: 'http://lb', 'expect-instances': '0' })).toThrow(
      "--expect-instances must be a whole number from 1 to 10000, got '0'",
    );
    expect(() => parseVerifyOptions({ url: 'http://lb', 'expect-instances': '3', requests: '1.5' })).toThrow('--requests must be a whole number');
    expect(() => parseVerifyOptions({ url: 'http://lb', 'expect-instances': '3', 'max-skew': '-1' })).toThrow(
      "--max-skew must be a percentage ≥ 0, got '-1'",
    );
    expect(() => parseVerifyOptions({ url: 'http://lb', 'expect-instances': '3', path: 'api' })).toThrow("--path must be a path on the --url host starting with a single '/'");
  });

  it('defaults: /api/health on a bare URL, 300 requests, 20% skew, 10 s per request, 300 s per run', () => {
    expect(parseVerifyOptions({ url: 'http://localhost:8080', 'expect-instances': '3' })).toEqual({
      url: 'http://localhost:8080/api/health',
      requests: 300,
      expectInstances: 3,
      maxSkew: 20,
      timeoutMs: 10_000,
      deadlineMs: 300_000,
    });
    expect(parseVerifyOptions({ url: 'http://lb/x/y?z=1', 'expect-instances': '2' }).url).toBe('http://lb/x/y?z=1');
    expect(parseVerifyOptions({ url: 'http://lb/x', path: '/api/ping', 'expect-instances': '2' }).url).toBe('http://lb/api/ping');
  });

  it('rejects flags of other commands, and verify flags on other commands', async () => {
    expect((await cli('verify', '--url', 'http://lb', '--expect-instances', '2', '-c', 'x.yaml')).stderr).toContain(
      'verify: option --config does not apply here',
    );
    expect((await cli('plan', '--url', 'http://lb')).stderr).toContain('plan: option --url does not apply here');
  });

  it('is listed in --help with its own usage', async () => {
    expect((await cli('--help')).stdout).toContain('  verify   Send requests through a running load balancer');
    const r = await cli('verify', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: scaleout verify --url URL --expect-instances K [--requests N] [--max-skew P] [--path PATH]');
    expect(r.stdout).toContain('--max-skew P');
  });
});

describe('verify counting', () => {
  const opts = (o: Partial<VerifyOptions> = {}): VerifyOptions => ({ url: 'http://lb/api/health', requests: 6, expectInstances: 3, maxSkew: 20, ...o });

  it('names the instance from the JSON body, else the last X-Upstream-Addr entry', () => {
    expect(identify('{"instance":"api-1","pid":7}', '10.0.0.1:8000')).toBe('api-1');
    expect(identify('ok', '10.0.0.1:8000, 10.0.0.2:8000')).toBe('10.0.0.2:8000');
    expect(identify('{"status":"ok"}', null)).toBeUndefined();
  });

  it('skew is the largest deviation from the mean, in percent of the mean', () => {
    expect(skewPercent([100, 100, 100])).toBe(0);
    expect(skewPercent([4, 3, 3])).toBeCloseTo(20);
    expect(skewPercent([150, 50])).toBe(50);
  });

  it('prints the distribution table and passes on an even spread', async () => {
    const o = opts();
    const r = await collect(o, fake([json('b'), json('a'), json('c')]));
    expect(r.problems).toEqual([]);
    expect(renderVerify(o, r)).toMatchInlineSnapshot(`
      "6 requests to http://lb/api/health

      instance  requests   share  vs mean
      a                2   33.3%    +0.0%
      b                2   33.3%    +0.0%
      c                2   33.3%    +0.0%

      3 instances answered (expected 3); skew 0.0% (max 20%); 0 failed
      OK
      "
    `);
  });

  it('fails on missing instances, skew, failed requests and unnamed answers', async () => {
    // 8 answers cycling a, a, header, 502, unnamed: a × 4, 10.0.0.9 × 2 (mean 3, skew 33.3%)
    const header: Answer = { status: 200, body: 'ok', upstreamAddr: '10.0.0.9:8000' };
    const r = await collect(
      opts({ requests: 8, maxSkew: 10 }),
      fake([json('a'), json('a'), header, { status: 502, body: 'bad gateway', upstreamAddr: null }, { status: 200, body: '{}', upstreamAddr: null }]),
    );
    expect(r.problems).toEqual([
      '1 of 8 requests failed (HTTP 502 × 1)',
      "1 answer named no instance: return an 'instance' field in the JSON body, or set nginx.upstreamAddrHeader: true for an X-Upstream-Addr header",
      '2 instances answered, expected 3',
      'skew 33.3% is over --max-skew 10%',
    ]);
  });
});

describe('verify over the network', () => {
  it('reports a refused connection as a failed request', async () => {
    const [port] = await freePorts(1);
    const r = await collect({ url: `http://127.0.0.1:${port}/api/health`, requests: 2, expectInstances: 1, maxSkew: 20 });
    expect(r.problems).toEqual(['2 of 2 requests failed (ECONNREFUSED × 2)', '0 instances answered, expected 1']);
  });

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
    const http = httpGetter();
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
