/**
 * `npm run bench:nginx`: throughput through real nginx (Debian 1.22) in front of 3 local
 * backends, with wrk on loopback, for four setups alternated in every round:
 * - generated: the nginx.conf scaleout synthesizes for a 3-replica backend and an nginx
 *   with a 2-CPU limit (this machine's cores), exactly as rendered, its access log included;
 * - hand-tuned: bench/hand-tuned.conf, the ceiling, logging the same lines;
 * - seed: bench/seed.conf, the seed's settings taken literally (no upstream reuse);
 * - direct: wrk straight to one backend.
 * nginx's stdout is a pipe read by a separate process that appends it to a file, as a
 * container runtime does with a container's stdout. Reports requests/s, p99, backend TCP
 * accepts, log lines, the CPU split (wrk, nginx, backend, log reader) and per-round ratios
 * generated/hand-tuned, generated/seed and generated/direct; the last line is a JSON summary.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Backend, Nginx, Stack } from '../lib/index.js';
import { renderNginxConf } from '../lib/render/nginx-conf.js';
import { median, spread } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = process.env.BENCH_DURATION ?? '5s';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

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

/** utime + stime of a process, and of its waited-for children, in ms. */
function cpuMs(pid: number, children = false): number {
  try {
    // Fields after the `(comm)`: state is [0], utime [11], stime [12], cutime [13], cstime [14].
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ').map(Number);
    return (f[11]! + f[12]! + (children ? f[13]! + f[14]! : 0)) * TICK_MS;
  } catch {
    return 0; // exited
  }
}
const childPids = (pid: number) =>
  spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);

const backendPorts = [await freePort(), await freePort(), await freePort()];
const backends = fork(join(import.meta.dirname, 'backend-server.mjs'), backendPorts.map(String));
await new Promise((r) => backends.once('message', r));
const listen = await freePort();
const servers = backendPorts.map((p) => `127.0.0.1:${p}`);

// A 3-replica backend behind an nginx with a 2-CPU limit, every nginx tuning left to scaleout.
const stack = new Stack(undefined, 'uns');
new Backend(stack, 'backend', { image: 'ghcr.io/uns/backend:5.4.1', replicas: 3, redisPool: 0, database: false, routes: ['/'] });
new Nginx(stack, 'nginx', { version: '1.22', maxFails: 3, failTimeout: '30s', resources: { limits: { cpu: 2, memory: '256Mi' } } });
const generated = renderNginxConf(stack.nginx!.resolve('dev'), [stack.backends[0]!.resolve('dev')], {
  stackName: 'uns',
  upstreamHost: () => '127.0.0.1',
  servers: () => servers,
  listenPort: listen,
});
const fromFile = (name: string) =>
  readFileSync(join(import.meta.dirname, name), 'utf8')
    .replace('listen @LISTEN@;', `listen ${listen};`)
    .replace(/^(\s*)server @SERVERS@(.*)$/m, (_l, pad: string, rest: string) => servers.map((s) => `${pad}server ${s}${rest}`).join('\n'));
const CONFS = { generated, 'hand-tuned': fromFile('hand-tuned.conf'), seed: fromFile('seed.conf') };

// Outside /tmp: nginx runs with a private /tmp (its pid and temp files live there).
const work = mkdtempSync('/var/tmp/scaleout-bench-nginx-');
const logFile = join(work, 'stdout.log');

interface Running {
  nginx: ChildProcess;
  reader: ChildProcess;
}

/** nginx with its stdout on a pipe; `cat` reads the pipe and appends to a file, like a container runtime. */
function startNginx(conf: string): Running {
  const file = join(work, 'nginx.conf');
  writeFileSync(file, conf);
  writeFileSync(logFile, '');
  const fifo = join(work, 'stdout');
  rmSync(fifo, { force: true });
  if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
  const reader = spawn('sh', ['-c', 'exec cat "$1" >>"$2"', 'sh', fifo, logFile], { stdio: 'ignore' });
  // unshare and sh exec, so the pid is nginx's master.
  const script = 'mount -t tmpfs tmpfs /tmp && exec nginx -c "$1" -p "$2/" -g "daemon off;" >"$3"';
  const nginx = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', file, work, fifo], { stdio: 'ignore' });
  return { nginx, reader };
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
  logLines: number;
  /** CPU ms per second of wall time, i.e. thousandths of a core. */
  cpu: { wrk: number; nginx: number; backend: number; reader: number };
}

async function wrk(port: number, nginx?: Running): Promise<Omit<Result, 'logLines'>> {
  await ask(backends, 'reset');
  const nginxPids = nginx ? childPids(nginx.nginx.pid!) : [];
  const nginxCpu = () => nginxPids.reduce((s, p) => s + cpuMs(p), 0);
  const [n0, b0, r0] = [nginxCpu(), cpuMs(backends.pid!), nginx ? cpuMs(nginx.reader.pid!) : 0];
  const t0 = performance.now();
  // `sh` waits for wrk, then its own stat carries wrk's CPU time in cutime/cstime.
  const r = spawnSync(
    'sh',
    ['-c', 'wrk "$@" && cat /proc/$$/stat >&2', 'sh', '-t1', `-c${CONNECTIONS}`, `-d${DURATION}`, '--latency', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const f = r.stderr.trim().split(') ')[1]!.split(' ').map(Number);
  const wrkCpu = (f[13]! + f[14]!) * TICK_MS;
  const [n1, b1, r1] = [nginxCpu(), cpuMs(backends.pid!), nginx ? cpuMs(nginx.reader.pid!) : 0];
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]);
  const [, n, unit] = /99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout)!;
  const p99ms = Number(n) * { us: 0.001, ms: 1, s: 1000 }[unit as 'us' | 'ms' | 's'];
  const counts = await ask<Record<string, number>>(backends, 'count');
  const per = (ms: number) => Math.round((ms / wall) * 1000);
  return {
    rps,
    p99ms,
    accepts: Object.values(counts).reduce((a, b) => a + b, 0),
    cpu: { wrk: per(wrkCpu), nginx: per(n1 - n0), backend: per(b1 - b0), reader: per(r1 - r0) },
  };
}

async function throughNginx(conf: string): Promise<Result> {
  const running = startNginx(conf);
  try {
    await waitFor(listen);
    const linesBefore = countLines();
    const r = await wrk(listen, running);
    return { ...r, logLines: countLines() - linesBefore };
  } finally {
    await stopped(running.nginx, 'SIGQUIT'); // graceful: the workers flush their log buffers
    await stopped(running.reader);
  }
}

function stopped(p: ChildProcess, signal?: NodeJS.Signals): Promise<unknown> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  const done = new Promise((r) => p.once('exit', r));
  if (signal) p.kill(signal);
  return done;
}

function countLines(): number {
  if (statSync(logFile).size === 0) return 0;
  return Number(spawnSync('wc', ['-l', logFile], { encoding: 'utf8' }).stdout.trim().split(' ')[0]);
}

type Variant = keyof typeof CONFS | 'direct';
const VARIANTS: Variant[] = ['generated', 'hand-tuned', 'seed', 'direct'];
const results: Record<Variant, Result[]> = { generated: [], 'hand-tuned': [], seed: [], direct: [] };
const run = (v: Variant): Promise<Result> =>
  v === 'direct' ? wrk(backendPorts[0]!).then((r) => ({ ...r, logLines: 0 })) : throughNginx(CONFS[v]);
try {
  await run('generated'); // warm-up
  for (let i = 0; i < ROUNDS; i++) {
    // Every variant in every round, starting one further along each time.
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = VARIANTS[(i + k) % VARIANTS.length]!;
      results[v].push(await run(v));
    }
  }
} finally {
  backends.kill();
  rmSync(work, { recursive: true, force: true });
}

const med = (v: Variant, f: (r: Result) => number) => median(results[v].map(f));
for (const v of VARIANTS) {
  const cpu = (k: keyof Result['cpu']) => (med(v, (r) => r.cpu[k]) / 1000).toFixed(2);
  console.log(
    `${v.padEnd(10)} ${med(v, (r) => r.rps).toFixed(0).padStart(7)} req/s  p99 ${med(v, (r) => r.p99ms).toFixed(2)} ms  ` +
      `backend accepts ${med(v, (r) => r.accepts).toFixed(0)}  log lines ${med(v, (r) => r.logLines).toFixed(0)}  ` +
      `cores: wrk ${cpu('wrk')} nginx ${cpu('nginx')} backend ${cpu('backend')} log reader ${cpu('reader')}  ` +
      `(rps ${JSON.stringify(spread(results[v].map((r) => r.rps), 0))})`,
  );
}
const ratio = (v: Variant) => results.generated.map((g, i) => g.rps / results[v][i]!.rps);
const ratios = { generatedOverHandTuned: spread(ratio('hand-tuned'), 3), generatedOverSeed: spread(ratio('seed'), 3), generatedOverDirect: spread(ratio('direct'), 3) };
console.log(
  `generated/hand-tuned ${ratios.generatedOverHandTuned.median} [${ratios.generatedOverHandTuned.min}–${ratios.generatedOverHandTuned.max}] (goal ≥ 0.95), ` +
    `generated/seed ${ratios.generatedOverSeed.median} [${ratios.generatedOverSeed.min}–${ratios.generatedOverSeed.max}] (goal ≥ 2.5), ` +
    `generated/direct ${ratios.generatedOverDirect.median} [${ratios.generatedOverDirect.min}–${ratios.generatedOverDirect.max}]`,
);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
console.log(
  JSON.stringify({
    bench: 'nginx',
    rounds: ROUNDS,
    duration: DURATION,
    connections: CONNECTIONS,
    loadavg: load,
    medians: Object.fromEntries(
      VARIANTS.map((v) => [
        v,
        {
          rps: Math.round(med(v, (r) => r.rps)),
          p99ms: Number(med(v, (r) => r.p99ms).toFixed(2)),
          accepts: med(v, (r) => r.accepts),
          logLines: med(v, (r) => r.logLines),
          cores: Object.fromEntries((['wrk', 'nginx', 'backend', 'reader'] as const).map((k) => [k, Number((med(v, (r) => r.cpu[k]) / 1000).toFixed(2))])),
        },
      ]),
    ),
    ratios,
  }),
);
