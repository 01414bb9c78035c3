/**
 * `scaleout calibrate --url http://HOST:PORT [--path /api/work] [--p99 250ms] [--rps-per-replica]`:
 * reads a running replica's Prometheus histograms (request duration, pool checkout wait,
 * connection hold time; examples/backend/work.py) and prints the `load:` service profile the
 * planner needs. With --rps-per-replica it also measures #14's figure: the highest open-loop
 * rate one replica sustains with its p99 within the objective.
 */
import { ConfigError, ScaleoutError } from '../errors.js';
import { visible } from '../model/visible-text.js';
import { parseSamples, replicaPath, replicaUrl, scrapeMetrics, sumOf } from './metrics-scrape.js';
import { latencyQuantile, openLoop } from './open-loop.js';
import { parseObjectiveFlag } from './options.js';

/** The profile calibrate measured, in milliseconds. */
export interface Calibration {
  readonly requests: number;
  readonly appMs: number;
  readonly dbMs: number;
  readonly appCv: number;
  readonly dbCv: number;
  readonly poolWaitMs: number;
}

/** The profile from one scrape of `/metrics`. */
export function calibrationFrom(metrics: string, path: string): Calibration {
  const samples = parseSamples(metrics);
  const shown = visible(path, 100);
  const need = (name: string) => {
    const v = sumOf(samples, name, path);
    if (v === undefined) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `the metrics have no ${name} for path ${shown}; is this the reference backend (examples/backend) and has ${shown} had traffic?` }]);
    return v;
  };
  const requests = need('http_request_duration_seconds_count');
  if (requests === 0) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `no requests to ${shown} yet (http_request_duration_seconds_count is 0); send some traffic first` }]);
  const duration = need('http_request_duration_seconds_sum') / requests;
  if (duration === 0) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `http_request_duration_seconds_sum for ${shown} is 0: ${requests} requests took no time, which no handler does; is this the reference backend (examples/backend)?` }]);
  // Every completed request observes backend_app_seconds; none completed means all failed.
  const completed = need('backend_app_seconds_count');
  if (completed === 0) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `none of the ${requests} requests to ${shown} completed (backend_app_seconds_count is 0); check the replica's log` }]);
  const handler = need('backend_app_seconds_sum') / completed;
  const appSd = Math.sqrt(Math.max(0, need('backend_app_seconds_squares_total') / completed - handler * handler));
  // A path that never checks out a connection (db_ms=0) has no pool histograms: dbTime 0.
  const pool = (name: string) => {
    const count = sumOf(samples, `${name}_count`, path) ?? 0;
    return count === 0 ? { mean: 0, count } : { mean: need(`${name}_sum`) / count, count };
  };
  const wait = pool('backend_db_pool_wait_seconds').mean;
  const { mean: hold, count: holds } = pool('backend_db_connection_hold_seconds');
  const holdSd = holds === 0 ? 0 : Math.sqrt(Math.max(0, need('backend_db_connection_hold_seconds_squares_total') / holds - hold * hold));
  // appTime is everything but the pool: the request's duration less its wait and hold, which
  // counts the framework's own CPU too. Its spread is the handler's.
  const app = Math.max(0, duration - wait - hold);
  for (const [what, seconds] of [['request duration', duration], ['connection hold', hold]] as const) {
    if (seconds * 1000 > MAX_DURATION_MS) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `the mean ${what} of ${shown} is ${Math.round(seconds)} s, over the config's limit of 8760h; is this the reference backend (examples/backend)?` }]);
  }
  return {
    requests,
    appMs: app * 1000,
    dbMs: hold * 1000,
    appCv: app > 0 ? appSd / app : 0,
    dbCv: hold > 0 ? holdSd / hold : 0,
    poolWaitMs: wait * 1000,
  };
}

/** The longest duration the config takes (lib/units/duration.ts): one year. */
const MAX_DURATION_MS = 8760 * 3_600_000;

/** Whole milliseconds, the config's unit; a time above 0 stays above 0 (0.3 ms is 1ms), so a measured time never reads as none. */
const wholeMs = (ms: number) => (ms > 0 ? Math.max(1, Math.round(ms)) : 0);

const r2 = (x: number) => Math.round(x * 100) / 100;

/** The `load:` block for a calibration. Durations are whole milliseconds (the config's unit). */
export function loadBlock(c: Calibration, p99?: string, rpsPerReplica?: number): string[] {
  return [
    `# from ${c.requests} requests; mean pool wait ${r2(c.poolWaitMs)}ms (near 0 means the pool was not the bottleneck while measuring)`,
    'load:',
    '  expectedRps: 100 # your peak rate',
    ...(rpsPerReplica !== undefined ? [`  rpsPerReplica: ${rpsPerReplica} # measured: one replica within the p99`] : []),
    `  p99: ${p99 ?? '250ms'}${p99 ? '' : ' # your objective'}`,
    `  appTime: ${wholeMs(c.appMs)}ms # measured ${r2(c.appMs)}ms`,
    `  dbTime: ${wholeMs(c.dbMs)}ms # measured ${r2(c.dbMs)}ms${c.dbMs === 0 ? ', no connection held' : ''}`,
    `  appCv: ${r2(Math.min(4, c.appCv))}`,
    `  dbCv: ${r2(Math.min(4, c.dbCv))}`,
  ];
}

/** Parsed calibrate flags. */
export interface CalibrateOptions {
  readonly url: string;
  /** The path to read metrics for, and with --rps-per-replica to load (query included). */
  readonly path: string;
  readonly p99?: string;
  readonly rpsPerReplica: boolean;
}

/**
 * Measured milliseconds per step of the --rps-per-replica search. A queue near saturation
 * drifts over tens of seconds, and the p99 of a short run sits below the steady state's
 * (docs/PLANNER.md, "Validation"), so each step is as long as the planner test's runs.
 */
const STEP_MS = 20_000;
/** Each step first runs this long unmeasured, so the queue has settled when measuring starts. */
const STEP_WARMUP_MS = 5_000;
/** Bisections after the doubling phase: the bracket narrows to 1/16 of its width. */
const BISECTIONS = 4;

/**
 * The highest Poisson rate at which the p99 of `path` stays within `p99Ms`: double from 2
 * RPS until it misses, then bisect four times (about 25 s a step).
 */
export async function measureRpsPerReplica(url: string, path: string, p99Ms: number, log: (line: string) => void): Promise<number> {
  const target = new URL(path, url).href;
  const meets = async (rps: number) => {
    const p99 = latencyQuantile(await openLoop({ url: target, rps, durationMs: STEP_MS, warmupMs: STEP_WARMUP_MS, seed: Math.round(rps * 1000) }), 0.99);
    log(`  ${rps.toFixed(1)} RPS: p99 ${Number.isFinite(p99) ? `${Math.round(p99)}ms` : 'failed requests'}`);
    return p99 <= p99Ms;
  };
  let good = 0;
  let bad = 2;
  while (await meets(bad)) {
    good = bad;
    bad *= 2;
    if (bad > 100_000) return good;
  }
  for (let i = 0; i < BISECTIONS; i++) {
    const mid = (good + bad) / 2;
    if (await meets(mid)) good = mid;
    else bad = mid;
  }
  return Math.floor(good);
}

/** Runs calibrate and returns the lines to print. Flags are checked before any request goes out. */
export async function runCalibrate(o: CalibrateOptions, log: (line: string) => void): Promise<string[]> {
  const url = replicaUrl(o.url);
  const target = replicaPath(url, o.path);
  const p99Ms = o.p99 === undefined ? undefined : parseObjectiveFlag('calibrate --p99', o.p99);
  if (o.rpsPerReplica && p99Ms === undefined) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate --rps-per-replica', message: 'needs --p99, the objective the rate must keep (e.g. --p99 250ms)' }]);
  // Scrape before loading it: the ramp's queueing would count as appTime.
  const c = calibrationFrom(await scrapeMetrics(url), target.pathname);
  const perReplica = o.rpsPerReplica ? await measureRpsPerReplica(url.href, target.pathname + target.search, p99Ms!, log) : undefined;
  if (perReplica !== undefined && perReplica < 1) {
    throw new ScaleoutError(`calibrate: one replica did not keep the p99 within ${o.p99} even at 2 RPS (the log above has each step); check that it answers ${visible(target.pathname, 100)}, or raise --p99`, 1);
  }
  return loadBlock(c, o.p99, perReplica);
}
