/**
 * HTTP load for the e2e tier: node:http over a keepalive agent, never rejecting (a failed
 * request is a reply with status 0), with a timestamp on every reply.
 */
import { Agent, request } from 'node:http';

export interface Reply {
  readonly url: string;
  /** HTTP status, or 0 when the request failed without a response. */
  readonly status: number;
  readonly body: string;
  /** Parsed JSON body, when it is JSON. */
  readonly json: Record<string, any> | undefined;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly sentAt: number;
  readonly doneAt: number;
  readonly error?: string;
  /** The response started (status and headers arrived) and then the connection broke. */
  readonly cut?: boolean;
}

export class LoadClient {
  private readonly agent: Agent;

  constructor(maxSockets = 16) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  public get(url: string, timeoutMs = 60_000): Promise<Reply> {
    const sentAt = Date.now();
    return new Promise((resolve) => {
      const done = (status: number, body: string, headers: Reply['headers'], error?: string, cut?: boolean) => {
        let json: Reply['json'];
        try {
          json = body ? JSON.parse(body) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ url, status, body, json, headers, sentAt, doneAt: Date.now(), ...(error ? { error } : {}), ...(cut ? { cut } : {}) });
      };
      const req = request(url, { agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.complete) done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers);
          else done(0, Buffer.concat(chunks).toString('utf8'), res.headers, `response cut after status ${res.statusCode}`, true);
        });
        res.on('error', (e) => done(0, Buffer.concat(chunks).toString('utf8'), res.headers, `response cut after status ${res.statusCode}: ${String(e)}`, true));
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', (e) => done(0, '', {}, String(e)));
      req.end();
    });
  }

  public close(): void {
    this.agent.destroy();
  }
}

/**
 * A closed loop of `concurrency` virtual users. Each asks `next()` for a URL, sends it, and
 * repeats until `next()` returns undefined. Replies come back in completion order. With
 * `rampMs`, users start one by one over that time, so each new upstream connection is a
 * separate accept on the backend (a burst is mostly accepted by whichever worker wakes first).
 */
export async function closedLoop(
  client: LoadClient,
  concurrency: number,
  next: (sent: number) => string | undefined,
  onReply?: (r: Reply) => void,
  rampMs = 0,
): Promise<Reply[]> {
  const replies: Reply[] = [];
  let sent = 0;
  const user = async (_: unknown, i: number) => {
    if (rampMs > 0) await new Promise((r) => setTimeout(r, (rampMs * i) / concurrency));
    for (;;) {
      const url = next(sent);
      if (url === undefined) return;
      sent++;
      const r = await client.get(url);
      replies.push(r);
      onReply?.(r);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, user));
  return replies;
}

/** Sends `n` GETs one after another. */
export async function sequential(client: LoadClient, n: number, url: (i: number) => string): Promise<Reply[]> {
  const out: Reply[] = [];
  for (let i = 0; i < n; i++) out.push(await client.get(url(i)));
  return out;
}

/** Replies per `instance` field. */
export function countBy(replies: readonly Reply[], key: (r: Reply) => string | undefined = (r) => r.json?.['instance']): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of replies) {
    const k = key(r) ?? '(none)';
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A short description of the failed replies, for assertion messages. */
export function failures(replies: readonly Reply[]): string[] {
  return replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.error ?? r.body.slice(0, 200)}`);
}
