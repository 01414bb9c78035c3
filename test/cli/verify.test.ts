/**
 * `scaleout verify`: flag checks and rendering in-process. The real thing against the e2e
 * stack, and the fixed 'bad ports', are in test/e2e/verify.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../lib/cli/main.js';
import { cliAsync as cli } from '../helpers/cli.js';
import { collect, identify, parseVerifyOptions, renderVerify, skewPercent, type Answer, type Getter, type VerifyOptions } from '../../lib/cli/verify.js';
import { freePorts } from '../e2e/processes.js';

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
    expect((await cli('--help')).stdout).toContain('  verify    Send requests through a running load balancer');
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
});
