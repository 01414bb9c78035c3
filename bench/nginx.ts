/**
 * `npm run bench:nginx`: throughput through real nginx (Debian 1.22) in front of 3 local
 * backends, with wrk on loopback, for three setups measured alternately in one run:
 * - generated: the nginx.conf scaleout renders for this stack;
 * - seed: the seed's configuration taken literally, `keepalive 32` without
 *   `proxy_http_version 1.1` / `Connection ""`, so upstream connections are never reused;
 * - direct: wrk straight to one backend, the limit.
 * Reports requests/s, p99 and backend TCP accepts; the last line is a JSON summary.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Backend, Nginx, Stack } from '../lib/index.js';
import { renderNginxConf } from '../lib/render/nginx-conf.js';
import { median, spread } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = process.env.BENCH_DURATION ?? '5s';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const ask = <T>(child: ChildProcess, msg: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });

const backendPorts = [await freePort(), await freePort(), await freePort()];
const backends = fork(join(import.meta.dirname, 'backend-server.mjs'), backendPorts.map(String));
await new Promise((r) => backends.once('message', r));

// The reference stack's nginx settings, rendered for the local nginx and loopback replicas.
const stack = new Stack(undefined, 'uns');
new Backend(stack, 'backend', { image: 'ghcr.io/uns/backend:5.4.1', replicas: 3, redisPool: 0, database: false, routes: ['/'] });
new Nginx(stack, 'nginx', { version: '1.22', algorithm: 'round_robin', keepalive: 32, maxFails: 3, failTimeout: '30s', workerProcesses: 1 });
const listen = await freePort();
const generated = renderNginxConf(stack.nginx!.resolve('dev'), [stack.backends[0]!.resolve('dev')], {
  stackName: 'uns',
  upstreamHost: () => '127.0.0.1',
  servers: () => backendPorts.map((p) => `127.0.0.1:${p}`),
  listenPort: listen,
});
const seed = generated
  .split('\n')
  .filter((l) => !/proxy_http_version 1\.1;|proxy_set_header Connection "";/.test(l))
  .join('\n');
if (seed === generated) throw new Error('the seed variant must differ from the generated config');

// Outside /tmp: nginx runs with a private /tmp (its pid and temp files live there).
const work = mkdtempSync('/var/tmp/scaleout-bench-nginx-');

function startNginx(conf: string): ChildProcess {
  const file = join(work, 'nginx.conf');
  writeFileSync(file, conf.replace('access_log /dev/stdout scaleout;', 'access_log off;'));
  const script = 'mount -t tmpfs tmpfs /tmp && exec nginx -c "$1" -p "$2/" -g "daemon off;"';
  return spawn('unshare', ['-m', 'sh', '-c', script, 'sh', file, work], { stdio: 'ignore' });
}

async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = spawnSync('curl', ['-sf', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).status === 0;
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on ${port}`);
}

interface Result {
  rps: number;
  p99ms: number;
  accepts: number;
}

async function wrk(port: number): Promise<Result> {
  await ask(backends, 'reset');
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${DURATION}`, '--latency', `http://127.0.0.1:${port}/`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]);
  const [, n, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout)!;
  const p99ms = Number(n) * { us: 0.001, ms: 1, s: 1000 }[unit as 'us' | 'ms' | 's'];
  const counts = await ask<Record<string, number>>(backends, 'count');
  return { rps, p99ms, accepts: Object.values(counts).reduce((a, b) => a + b, 0) };
}

async function throughNginx(conf: string): Promise<Result> {
  const nginx = startNginx(conf);
  try {
    await waitFor(listen);
    return await wrk(listen);
  } finally {
    nginx.kill('SIGTERM');
    await new Promise((r) => nginx.once('exit', r));
  }
}

const results: Record<'generated' | 'seed' | 'direct', Result[]> = { generated: [], seed: [], direct: [] };
try {
  await throughNginx(generated); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    results.generated.push(await throughNginx(generated));
    results.seed.push(await throughNginx(seed));
    results.direct.push(await wrk(backendPorts[0]!));
  }
} finally {
  backends.kill();
  rmSync(work, { recursive: true, force: true });
}

const med = (k: keyof typeof results, f: keyof Result) => median(results[k].map((r) => r[f]));
for (const k of ['generated', 'seed', 'direct'] as const) {
  console.log(
    `${k.padEnd(10)} ${med(k, 'rps').toFixed(0).padStart(7)} req/s  p99 ${med(k, 'p99ms').toFixed(2)} ms  backend accepts ${med(k, 'accepts').toFixed(0)}  (rps ${JSON.stringify(spread(results[k].map((r) => r.rps), 0))})`,
  );
}
const genSeed = results.generated.map((g, i) => g.rps / results.seed[i]!.rps);
const genDirect = results.generated.map((g, i) => g.rps / results.direct[i]!.rps);
console.log(`generated/seed ${median(genSeed).toFixed(2)} (goal ≥ 1.8), generated/direct ${median(genDirect).toFixed(2)}`);
console.log(
  JSON.stringify({
    bench: 'nginx',
    rounds: ROUNDS,
    duration: DURATION,
    connections: CONNECTIONS,
    medians: Object.fromEntries(
      (['generated', 'seed', 'direct'] as const).map((k) => [k, { rps: Math.round(med(k, 'rps')), p99ms: Number(med(k, 'p99ms').toFixed(2)), accepts: med(k, 'accepts') }]),
    ),
    ratios: { generatedOverSeed: spread(genSeed, 3), generatedOverDirect: spread(genDirect, 3) },
  }),
);
