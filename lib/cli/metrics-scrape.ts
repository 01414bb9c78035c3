/**
 * Reading one replica's `/metrics` for `scaleout calibrate`: the --url and --path checks, the
 * HTTP GET (bounded in size and time), and the Prometheus text format, each sample checked
 * before it is used. Bad input (not a URL, not the reference backend, a value no histogram
 * holds) is exit 2; a replica that cannot be reached is exit 1, as `verify` counts a failed
 * request.
 */
import { ConfigError, ScaleoutError } from '../errors.js';
import { visible } from '../model/visible-text.js';
import { maskUrl } from './verify.js';

/** Largest `/metrics` body read; one replica's is tens of kilobytes. */
export const MAX_METRICS_BYTES = 8 * 1024 * 1024;
/** How long the scrape may take in all. */
const SCRAPE_TIMEOUT_MS = 10_000;

function usage(path: string, message: string): ConfigError {
  return new ConfigError([{ code: 'SO-CONFIG-USAGE', path, message }]);
}

/** The replica cannot be reached or answers with a failure: exit 1. */
export class ScrapeFailed extends ScaleoutError {
  constructor(message: string) {
    super(`calibrate: ${message}`, 1);
  }
}

/** `--url` as an http(s) URL; anything else is exit 2 naming the value and the fix. */
export function replicaUrl(raw: string): URL {
  const shown = visible(maskUrl(raw), 200);
  const fix = 'give one replica of the reference backend, e.g. --url http://10.0.0.5:8000';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usage('calibrate --url', `'${shown}' is not a URL; ${fix}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage('calibrate --url', `'${shown}' is not http:// or https://; ${fix}`);
  return url;
}

/** `--path` on the --url host (a `//host/x` would be read as another host). */
export function replicaPath(url: URL, path: string): URL {
  const fix = 'give a path on the --url host, e.g. --path /api/work';
  if (!path.startsWith('/') || /^[/\\][/\\]/.test(path)) throw usage('calibrate --path', `'${visible(path, 200)}' does not start with a single '/'; ${fix}`);
  const next = new URL(path, url);
  if (next.host !== url.host || next.protocol !== url.protocol) throw usage('calibrate --path', `'${visible(path, 200)}' leaves the --url host; ${fix}`);
  return next;
}

/**
 * GETs `url`'s `/metrics` as text. node:http, not fetch: fetch refuses "bad ports" (6000,
 * 6666, …) a replica may listen on, and reads any size of body.
 */
export async function scrapeMetrics(url: URL): Promise<string> {
  const target = new URL('/metrics', url);
  const where = visible(maskUrl(target.href), 200);
  const request: typeof import('node:http').request = target.protocol === 'https:' ? (await import('node:https')).request : (await import('node:http')).request;
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${SCRAPE_TIMEOUT_MS / 1000} s`), { code: 'timeout' })), SCRAPE_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    const req = request(target, { headers: { accept: 'text/plain' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        // 4xx: this is not a replica's metrics endpoint (bad input); 5xx: the replica is failing.
        const text = `${where} answered HTTP ${status}; is --url one replica of the reference backend (examples/backend), which serves /metrics?`;
        fail(status >= 400 && status < 500 ? usage('calibrate --url', text) : new ScrapeFailed(text));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_METRICS_BYTES) chunks.push(c);
        else {
          res.destroy();
          fail(usage('calibrate --url', `${where} answered more than ${MAX_METRICS_BYTES / 1024 / 1024} MiB; one replica's /metrics is far smaller: is --url one replica of the reference backend (examples/backend)?`));
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', (e: Error) => fail(new ScrapeFailed(`reading ${where} failed: ${e.message}`)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => fail(new ScrapeFailed(`cannot reach ${where}: ${e.code && e.code !== 'timeout' ? e.code : e.message}; is the replica running, and is --url one replica (not the load balancer)?`)));
    req.end();
  });
}

/** One sample line: `name{labels} value [timestamp]`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The value as written (`12.5`, `NaN`, `+Inf`). */
  readonly raw: string;
}

const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)(?:\s+\S+)?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

/** The samples of a scrape in Prometheus text format; comments and lines that are not samples are skipped. */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, raw: m[3]! });
  }
  return out;
}

/**
 * The sum of every `name` sample whose `path` label is `path`, or undefined when there is
 * none. Each must be a finite number ≥ 0: a count, a sum of durations or of their squares.
 */
export function sumOf(samples: readonly Sample[], name: string, path: string): number | undefined {
  let total: number | undefined;
  for (const s of samples) {
    if (s.name !== name || s.labels['path'] !== path) continue;
    const v = /^[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?$/.test(s.raw) ? Number(s.raw) : NaN;
    if (!Number.isFinite(v) || v < 0) {
      throw usage('calibrate', `${name}{path="${visible(path, 100)}"} is ${visible(s.raw, 40)}, where a count or a sum of durations is a finite number ≥ 0; is --url one replica of the reference backend (examples/backend)?`);
    }
    total = (total ?? 0) + v;
  }
  return total;
}
