/**
 * `scaleout verify`: the seed's `test-backend-scaling.sh`, made real. Sends requests through
 * a running load balancer, counts which instance answered each one, prints the
 * distribution, and fails when fewer instances answer than expected, when the spread is
 * uneven, or when a request fails.
 *
 * An instance is named by the JSON body's `instance` field (the reference backend's
 * `/api/health`), or else by the `X-Upstream-Addr` header (`nginx.upstreamAddrHeader`).
 */
import { ScaleoutError } from '../errors.js';
import { visible } from '../model/visible-text.js';

/** Where verify writes. */
export interface VerifyIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** The checks `scaleout verify` runs, from its flags. */
export interface VerifyOptions {
  /** Full URL each request goes to. */
  readonly url: string;
  /** Requests to send, one after another. */
  readonly requests: number;
  /** Instances that must answer. */
  readonly expectInstances: number;
  /** Largest allowed deviation of one instance's count from the mean, in percent of the mean. */
  readonly maxSkew: number;
  /**
   * Per-request deadline in ms, for the whole request (a server that drips bytes is cut off).
   *
   * @default 10_000
   */
  readonly timeoutMs?: number;
  /**
   * Deadline for the whole run in ms; requests not sent by then count as failed.
   *
   * @default 300_000
   */
  readonly deadlineMs?: number;
}

/** Largest body read per answer; a health answer is a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The flags verify takes, as `node:util` parseArgs options. */
export const VERIFY_FLAGS = {
  url: { type: 'string' },
  path: { type: 'string' },
  requests: { type: 'string', short: 'n' },
  'expect-instances': { type: 'string' },
  'max-skew': { type: 'string' },
  timeout: { type: 'string' },
  deadline: { type: 'string' },
} as const;

export type VerifyFlag = keyof typeof VERIFY_FLAGS;

export const VERIFY_USAGE =
  'scaleout verify --url URL --expect-instances K [--requests N] [--max-skew P] [--path PATH] [--timeout S] [--deadline S]';

/** Help text of each flag. */
export const VERIFY_FLAG_HELP: Record<VerifyFlag, readonly [string, string]> = {
  url: ['--url URL', 'the load balancer, e.g. http://localhost'],
  path: ['--path PATH', `path to request (default ${'/api/health'} when URL has no path)`],
  requests: ['-n, --requests N', 'requests to send (default 300)'],
  'expect-instances': ['--expect-instances K', 'instances that must answer'],
  'max-skew': ['--max-skew P', 'largest deviation from the mean per instance, in % (default 20)'],
  timeout: ['--timeout S', 'seconds one request may take in all (default 10)'],
  deadline: ['--deadline S', 'seconds the whole run may take (default 300)'],
};

/** `url` with any user name and password replaced by `***`, for output. */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

export const DEFAULT_PATH = '/api/health';
export const DEFAULT_REQUESTS = 300;
export const DEFAULT_MAX_SKEW = 20;

/** A usage mistake: exit code 2, with the same pointer to --help as the other commands. */
function usageError(message: string): ScaleoutError {
  return new ScaleoutError(`verify: ${message}\nRun 'scaleout verify --help' for usage.`, 2);
}

function integer(flag: string, text: string | undefined, fallback: number | undefined, min: number, max: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw usageError(`missing --${flag}`);
    return fallback;
  }
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`--${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  }
  return n;
}

/** Validates the flags (synchronously: bad usage never starts a request). */
export function parseVerifyOptions(values: Partial<Record<VerifyFlag, string>>): VerifyOptions {
  const raw = values.url;
  if (raw === undefined || raw === '') throw usageError('missing --url URL (the load balancer, e.g. http://localhost)');
  const shown = visible(maskUrl(raw), 200);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`--url '${shown}' is not a URL; use e.g. http://localhost:8080`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url '${shown}' must be http:// or https://`);
  if (values.path !== undefined) {
    const path = values.path;
    // `//host/x` or `/\host/x` would be read as another host: --path stays on --url's host.
    if (!path.startsWith('/') || /^[/\\][/\\]/.test(path)) {
      throw usageError(`--path must be a path on the --url host starting with a single '/', got '${visible(path, 200)}'`);
    }
    const next = new URL(path, url);
    if (next.host !== url.host || next.protocol !== url.protocol) {
      throw usageError(`--path '${visible(path, 200)}' leaves the --url host; pass a path such as /api/health`);
    }
    url = next;
  } else if (url.pathname === '/' && url.search === '') {
    url = new URL(DEFAULT_PATH, url);
  }
  const skewText = values['max-skew'];
  let maxSkew = DEFAULT_MAX_SKEW;
  if (skewText !== undefined) {
    maxSkew = Number(skewText);
    if (skewText.trim() === '' || !Number.isFinite(maxSkew) || maxSkew < 0) {
      throw usageError(`--max-skew must be a percentage ≥ 0, got '${skewText}'`);
    }
  }
  return {
    url: url.toString(),
    requests: integer('requests', values.requests, DEFAULT_REQUESTS, 1, 1_000_000),
    expectInstances: integer('expect-instances', values['expect-instances'], undefined, 1, 10_000),
    maxSkew,
    timeoutMs: integer('timeout', values.timeout, 10, 1, 3600) * 1000,
    deadlineMs: integer('deadline', values.deadline, 300, 1, 86_400) * 1000,
  };
}

/** Which instance answered: the JSON `instance` field, else the last X-Upstream-Addr entry. */
export function identify(body: string, upstreamAddr: string | null): string | undefined {
  try {
    const json = JSON.parse(body) as unknown;
    if (json && typeof json === 'object' && 'instance' in json) {
      const v = (json as { instance: unknown }).instance;
      if (typeof v === 'string' || typeof v === 'number') return String(v);
    }
  } catch {
    // not JSON
  }
  // nginx lists every upstream it tried ("a:1, b:2"); the last one answered.
  const addr = upstreamAddr?.split(',').pop()?.trim();
  return addr || undefined;
}

/** Max |count − mean| / mean, in percent; 0 for no instances. */
export function skewPercent(counts: readonly number[]): number {
  if (counts.length === 0) return 0;
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  if (mean === 0) return 0;
  return Math.max(...counts.map((c) => Math.abs(c - mean))) / mean * 100;
}

/** What verify saw. */
export interface VerifyResult {
  /** Answers per instance, sorted by instance. */
  readonly counts: ReadonlyMap<string, number>;
  /** Successful answers that named no instance. */
  readonly unidentified: number;
  /** Failed requests, by reason (`HTTP 502`, `timeout`, …). */
  readonly failures: ReadonlyMap<string, number>;
  readonly skew: number;
  /** Why the check failed; empty when it passed. */
  readonly problems: readonly string[];
}

/** One answer, as verify needs it. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  /** The X-Upstream-Addr header, if any. */
  readonly upstreamAddr: string | null;
}

/** Sends one GET; rejects on a network error or timeout. */
export type Getter = (url: string, timeoutMs: number) => Promise<Answer>;

/**
 * GETs over node:http(s) with one keepalive agent. Not fetch: fetch refuses "bad ports"
 * (6000, 6666, 10080, …), which a load balancer may well listen on. The HTTP stack is
 * imported here, not at the top: synth and plan never load it.
 */
export async function httpGetter(): Promise<{ get: Getter; close(): void }> {
  const [{ Agent: HttpAgent, request: httpRequest }, { Agent: HttpsAgent, request: httpsRequest }] = await Promise.all([
    import('node:http'),
    import('node:https'),
  ]);
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const once = (url: string, timeoutMs: number): Promise<Awaited<ReturnType<Getter>>> =>
    new Promise((resolve, reject) => {
      const https = url.startsWith('https:');
      const send = https ? httpsRequest : httpRequest;
      const fail = (code: string) => Object.assign(new Error(code), { code });
      // A deadline for the whole request: the socket timeout alone restarts on every byte.
      const timer = setTimeout(() => req.destroy(fail('timeout')), timeoutMs);
      const done = <T>(f: (v: T) => void) => (v: T) => {
        clearTimeout(timer);
        f(v);
      };
      const req = send(url, { agent: https ? agents.https : agents.http, headers: { accept: 'application/json' }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) req.destroy(fail(`body over ${MAX_BODY_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          const addr = res.headers['x-upstream-addr'];
          done(resolve)({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), upstreamAddr: typeof addr === 'string' ? addr : null });
        });
        res.on('error', done(reject));
      });
      req.on('timeout', () => req.destroy(fail('timeout')));
      // A server may close an idle keep-alive socket just as a request is written to it; a
      // GET that got no response on a reused socket is retried once on a new one (the
      // pattern Node's http docs give for `reusedSocket`), so verify does not count that race.
      req.on('error', (e: NodeJS.ErrnoException) => done(reject)(req.reusedSocket && e.code === 'ECONNRESET' ? Object.assign(e, { reused: true }) : e));
      req.end();
    });
  const get: Getter = (url, timeoutMs) =>
    once(url, timeoutMs).catch((e: { reused?: boolean }) => {
      if (e.reused) return once(url, timeoutMs);
      throw e;
    });
  return { get, close: () => (agents.http.destroy(), agents.https.destroy()) };
}

/** Sends the requests (one after another) and evaluates the checks. */
export async function collect(o: VerifyOptions, get?: Getter): Promise<VerifyResult> {
  const counts = new Map<string, number>();
  const failures = new Map<string, number>();
  let unidentified = 0;
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const own = get ? undefined : await httpGetter();
  const send = get ?? own!.get;
  const end = Date.now() + (o.deadlineMs ?? 300_000);
  try {
    for (let i = 0; i < o.requests; i++) {
      const left = end - Date.now();
      if (left <= 0) {
        failures.set('not sent before --deadline', o.requests - i);
        break;
      }
      try {
        const res = await send(o.url, Math.min(o.timeoutMs ?? 10_000, left));
        if (res.status < 200 || res.status > 299) {
          bump(failures, `HTTP ${res.status}`);
          continue;
        }
        const who = identify(res.body, res.upstreamAddr);
        if (who === undefined) unidentified++;
        else bump(counts, who);
      } catch (e) {
        const err = e as Error & { code?: string };
        bump(failures, err.code ?? err.message);
      }
    }
  } finally {
    own?.close();
  }
  const sorted = new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const skew = skewPercent([...sorted.values()]);
  const problems: string[] = [];
  const failed = [...failures.values()].reduce((a, b) => a + b, 0);
  if (failed > 0) {
    problems.push(`${failed} of ${o.requests} requests failed (${[...failures].map(([k, n]) => `${visible(k, 80)} × ${n}`).join(', ')})`);
  }
  if (unidentified > 0) {
    problems.push(
      `${unidentified} answer${unidentified === 1 ? '' : 's'} named no instance: return an 'instance' field in the JSON body, or set nginx.upstreamAddrHeader: true for an X-Upstream-Addr header`,
    );
  }
  if (sorted.size < o.expectInstances) {
    problems.push(`${sorted.size} instance${sorted.size === 1 ? '' : 's'} answered, expected ${o.expectInstances}`);
  }
  if (skew > o.maxSkew) problems.push(`skew ${skew.toFixed(1)}% is over --max-skew ${o.maxSkew}%`);
  return { counts: sorted, unidentified, failures, skew, problems };
}

/** The distribution table and the verdict. */
export function renderVerify(o: VerifyOptions, r: VerifyResult): string {
  const total = [...r.counts.values()].reduce((a, b) => a + b, 0);
  const mean = r.counts.size ? total / r.counts.size : 0;
  // Instance names come from the server: shown escaped, so no answer can forge a line.
  const names = new Map([...r.counts.keys()].map((k) => [k, visible(k, 60)]));
  const width = Math.max(8, ...[...names.values()].map((k) => k.length));
  const pct = (x: number) => `${x.toFixed(1)}%`;
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
  const lines = [
    `${o.requests} requests to ${visible(maskUrl(o.url), 200)}`,
    '',
    `${'instance'.padEnd(width)}  ${'requests'.padStart(8)}  ${'share'.padStart(6)}  ${'vs mean'.padStart(7)}`,
    ...[...r.counts].map(
      ([k, n]) =>
        `${names.get(k)!.padEnd(width)}  ${String(n).padStart(8)}  ${pct((n / o.requests) * 100).padStart(6)}  ${signed(mean ? ((n - mean) / mean) * 100 : 0).padStart(7)}`,
    ),
    '',
    `${r.counts.size} instance${r.counts.size === 1 ? '' : 's'} answered (expected ${o.expectInstances}); skew ${pct(r.skew)} (max ${o.maxSkew}%); ${
      o.requests - total - r.unidentified
    } failed`,
  ];
  if (r.counts.size > o.expectInstances) lines.push(`note: more instances answered than the ${o.expectInstances} expected`);
  lines.push(r.problems.length ? 'FAIL' : 'OK');
  return lines.join('\n') + '\n';
}

/** Runs verify; resolves to the exit code: 0 ok, 1 a check failed. */
export async function runVerify(o: VerifyOptions, io: VerifyIO, get?: Getter): Promise<number> {
  const r = await collect(o, get);
  io.stdout.write(renderVerify(o, r));
  for (const p of r.problems) io.stderr.write(`scaleout: verify failed: ${p}\n`);
  return r.problems.length ? 1 : 0;
}
