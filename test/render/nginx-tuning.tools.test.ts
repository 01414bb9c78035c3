/**
 * The tuned nginx.conf under real nginx (Debian 1.22.1, tools tier):
 * - `nginx -t` accepts the renderings for 1.22 → 1.29.7 (sized keepalive on several
 *   upstreams, keepalive_requests/keepalive_time, worker_processes from the CPU limit, the
 *   buffered access log);
 * - several worker processes writing the buffered access log into one pipe, read the way a
 *   container runtime reads a container's stdout, leave every line whole.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX_BIN, nginxTest } from '../helpers/nginx-t.js';
import { lines, render } from '../helpers/nginx-render.js';

const TUNED = { resources: { limits: { cpu: 2, memory: '256Mi' } } } as const;
const TWO_TIERS = {
  api: { replicas: 3, workers: 4, pool: { size: 5, maxOverflow: 5 }, routes: ['/api/'] },
  jobs: { replicas: 2, database: false, routes: ['/jobs/'] },
};

describe('nginx -t on the tuned renderings', () => {
  // Without a resolver (as on Kubernetes), so the 1.27.3+ renderings carry no `resolve`,
  // which Debian's 1.22 would refuse for reasons unrelated to the tuning.
  it.each(['1.22', '1.25.5', '1.28.0', '1.29.7'])('a %s rendering passes', (version) => {
    const conf = render({ ...TUNED, version }, TWO_TIERS, { resolver: undefined });
    const l = lines(conf);
    expect(l).toContain('worker_processes 2;');
    expect(l).toContain('keepalive_time 1h;');
    expect(l).toContain('access_log /dev/stdout scaleout buffer=4k flush=1s;');
    const r = nginxTest(conf, ['api', 'jobs']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });

  it('the compose rendering for 1.22 passes too (resolver, no resolve)', () => {
    const r = nginxTest(render(TUNED, TWO_TIERS), ['api', 'jobs']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });
});

// The generated log_format: `$remote_addr [$time_local] "$request" $status $body_bytes_sent upstream=$upstream_addr rt=$request_time`
const LINE = /^127\.0\.0\.1 \[[^\]]+\] "GET \/api\/(\d+)\/x+ HTTP\/1\.1" 200 \d+ upstream=127\.0\.0\.1:\d+ rt=\d+\.\d{3}$/;

describe('the buffered access log through one pipe', () => {
  const WORKERS = 4;
  const REQUESTS = 3000;
  const CONCURRENCY = 64;
  // ~1 KiB lines: a 4k buffer flushes every few requests, in every worker.
  const PAD = 'x'.repeat(900);
  let dir: string;
  let backends: Server[];

  beforeAll(async () => {
    // Outside /tmp: nginx runs with a private /tmp (its pid and temp files live there).
    dir = mkdtempSync('/var/tmp/nginx-log-pipe-');
    backends = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<Server>((resolve) => {
            const s = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(backends.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${WORKERS} workers, ${REQUESTS} requests: every line parses, none is lost or doubled`, async () => {
    // GIVEN the generated config as rendered, with loopback replicas and several workers
    const listen = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const ports = backends.map((s) => (s.address() as AddressInfo).port);
    const conf = render({ workerProcesses: WORKERS }, { api: { replicas: 3, routes: ['/api/'] } }, {
      servers: () => ports.map((p) => `127.0.0.1:${p}`),
      listenPort: listen,
      resolver: undefined,
    });
    expect(lines(conf)).toContain('access_log /dev/stdout scaleout buffer=4k flush=1s;');
    const confPath = join(dir, 'nginx.conf');
    writeFileSync(confPath, conf);
    // A FIFO is a pipe: the same PIPE_BUF atomicity as the pipe a container runtime gives stdout.
    const fifo = join(dir, 'stdout');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const chunks: Buffer[] = [];
    // A slow reader, like a busy log collector: the pipe fills, so writers wait for room,
    // which is where a write over PIPE_BUF is split and another worker's bytes get between.
    const reader = createReadStream(fifo, { highWaterMark: 1024 });
    reader.on('data', (c) => {
      chunks.push(c as Buffer);
      reader.pause();
      setTimeout(() => reader.resume(), 1);
    });
    const drained = new Promise<void>((r) => reader.on('close', () => r()));
    // nginx writes its pid and temp files to /tmp: a private tmpfs keeps them apart.
    const script = 'mount -t tmpfs tmpfs /tmp && exec "$1" -c "$2" -p "$3" -g "daemon off;" >"$4"';
    const nginx = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', NGINX_BIN, confPath, dir + '/', fifo], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    nginx.stderr!.on('data', (d) => (stderr += String(d)));
    const exited = new Promise((r) => nginx.once('exit', r));

    // WHEN many clients, each on a new connection, hit nginx at once
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: listen, path, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end();
      });
    for (let i = 0; ; i++) {
      if (await get('/nginx-health').then((s) => s === 200, () => false)) break;
      if (i > 100) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // unshare and sh exec, so the spawned pid is nginx's master; its children are the workers.
    const workerPids = () => spawnSync('pgrep', ['-P', String(nginx.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const i = next++;
          statuses.push(await get(`/api/${i}/${PAD}`));
        }
      }),
    );
    // Which workers wrote anything (sockets and the log): more than one must have served.
    const busy = workerPids().filter((pid) => {
      const io = readFileSync(`/proc/${pid}/io`, 'utf8');
      return Number(/wchar: (\d+)/.exec(io)![1]) > 0;
    });
    nginx.kill('SIGQUIT'); // graceful: workers flush their log buffers on the way out
    await exited;
    await drained;

    // THEN every line is whole and each request shows up exactly once
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(busy.length).toBeGreaterThanOrEqual(2);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const logged = text.slice(0, -1).split('\n');
    const broken = logged.filter((l) => !LINE.test(l));
    expect(broken.slice(0, 3)).toEqual([]);
    const ids = logged.map((l) => Number(LINE.exec(l)![1])).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: REQUESTS }, (_, i) => i));
  });
});
