/**
 * `scaleout calibrate` reads the reference backend's histograms: the profile from a scrape in
 * Prometheus text format (the numbers are built from known request times here; the e2e tier
 * runs it against a live replica), and its refusals.
 */
import { describe, expect, it } from 'vitest';
import { calibrationFrom, loadBlock } from '../../lib/cli/calibrate.js';
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
