/**
 * `scaleout calibrate` reads the reference backend's histograms: the profile from a scrape in
 * Prometheus text format (the numbers are built from known request times here; the e2e tier
 * runs it against a live replica), and its refusals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrationFrom, loadBlock } from '../../lib/cli/calibrate.js';
import { MAX_METRICS_BYTES } from '../../lib/cli/metrics-scrape.js';
import { cliAsync } from '../helpers/cli.js';

/** A scrape for `holds` and `apps` (seconds) per request, no pool wait, and 1 ms of framework time each. */
function scrape(holds: number[], apps: number[], path = '/api/work'): string {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const sq = (xs: number[]) => xs.reduce((a, b) => a + b * b, 0);
  const n = holds.length;
  const l = `{path="${path}"}`;
  return [
    '# HELP http_request_duration_seconds Request latency',
    `http_request_duration_seconds_count{path="${path}",service="backend"} ${n}`,
    `http_request_duration_seconds_sum{path="${path}",service="backend"} ${sum(holds) + sum(apps) + n * 0.001}`,
    `http_request_duration_seconds_sum{path="/api/health",service="backend"} 99`,
    `backend_db_pool_wait_seconds_count${l} ${n}`,
    `backend_db_pool_wait_seconds_sum${l} 0`,
    `backend_db_connection_hold_seconds_count${l} ${n}`,
    `backend_db_connection_hold_seconds_sum${l} ${sum(holds)}`,
    `backend_db_connection_hold_seconds_squares_total${l} ${sq(holds)}`,
    `backend_app_seconds_count${l} ${n}`,
    `backend_app_seconds_sum${l} ${sum(apps)}`,
    `backend_app_seconds_squares_total${l} ${sq(apps)}`,
    '',
  ].join('\n');
}

describe('calibrationFrom', () => {
  it('dbTime is the mean hold, appTime the duration less wait and hold, each cv from the squares', () => {
    const holds = [0.04, 0.05, 0.06];
    const apps = [0.01, 0.01, 0.01];
    const c = calibrationFrom(scrape(holds, apps), '/api/work');
    expect(c.requests).toBe(3);
    expect(c.dbMs).toBeCloseTo(50, 9);
    expect(c.appMs).toBeCloseTo(11, 9); // 10 ms of handler + 1 ms of framework
    const sd = Math.sqrt((0.01 ** 2 + 0 + 0.01 ** 2) / 3);
    expect(c.dbCv).toBeCloseTo(sd / 0.05, 6);
    expect(c.appCv).toBeCloseTo(0, 6);
  });

  it('prints a load: block the config accepts (whole milliseconds)', () => {
    const lines = loadBlock(calibrationFrom(scrape([0.0304], [0.0075]), '/api/work'), '300ms', 42);
    expect(lines).toContain('  dbTime: 30ms # measured 30.4ms');
    expect(lines).toContain('  appTime: 9ms # measured 8.5ms');
    expect(lines).toContain('  p99: 300ms');
    expect(lines).toContain('  rpsPerReplica: 42 # measured: one replica within the p99');
  });

  it('names the metric and the path when the scrape is not the reference backend', () => {
    expect(() => calibrationFrom(scrape([0.01], [0.01], '/api/other'), '/api/work')).toThrow(/no http_request_duration_seconds_count for path \/api\/work/);
  });
});

describe('scaleout calibrate refusals (exit 2)', () => {
  it('needs --url, and --p99 with --rps-per-replica', async () => {
    expect((await cliAsync('calibrate')).stderr).toMatch(/calibrate: missing --url/);
    const r = await cliAsync('calibrate', '--url', 'http://127.0.0.1:9', '--rps-per-replica');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rps-per-replica: needs --p99/);
  });
});

/** The scrape with the first line naming `metric` given `value` instead. */
function withValue(metric: string, value: string): string {
  const text = scrape([0.03, 0.03], [0.008, 0.008]);
  return text.replace(new RegExp(`^(${metric}\\{[^}]*\\}) \\S+$`, 'm'), `$1 ${value}`);
}

describe('calibrationFrom refuses a scrape no histogram could give, naming the metric and the value', () => {
  it.each([
    ['http_request_duration_seconds_sum', 'NaN'],
    ['http_request_duration_seconds_count', '+Inf'],
    ['backend_db_connection_hold_seconds_sum', '-Inf'],
    ['backend_app_seconds_sum', '-0.5'],
    ['backend_db_connection_hold_seconds_squares_total', 'lots'],
  ])('%s %s', (metric, value) => {
    const text = withValue(metric, value);
    expect(text).toContain(`${metric}{`);
    expect(() => calibrationFrom(text, '/api/work')).toThrow(`${metric}{path="/api/work"} is ${value}, where a count or a sum of durations is a finite number ≥ 0`);
  });

  it('no requests yet, or none that completed', () => {
    expect(() => calibrationFrom(scrape([], []), '/api/work')).toThrow(/no requests to \/api\/work yet/);
    const failed = withValue('backend_app_seconds_count', '0');
    expect(() => calibrationFrom(failed, '/api/work')).toThrow(/none of the 2 requests to \/api\/work completed/);
    expect(() => calibrationFrom(withValue('http_request_duration_seconds_sum', '0'), '/api/work')).toThrow(/requests took no time/);
  });

  it('a path that holds no connection (db_ms=0, no pool series) is dbTime 0, not NaN', () => {
    const text = scrape([0.03], [0.008]).split('\n').filter((l) => !l.startsWith('backend_db_')).join('\n');
    const c = calibrationFrom(text, '/api/work');
    expect([c.dbMs, c.dbCv, c.poolWaitMs]).toEqual([0, 0, 0]);
    expect(c.appMs).toBeCloseTo(39, 6);
    expect(loadBlock(c).join('\n')).not.toMatch(/NaN|Infinity/);
  });

  it('labels are read whole: quoted commas and braces, a timestamp after the value', () => {
    const text = scrape([0.03], [0.008]).replace(/,service="backend"\} (\S+)/g, ',note="a,b}c"} $1 1700000000000');
    expect(calibrationFrom(text, '/api/work').dbMs).toBeCloseTo(30, 9);
  });

  it('a measured time under 1ms prints as 1ms, not as none', () => {
    const lines = loadBlock(calibrationFrom(scrape([0.0003], [0]), '/api/work'));
    expect(lines).toContain('  dbTime: 1ms # measured 0.3ms');
  });
});

describe('scaleout calibrate against a replica: one line, no NaN, exit 2 for bad input and 1 when unreachable', () => {
  let server: Server;
  let base = '';
  let answer: (res: import('node:http').ServerResponse) => void = () => {};
  beforeAll(async () => {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function calibrate(url: string): Promise<{ code: number; lines: string[]; stdout: string }> {
    const r = await cliAsync('calibrate', '--url', url);
    return { code: r.code, lines: r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith("Run 'scaleout")), stdout: r.stdout };
  }

  it('prints the load: block from a good scrape', async () => {
    answer = (res) => res.end(scrape([0.03, 0.03], [0.008, 0.008]));
    const r = await calibrate(base);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  dbTime: 30ms');
    expect(r.stdout).not.toMatch(/NaN|Infinity/);
  });

  it.each([
    ['NaN in a sum', () => withValue('backend_app_seconds_sum', 'NaN'), /backend_app_seconds_sum\{path="\/api\/work"\} is NaN/],
    ['no traffic yet', () => scrape([], []), /no requests to \/api\/work yet/],
    ['an empty page', () => '', /the metrics have no http_request_duration_seconds_count for path \/api\/work/],
  ])('%s: exit 2', async (_name, body, message) => {
    answer = (res) => res.end(body());
    const r = await calibrate(base);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.lines).toEqual([expect.stringMatching(message)]);
  });

  it('a body over the size cap: exit 2', async () => {
    const chunk = `# ${'x'.repeat(1022)}\n`;
    answer = (res) => {
      let left = MAX_METRICS_BYTES + 64 * 1024;
      const pump = (): void => {
        while (left > 0) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
    };
    const r = await calibrate(base);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.lines).toEqual([expect.stringMatching(/answered more than 8 MiB/)]);
  });

  it('HTTP 404 is exit 2 (not a metrics endpoint), HTTP 500 exit 1 (a failing replica)', async () => {
    answer = (res) => res.writeHead(404).end('not found');
    expect(await calibrate(base)).toMatchObject({ code: 2, lines: [expect.stringMatching(/\/metrics answered HTTP 404; is --url one replica/)] });
    answer = (res) => res.writeHead(500).end('boom');
    expect(await calibrate(base)).toMatchObject({ code: 1, lines: [expect.stringMatching(/\/metrics answered HTTP 500/)] });
  });

  it('a refused connection is exit 1, naming the address', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await calibrate(`http://127.0.0.1:${port}`);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([`scaleout: calibrate: cannot reach http://127.0.0.1:${port}/metrics: ECONNREFUSED; is the replica running, and is --url one replica (not the load balancer)?`]);
  });

  it.each([
    ['not a url', "scaleout: calibrate --url: 'not a url' is not a URL; give one replica of the reference backend, e.g. --url http://10.0.0.5:8000"],
    ['ftp://10.0.0.5/', "scaleout: calibrate --url: 'ftp://10.0.0.5/' is not http:// or https://; give one replica of the reference backend, e.g. --url http://10.0.0.5:8000"],
    ['http://user:secret@[::1', "scaleout: calibrate --url: 'http://***@[::1' is not a URL; give one replica of the reference backend, e.g. --url http://10.0.0.5:8000"],
  ])('--url %s: exit 2', async (url, line) => {
    const r = await calibrate(url);
    expect(r).toMatchObject({ code: 2, lines: [line], stdout: '' });
  });

  it('--path that leaves the host, and --p99 that is not above 0: exit 2 before any request', async () => {
    const path = await cliAsync('calibrate', '--url', 'http://127.0.0.1:9', '--path', '//evil.example/x');
    expect(path.code).toBe(2);
    expect(path.stderr).toMatch(/calibrate --path: '\/\/evil.example\/x' does not start with a single '\/'/);
    const p99 = await cliAsync('calibrate', '--url', 'http://127.0.0.1:9', '--p99', '0ms', '--rps-per-replica');
    expect(p99.code).toBe(2);
    expect(p99.stderr).toMatch(/calibrate --p99: '0ms' must be above 0/);
  });
});
