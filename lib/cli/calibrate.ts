/**
 * `scaleout calibrate --url http://HOST:PORT [--path /api/work] [--p99 250ms] [--rps-per-replica]`:
 * reads a running replica's Prometheus histograms (request duration, pool checkout wait,
 * connection hold time; examples/backend/work.py) and prints the `load:` service profile the
 * planner needs. With --rps-per-replica it also measures #14's figure: the highest open-loop
 * rate one replica sustains with its p99 within the objective.
 */
import { ConfigError } from '../errors.js';
import { Duration } from '../units/duration.js';
import { latencyQuantile, openLoop } from './open-loop.js';

/** The profile calibrate measured, in milliseconds. */
export interface Calibration {
  readonly requests: number;
  readonly appMs: number;
  readonly dbMs: number;
  readonly appCv: number;
  readonly dbCv: number;
  readonly poolWaitMs: number;
}

/** Sums every sample of `name` whose `path` label is `path`, in Prometheus text format. */
function sample(text: string, name: string, path: string): number {
  let total = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labels = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (!new RegExp(`(^|,)path="${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`).test(labels)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
    seen = true;
  }
  if (!seen) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `the metrics have no ${name} for path ${path}; is this the reference backend (examples/backend) and has ${path} had traffic?` }]);
  return total;
}

/** The profile from one scrape of `/metrics`. */
export function calibrationFrom(metrics: string, path: string): Calibration {
  const mean = (name: string) => sample(metrics, `${name}_sum`, path) / sample(metrics, `${name}_count`, path);
  const requests = sample(metrics, 'http_request_duration_seconds_count', path);
  if (requests === 0) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `no requests to ${path} yet; send some traffic first` }]);
  const duration = mean('http_request_duration_seconds');
  const wait = mean('backend_db_pool_wait_seconds');
  const hold = mean('backend_db_connection_hold_seconds');
  const holdCount = sample(metrics, 'backend_db_connection_hold_seconds_count', path);
  const holdSd = Math.sqrt(Math.max(0, sample(metrics, 'backend_db_connection_hold_seconds_squares_total', path) / holdCount - hold * hold));
  const handler = mean('backend_app_seconds');
  const appCount = sample(metrics, 'backend_app_seconds_count', path);
  const appSd = Math.sqrt(Math.max(0, sample(metrics, 'backend_app_seconds_squares_total', path) / appCount - handler * handler));
  // appTime is everything but the pool: the request's duration less its wait and hold, which
  // counts the framework's own CPU too. Its spread is the handler's.
  const app = Math.max(0, duration - wait - hold);
  return {
    requests,
    appMs: app * 1000,
    dbMs: hold * 1000,
    appCv: app > 0 ? appSd / app : 0,
    dbCv: hold > 0 ? holdSd / hold : 0,
    poolWaitMs: wait * 1000,
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** The `load:` block for a calibration. Durations are whole milliseconds (the config's unit). */
export function loadBlock(c: Calibration, p99?: string, rpsPerReplica?: number): string[] {
  return [
    `# from ${c.requests} requests; mean pool wait ${r2(c.poolWaitMs)}ms (near 0 means the pool was not the bottleneck while measuring)`,
    'load:',
    '  expectedRps: 100 # your peak rate',
    ...(rpsPerReplica !== undefined ? [`  rpsPerReplica: ${rpsPerReplica} # measured: one replica within the p99`] : []),
    `  p99: ${p99 ?? '250ms'}${p99 ? '' : ' # your objective'}`,
    `  appTime: ${Math.max(0, Math.round(c.appMs))}ms # measured ${r2(c.appMs)}ms`,
    `  dbTime: ${Math.max(0, Math.round(c.dbMs))}ms # measured ${r2(c.dbMs)}ms`,
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

async function scrape(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `cannot read ${new URL('/metrics', url).href}: ${(e as Error).message}; is the replica running?` }]);
  }
  if (!res.ok) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate', message: `${new URL('/metrics', url).href} answered ${res.status}` }]);
  return res.text();
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

/** Runs calibrate and returns the lines to print. */
export async function runCalibrate(o: CalibrateOptions, log: (line: string) => void): Promise<string[]> {
  let p99Ms: number | undefined;
  if (o.p99 !== undefined) {
    try {
      p99Ms = Duration.parse(o.p99).milliseconds;
    } catch (e) {
      throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate --p99', message: (e as Error).message }]);
    }
  }
  if (o.rpsPerReplica && p99Ms === undefined) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'calibrate --rps-per-replica', message: 'needs --p99, the objective the rate must keep (e.g. --p99 250ms)' }]);
  const label = o.path.split('?')[0]!;
  // Scrape before loading it: the ramp's queueing would count as appTime.
  const c = calibrationFrom(await scrape(o.url), label);
  const perReplica = o.rpsPerReplica ? await measureRpsPerReplica(o.url, o.path, p99Ms!, log) : undefined;
  return loadBlock(c, o.p99, perReplica);
}
