/**
 * verify against misbehaving servers (real node:http/net servers on free loopback ports): a
 * total deadline per request and per run, a body cap, --path pinned to --url's host, server
 * text escaped, and credentials in --url never printed.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/cli/verify.js';
import { cliAsync } from '../helpers/cli.js';

const servers: (Server | NetServer)[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function listen<T extends Server | NetServer>(s: T): Promise<string> {
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** Sends headers, then one byte every 200 ms forever: never idle long enough for a socket timeout. */
async function dripping(): Promise<string> {
  const timers = new Set<NodeJS.Timeout>();
  const s = createNetServer((sock) => {
    sock.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n');
    const t = setInterval(() => sock.write(' '), 200);
    timers.add(t);
    sock.on('close', () => clearInterval(t));
    sock.on('error', () => clearInterval(t));
  });
  s.on('close', () => timers.forEach(clearInterval));
  return listen(s);
}

describe('verify against hostile servers', () => {
  it('a server dripping one byte at a time fails each request at its deadline: exit 1', async () => {
    const host = await dripping();
    const r = await cliAsync('verify', '--url', `http://${host}/`, '--expect-instances', '1', '-n', '2', '--timeout', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('2 of 2 requests failed (timeout × 2)');
  });

  it('the run stops at --deadline; requests not sent count as failed', async () => {
    const host = await dripping();
    const r = await cliAsync('verify', '--url', `http://${host}/`, '--expect-instances', '1', '-n', '1000', '--timeout', '1', '--deadline', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1000 of 1000 requests failed \(timeout × \d+, not sent before --deadline × \d+\)/);
  });

  it('an endless body is cut at the cap: exit 1, memory bounded', async () => {
    let sent = 0;
    const chunk = Buffer.alloc(256 * 1024, 'x');
    const host = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const pump = () => {
          while (!res.destroyed && sent < 1024 ** 3 && res.write(chunk)) sent += chunk.length;
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
      }),
    );
    const r = await cliAsync('verify', '--url', `http://${host}/`, '--expect-instances', '1', '-n', '3');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`3 of 3 requests failed (body over ${MAX_BODY_BYTES} bytes × 3)`);
    // Far less than the gigabyte the server would have sent to a reader that kept reading.
    expect(sent).toBeLessThan(64 * 1024 ** 2);
  });

  it('--path cannot switch to another host', async () => {
    for (const path of ['//evil.example/api/health', '/\\evil.example/x', '\\\\evil.example/x']) {
      const r = await cliAsync('verify', '--url', 'http://127.0.0.1:9', '--path', path, '--expect-instances', '1');
      expect(r.code, path).toBe(2);
      expect(r.stderr, path).toContain('--path must be a path on the --url host');
    }
  });

  it('server text is shown escaped: an instance name cannot forge lines or colours', async () => {
    const host = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ instance: 'a\nOK\u001b[32m\u202e' }));
      }),
    );
    const r = await cliAsync('verify', '--url', `http://${host}/`, '--expect-instances', '2', '-n', '4');
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/[\u001b\u202e]/);
    expect(r.stdout).toContain(String.raw`a\nOK\x1b[32m\u202e`);
    expect(r.stdout.split('\n').filter((l) => l === 'OK')).toEqual([]);
    expect(r.stdout.trim().split('\n').pop()).toBe('FAIL');
  });

  it('credentials in --url are masked in every line', async () => {
    const host = await listen(
      createHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"instance":"one"}');
      }),
    );
    const r = await cliAsync('verify', '--url', `http://admin:s3cr3t-pw@${host}/`, '--expect-instances', '1', '-n', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`requests to http://***@${host}/api/health`);
    const bad = await cliAsync('verify', '--url', 'http://admin:s3cr3t-pw@exa mple', '--expect-instances', '1');
    expect(bad.code).toBe(2);
    expect(`${r.stdout}${r.stderr}${bad.stdout}${bad.stderr}`).not.toContain('s3cr3t-pw');
  });
});

describe('verify and keep-alive races', () => {
  /**
   * Answers the first request of each connection with keep-alive, then resets the
   * connection when a second request arrives on it: the race where a server closes an
   * idle keep-alive socket just as the client reuses it.
   */
  async function closesReusedSockets(): Promise<{ host: string; connections: () => number }> {
    let connections = 0;
    const s = createNetServer((sock) => {
      connections++;
      let answered = false;
      sock.on('error', () => {});
      sock.on('data', () => {
        if (answered) return void sock.resetAndDestroy();
        answered = true;
        const body = '{"instance":"one"}';
        sock.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`);
      });
    });
    return { host: await listen(s), connections: () => connections };
  }

  it('a GET reset on a reused keep-alive socket is retried once on a new one: no failure counted', async () => {
    const server = await closesReusedSockets();
    const r = await cliAsync('verify', '--url', `http://${server.host}/`, '--expect-instances', '1', '-n', '5');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Every request after the first met a reset socket first, so each needed a connection of its own.
    expect(server.connections()).toBeGreaterThanOrEqual(5);
  });

  it('a reset on a fresh socket is not retried: it fails', async () => {
    const s = createNetServer((sock) => {
      sock.on('error', () => {});
      sock.on('data', () => sock.resetAndDestroy());
    });
    const host = await listen(s);
    const r = await cliAsync('verify', '--url', `http://${host}/`, '--expect-instances', '1', '-n', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('2 of 2 requests failed (ECONNRESET × 2)');
  });
});
