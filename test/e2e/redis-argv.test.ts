/**
 * Issue 15: Redis never has its password on a command line, and runs as the redis user.
 *
 * The real redis-server is started with the exact `sh -c` script the output carries (compose's
 * service command, which Pulumi shares, and the Kubernetes container command), only its two
 * paths moved: the secret file and the data directory. The official image's entrypoint is the
 * stand-in's copy (scripts/compose-up/images/redis/docker-entrypoint.sh), which drops to the
 * redis user as the official one does. Each run gets a network namespace of its own, so the
 * server keeps its default port 6379 as in a container.
 *
 * Two witnesses, both running from before the server starts: a sampler reading every
 * `/proc/<pid>/cmdline` and `environ` in a loop, and strace's log of every execve of the
 * process tree (the healthcheck's too), which misses no short-lived process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { referenceStack } from '../../examples/reference/stack.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { KubernetesChart } from '../../lib/targets/kubernetes/index.js';
import { App } from 'cdk8s';
import { expandKubernetes } from '../helpers/k8s-expansion.js';
import { E2E_TMP } from './harness.js';
import { sleep, spawnGroup, stopGroup, waitFor, type Group } from './processes.js';

const REPO = join(import.meta.dirname, '..', '..');
const ENTRYPOINT = join(REPO, 'scripts', 'compose-up', 'images', 'redis', 'docker-entrypoint.sh');
const PY = process.env['E2E_PYTHON'] ?? '/usr/bin/python3';

interface Start {
  /** The `sh -c` script and the healthcheck shell command, as the output has them. */
  readonly script: string;
  readonly health: string;
  /** Paths inside the container, replaced by the run's own. */
  readonly secretPath: string;
  /** The uid the container starts as (Kubernetes sets runAsUser; compose starts as root). */
  readonly startAs?: number;
}

function composeStart(): Start {
  const compose = parse(synthCompose(referenceStack()).files.get('docker-compose.yml')!);
  const svc = compose.services.redis;
  // compose's `$$` is a literal `$` in the container.
  const unescape = (s: string) => s.replaceAll('$$', '$');
  expect(svc.command.slice(0, 2)).toEqual(['sh', '-c']);
  expect(svc.healthcheck.test[0]).toBe('CMD-SHELL');
  return { script: unescape(svc.command[2]), health: unescape(svc.healthcheck.test[1]), secretPath: '/run/secrets/redis_password' };
}

function kubernetesStart(redisUid: number): Start {
  const app = new App();
  const chart = new KubernetesChart(app, 'uns-prod', { stack: referenceStack(app), profile: 'prod' });
  const sts = chart.toJson().find((o: any) => o.kind === 'StatefulSet' && o.metadata.name === 'redis');
  const c = sts.spec.template.spec.containers[0];
  expect(c.command.slice(0, 2)).toEqual(['sh', '-c']);
  expect(c.args).toBeUndefined();
  expect(c.env).toBeUndefined();
  // Kubernetes expands the command's `$$` to `$` (probes are not expanded).
  return { script: expandKubernetes(c.command[2]), health: c.readinessProbe.exec.command[2], secretPath: '/run/secrets/redis_password/value', startAs: redisUid };
}

const uidOf = (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const ppidOf = (pid: number) => Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const commOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();

/** Reads every process's argv and environment in a loop until `stopFile` appears. */
const SAMPLER = `
import os, sys
token, out_path, ready, stop = open(sys.argv[1], 'rb').read(), sys.argv[2], sys.argv[3], sys.argv[4]
out = open(out_path, 'w'); n = 0; seen = set()
while True:
    for p in os.listdir('/proc'):
        if not p.isdigit(): continue
        for f in ('cmdline', 'environ'):
            try:
                with open('/proc/%s/%s' % (p, f), 'rb') as fh: b = fh.read()
            except OSError:
                continue
            if f == 'cmdline' and b: seen.add(b.split(b'\\0')[0].decode('utf8', 'replace'))
            if token in b: out.write('LEAK %s %s\\n' % (p, f)); out.flush()
    n += 1
    if n == 1: open(ready, 'w').close()
    if os.path.exists(stop): break
out.write('SAMPLES %d\\n' % n)
for s in sorted(seen): out.write('SEEN %s\\n' % s)
out.close()
`;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
}, 30_000);

async function run(start: Start, redisUid: number): Promise<void> {
  // The random token makes any leak findable; the rest exercises the config-string escaping.
  const token = randomBytes(12).toString('hex');
  const password = `${token}"\\ $HOME 'q'`;
  const base = mkdtempSync(join(E2E_TMP, 'scaleout-redis-argv-'));
  chmodSync(base, 0o755);
  const data = join(base, 'data');
  const secrets = join(base, 'secrets');
  const bin = join(base, 'bin');
  mkdirSync(data);
  mkdirSync(bin);
  // Root-only, as compose's bind-mounted secret file is: the server must read it before the drop.
  mkdirSync(secrets, { mode: 0o700 });
  const secret = join(secrets, 'redis_password');
  // A second line must not become a config directive: if it did, this one would replace the
  // password and every auth below would fail.
  writeFileSync(secret, `${password}\nrequirepass injected\n`, { mode: 0o600 });
  if (start.startAs !== undefined) {
    // Kubernetes mounts the Secret readable by the pod's user (fsGroup) and starts as that user.
    chmodSync(secrets, 0o755);
    chmodSync(secret, 0o644);
    spawnSync('chown', ['-R', `${start.startAs}`, data]);
  }
  copyFileSync(ENTRYPOINT, join(bin, 'docker-entrypoint.sh'));
  chmodSync(join(bin, 'docker-entrypoint.sh'), 0o755);
  const relocate = (s: string) => s.replaceAll(start.secretPath, secret).replaceAll('--dir /data', `--dir ${data}`);
  const script = relocate(start.script);
  const health = relocate(start.health);
  expect(script).not.toContain(password);
  const env = { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, LANG: 'C.UTF-8' };

  const samples = join(base, 'samples.txt');
  const ready = join(base, 'sampler-ready');
  const stop = join(base, 'sampler-stop');
  // The sampler reads the token from a file: its own argv is sampled too.
  const tokenFile = join(secrets, 'token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const sampler = spawn(PY, ['-c', SAMPLER, tokenFile, samples, ready, stop], { stdio: 'ignore' });
  const samplerDone = new Promise((r) => sampler.once('exit', r));
  let server: Group | undefined;
  cleanup = async () => {
    writeFileSync(stop, '');
    await samplerDone;
    if (server) await stopGroup(server);
    rmSync(base, { recursive: true, force: true });
  };
  await waitFor('the /proc sampler', () => (existsSync(ready) ? true : undefined), 10_000);

  // A network namespace of its own with loopback up, then the script exactly as the output runs it.
  const trace = join(base, 'server.strace');
  server = spawnGroup(
    'redis-argv',
    'strace',
    ['-f', '-qq', '-xx', '-s', '65535', '-e', 'trace=execve', '-o', trace,
      'unshare', '--net', '--', 'sh', '-c', 'ip link set lo up && exec "$@"', 'netns',
      ...(start.startAs !== undefined ? ['setpriv', `--reuid=${start.startAs}`, `--regid=${start.startAs}`, '--clear-groups'] : []),
      'sh', '-c', script],
    join(base, 'server.log'),
    { cwd: data, env },
  );
  const straced = server.pid;
  const redisPid = await waitFor(
    'redis-server',
    () => readdirSync('/proc').map(Number).find((p) => p > 0 && existsSync(`/proc/${p}`) && safe(() => ppidOf(p) === straced && commOf(p) === 'redis-server')),
    15_000,
    server,
  );
  const inNetns = (args: string[], input?: string) =>
    spawnSync('nsenter', [`--net=/proc/${redisPid}/ns/net`, ...args], { env, encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  const healthy = () => inNetns(['strace', '-f', '-qq', '-xx', '-s', '65535', '-e', 'trace=execve', '-o', `${trace}.health`, 'sh', '-c', health]).status === 0;
  await waitFor('the healthcheck to pass', () => (healthy() ? true : undefined), 15_000, server);

  // The server runs as the redis user, never root.
  expect(uidOf(redisPid)).toBe(redisUid);
  // Auth works with the secret, and nothing works without it.
  expect(inNetns(['sh', '-c', `redis-cli --askpass set k v < ${secret}`]).stdout.trim()).toBe('OK');
  expect(inNetns(['sh', '-c', `redis-cli --askpass get k < ${secret}`]).stdout.trim()).toBe('v');
  expect(inNetns(['redis-cli', 'get', 'k']).stdout).toContain('NOAUTH');
  for (let i = 0; i < 3; i++) expect(healthy()).toBe(true);
  await sleep(200);

  writeFileSync(stop, '');
  await samplerDone;
  const sampled = readFileSync(samples, 'utf8');
  expect(sampled.split('\n').filter((l) => l.startsWith('LEAK'))).toEqual([]);
  expect(Number(/^SAMPLES (\d+)$/m.exec(sampled)![1])).toBeGreaterThan(10);
  // The sampler did see the server (its process title replaces argv once it runs).
  expect(sampled).toMatch(/^SEEN redis-server /m);

  // strace saw every exec: the server and redis-cli ran, and no argv held the token.
  const hex = (s: string) => [...Buffer.from(s)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  const execs = readFileSync(trace, 'utf8') + readFileSync(`${trace}.health`, 'utf8');
  expect(execs).toContain(hex('redis-server'));
  expect(execs).toContain(hex('--askpass'));
  expect(execs).not.toContain(hex(token));
}

function safe(f: () => boolean): boolean {
  try {
    return f();
  } catch {
    return false;
  }
}

describe('Redis is started without its password on any command line (issue 15)', () => {
  const redisUid = Number(spawnSync('id', ['-u', 'redis'], { encoding: 'utf8' }).stdout.trim());

  it('compose and Pulumi: root reads the secret, the entrypoint drops to redis, argv never holds the password', async () => {
    expect(redisUid).toBeGreaterThan(0);
    await run(composeStart(), redisUid);
  });

  it('Kubernetes: started as the redis user, the Secret file on stdin, argv and env never hold the password', async () => {
    await run(kubernetesStart(redisUid), redisUid);
  });
});
