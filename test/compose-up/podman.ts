/**
 * Plumbing for the compose-up tier: the podman API service and the healthcheck ticker
 * (each in its own process group, stopped by pid), docker-compose against the API socket,
 * podman queries, cleanup of the project by name, and the failure dump.
 *
 * Everything here is rootful podman with `CONTAINERS_CONF=scripts/compose-up/containers.conf`
 * (runc, ulimits the sandbox allows, cgroupfs, netavark); scripts/compose-up/setup.sh
 * prepares the machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComposeFile } from './stack.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SCRIPTS = join(REPO, 'scripts', 'compose-up');
export const SETUP_SCRIPT = join(SCRIPTS, 'setup.sh');
export const TICKER_SCRIPT = join(SCRIPTS, 'healthcheck-ticker.sh');
export const CONTAINERS_CONF = join(SCRIPTS, 'containers.conf');
/** Pid files, the API socket and logs; shared with setup.sh. */
export const STATE = process.env['SCALEOUT_COMPOSE_UP_STATE'] ?? '/var/tmp/scaleout-compose-up';
/** The reference stack's name, which its `.env` makes the project name: containers are `<PROJECT>_<service>_<n>`. */
export const PROJECT = 'uns';
export const SOCKET = join(STATE, 'podman.sock');

const COMPOSE_LABEL = 'com.docker.compose.project';

/** The environment every podman and docker-compose call gets. */
export function podmanEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    CONTAINERS_CONF,
    DOCKER_HOST: `unix://${SOCKET}`,
    // podman answers some compat calls slowly; docker-compose's default is 60 s.
    COMPOSE_HTTP_TIMEOUT: '300',
    NO_COLOR: '1',
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly output: string;
}

/** Runs a short command synchronously. */
export function runSync(cmd: string, args: readonly string[], opts: { cwd?: string } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: podmanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`could not run ${cmd}: ${r.error.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
}

/** Runs a command without blocking the event loop; kills it after `timeoutMs`. */
export function runAsync(cmd: string, args: readonly string[], opts: { cwd?: string; timeoutMs: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: podmanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) output += `\n[killed after ${opts.timeoutMs / 1000} s]`;
      resolve({ code: code ?? (signal ? 128 : -1), stdout, output });
    });
  });
}

/** The last `n` lines of a text. */
export function tailLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function tailFile(path: string, n: number): string {
  return existsSync(path) ? tailLines(readFileSync(path, 'utf8'), n) : `(no ${path})`;
}

// ---------------------------------------------------------------------------------------
// Background processes, stopped by pid.

const live = new Set<Daemon>();
// Backstop: a crashed or interrupted run never leaves the API service or the ticker behind.
process.once('exit', () => {
  for (const d of live) d.killNow();
});

/** A background process leading its own process group, with a pid file in STATE. */
export class Daemon {
  public static start(name: string, cmd: string, args: readonly string[]): Daemon {
    mkdirSync(STATE, { recursive: true });
    const log = join(STATE, `${name}.log`);
    const fd = openSync(log, 'w');
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { env: podmanEnv(), stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
    const d = new Daemon(name, child, child.pid, log);
    writeFileSync(d.pidFile, `${child.pid}\n`);
    live.add(d);
    return d;
  }

  /**
   * Stops what a crashed earlier run left: the process group in `<name>.pid`, only if that
   * pid still runs a command line containing `marker` (the pid may have been reused).
   */
  public static stopStale(name: string, marker: string): string | undefined {
    const pidFile = join(STATE, `${name}.pid`);
    if (!existsSync(pidFile)) return undefined;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    rmSync(pidFile, { force: true });
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      return undefined;
    }
    if (!cmdline.includes(marker)) return undefined;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      process.kill(pid, 'SIGKILL');
    }
    return `stopped a stale ${name} (pid ${pid}) from an earlier run`;
  }

  private readonly exited: Promise<void>;
  private done = false;

  private constructor(
    public readonly name: string,
    private readonly child: ChildProcess,
    public readonly pid: number,
    public readonly log: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.done = true;
        live.delete(this);
        resolve();
      });
    });
  }

  public get pidFile(): string {
    return join(STATE, `${this.name}.pid`);
  }

  public get running(): boolean {
    return !this.done;
  }

  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  public async stop(graceMs = 5_000): Promise<void> {
    if (!this.done) {
      this.signal('SIGTERM');
      const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
      if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'timeout') {
        this.signal('SIGKILL');
        await this.exited;
      }
    }
    // Whatever the leader left in its group (a ticker's in-flight healthcheck run).
    this.signal('SIGKILL');
    rmSync(this.pidFile, { force: true });
  }

  public killNow(): void {
    this.signal('SIGKILL');
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // the group is gone
    }
    void this.child;
  }
}

/** GET on the API socket; resolves to the status code, or undefined when nothing answers. */
function pingSocket(path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ socketPath: SOCKET, path, method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}

/** `podman system service --time=0 unix://SOCKET`, ready once `/_ping` answers 200. */
export async function startApiService(): Promise<Daemon> {
  rmSync(SOCKET, { force: true });
  const d = Daemon.start('podman-service', 'podman', ['system', 'service', '--time=0', `unix://${SOCKET}`]);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await pingSocket('/_ping')) === 200) return d;
    if (!d.running) break;
    await sleep(250);
  }
  await d.stop();
  throw new Error(`the podman API service did not answer on ${SOCKET}:\n${tailFile(d.log, 30)}`);
}

/** The healthcheck ticker for PROJECT, logging to `<STATE>/healthcheck-ticker.log`. */
export function startTicker(): Daemon {
  const log = join(STATE, 'healthchecks.log');
  writeFileSync(log, '');
  return Daemon.start('healthcheck-ticker', 'bash', [TICKER_SCRIPT, PROJECT, log, '2']);
}

export const TICKER_LOG = join(STATE, 'healthchecks.log');

/** One line of the ticker log. */
export interface HealthRun {
  readonly start: number;
  readonly end: number;
  readonly name: string;
  readonly code: number;
}

export function healthRuns(): HealthRun[] {
  if (!existsSync(TICKER_LOG)) return [];
  return readFileSync(TICKER_LOG, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 4)
    .map(([start, end, name, code]) => ({ start: Number(start), end: Number(end), name: name!, code: Number(code) }));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------
// docker-compose and podman queries.

/**
 * docker-compose 1.29 in `dir`, against the API socket, with no `-p`: the project name comes
 * from the synthesized `.env` (COMPOSE_PROJECT_NAME), as it does for a user.
 */
export function compose(dir: string, args: readonly string[], timeoutMs = 240_000): Promise<RunResult> {
  return runAsync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), ...args], { cwd: dir, timeoutMs });
}

/** The fields of `podman inspect` this tier reads. */
export interface Container {
  readonly Id: string;
  readonly Name: string;
  readonly RestartCount?: number;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly StartedAt: string;
    /** When it exited (a one-shot such as the role setup or a migration). */
    readonly FinishedAt?: string;
    /** Its exit code, once exited. */
    readonly ExitCode?: number;
    readonly Health?: { readonly Status: string; readonly Log?: { Start: string; ExitCode: number; Output: string }[] | null };
  };
  readonly Config: { readonly Hostname: string; readonly Env: string[] | null; readonly Labels: Record<string, string> | null };
  readonly HostConfig: { readonly PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
  readonly NetworkSettings: {
    readonly Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
    readonly Networks?: Record<string, unknown> | null;
  };
}

export const serviceOf = (c: Container): string => c.Config.Labels?.['com.docker.compose.service'] ?? '?';
export const healthOf = (c: Container): string => c.State.Health?.Status || 'none';

/** `podman inspect` of every container (any state) of PROJECT. */
export function projectContainers(): Container[] {
  const ids = runSync('podman', ['ps', '-a', '--filter', `label=${COMPOSE_LABEL}=${PROJECT}`, '--format', '{{.ID}}']).stdout.split(/\s+/).filter(Boolean);
  if (ids.length === 0) return [];
  const r = runSync('podman', ['inspect', '--type', 'container', ...ids]);
  if (r.code !== 0) {
    // A container went away between ps and inspect: ask again.
    const again = runSync('podman', ['ps', '-a', '--filter', `label=${COMPOSE_LABEL}=${PROJECT}`, '--format', '{{.ID}}']).stdout.split(/\s+/).filter(Boolean);
    if (again.length === 0) return [];
    return JSON.parse(runSync('podman', ['inspect', '--type', 'container', ...again]).stdout) as Container[];
  }
  return JSON.parse(r.stdout) as Container[];
}

/** The last lines a container logged. */
export function containerLogTail(name: string, lines = 8): string {
  return tailLines(runSync('podman', ['logs', '--tail', String(lines), name]).output, lines);
}

/** Runs a command inside a container. */
export function execIn(container: string, args: readonly string[]): RunResult {
  return runSync('podman', ['exec', container, ...args]);
}

/** Names of what PROJECT owns now: containers (by label and by name), networks, volumes. */
export function projectLeftovers(): { containers: string[]; networks: string[]; volumes: string[] } {
  const prefix = `${PROJECT}_`;
  const names = (args: string[]) => runSync('podman', args).stdout.split(/\s+/).filter(Boolean);
  const containers = new Set([
    ...names(['ps', '-a', '--filter', `label=${COMPOSE_LABEL}=${PROJECT}`, '--format', '{{.Names}}']),
    ...names(['ps', '-a', '--format', '{{.Names}}']).filter((n) => n.startsWith(prefix)),
  ]);
  return {
    containers: [...containers].sort(),
    networks: names(['network', 'ls', '--format', '{{.Name}}']).filter((n) => n.startsWith(prefix)),
    volumes: names(['volume', 'ls', '--format', '{{.Name}}']).filter((n) => n.startsWith(prefix)),
  };
}

/** Removes PROJECT's containers, networks and volumes by name; returns what it removed. */
export function removeProjectByName(): string[] {
  const left = projectLeftovers();
  const removed: string[] = [];
  if (left.containers.length) {
    runSync('podman', ['rm', '-f', '-t', '0', ...left.containers]);
    removed.push(...left.containers.map((c) => `container ${c}`));
  }
  if (left.networks.length) {
    runSync('podman', ['network', 'rm', '-f', ...left.networks]);
    removed.push(...left.networks.map((n) => `network ${n}`));
  }
  if (left.volumes.length) {
    runSync('podman', ['volume', 'rm', '-f', ...left.volumes]);
    removed.push(...left.volumes.map((v) => `volume ${v}`));
  }
  return removed;
}

/** Names podman may hold a compose image under (compat clients ask for docker.io/library/…). */
export function imageAliases(image: string): string[] {
  const first = image.split('/')[0]!;
  const qualified = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (qualified) return [image];
  return image.includes('/') ? [`docker.io/${image}`, `localhost/${image}`] : [`docker.io/library/${image}`, `localhost/${image}`];
}

/** Images of the compose file that no stand-in provides, as messages. */
export function missingImages(file: ComposeFile): string[] {
  const images = [...new Set(Object.values(file.services).map((s) => s.image))].sort();
  return images
    .filter((img) => !imageAliases(img).some((name) => runSync('podman', ['image', 'exists', name]).code === 0))
    .map((img) => `${img}: no local image; scripts/compose-up/setup.sh builds a stand-in for each image the reference stack uses (add one for this name)`);
}

/** True when nothing listens on `port` on the host (binding the wildcard address). */
export function hostPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Milliseconds since the epoch of a podman RFC 3339 (nanosecond) time. */
export function parseTime(t: string): number {
  const ms = Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) throw new Error(`cannot parse time '${t}'`);
  return ms;
}

/** What a red run prints: compose ps and logs, podman's view, the ticker, the rendered files. */
export async function diagnostics(dir: string, profiles: readonly string[]): Promise<string> {
  const p = profiles.flatMap((x) => ['--profile', x]);
  const parts: string[] = [];
  const section = (title: string, body: string) => parts.push(`===== ${title}\n${body.trimEnd()}`);
  try {
    section('docker-compose ps', (await compose(dir, [...p, 'ps'], 60_000)).output);
    section('docker-compose logs (last 60 lines per service)', (await compose(dir, [...p, 'logs', '--no-color', '--tail=60'], 60_000)).output);
  } catch (e) {
    section('docker-compose', `could not run: ${(e as Error).message}`);
  }
  try {
    section('podman ps -a', runSync('podman', ['ps', '-a', '--filter', `label=${COMPOSE_LABEL}=${PROJECT}`]).output);
    for (const c of projectContainers()) {
      const log = (c.State.Health?.Log ?? []).slice(-3).map((l) => `  ${l.Start} exit ${l.ExitCode}: ${l.Output.trim()}`);
      section(`container ${c.Name}: ${c.State.Status}, health ${healthOf(c)}`, log.join('\n') || '  (no health log)');
    }
  } catch (e) {
    section('podman', `could not run: ${(e as Error).message}`);
  }
  section('healthcheck ticker (last 40 runs)', tailFile(TICKER_LOG, 40));
  section('podman API service log (last 40 lines)', tailFile(join(STATE, 'podman-service.log'), 40));
  const nginxDir = join(dir, 'nginx');
  const confs = existsSync(nginxDir) ? readdirSync(nginxDir).map((f) => `nginx/${f}`) : [];
  for (const f of ['docker-compose.yml', ...confs]) section(`rendered ${f}`, tailFile(join(dir, f), 400));
  const text = parts.join('\n');
  writeFileSync(join(STATE, 'last-failure.txt'), text);
  return text;
}

/**
 * Waits until exactly `want[service]` containers of each service run healthy (containers of
 * other services are ignored); fails at once, with its last log lines, on an unhealthy one.
 */
export async function waitServicesHealthy(want: Readonly<Record<string, number>>, timeoutMs = 180_000): Promise<Container[]> {
  const deadline = Date.now() + timeoutMs;
  let summary = '';
  while (Date.now() < deadline) {
    const running = projectContainers().filter((c) => c.State.Running);
    const of = (s: string) => running.filter((c) => serviceOf(c) === s);
    if (Object.entries(want).every(([s, n]) => of(s).length === n && of(s).every((c) => healthOf(c) === 'healthy'))) return running;
    const bad = running.find((c) => serviceOf(c) in want && healthOf(c) === 'unhealthy');
    if (bad) throw new Error(`${bad.Name} is unhealthy; its last log lines:\n${containerLogTail(bad.Name)}`);
    summary = projectContainers().map((c) => `${c.Name}: ${c.State.Status}, health ${healthOf(c)}`).join('\n');
    await sleep(1_000);
  }
  throw new Error(`not every container became healthy in ${timeoutMs / 1000} s; wanted ${JSON.stringify(want)}, have:\n${summary}`);
}

/**
 * What every compose-up file does first: root or a clear error, the stand-in images
 * (setup.sh, idempotent), no daemon or ticker left by an earlier run, no project left over.
 * Returns setup.sh's output.
 */
export async function prepareTier(): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new Error('the compose-up tier needs root (rootful podman, apt-get, debootstrap): run it as root, e.g. `sudo npm run test:compose-up` (scripts/compose-up/README.md)');
  }
  const setup = await runAsync('bash', [SETUP_SCRIPT], { timeoutMs: 14 * 60_000 });
  if (setup.code !== 0) throw new Error(`scripts/compose-up/setup.sh failed (exit ${setup.code}):\n${tailLines(setup.output, 60)}`);
  for (const stale of [Daemon.stopStale('podman-service', SOCKET), Daemon.stopStale('healthcheck-ticker', `healthcheck-ticker.sh ${PROJECT} `)]) {
    if (stale) console.warn(stale);
  }
  const removed = removeProjectByName();
  if (removed.length) console.warn(`removed leftovers of an earlier run: ${removed.join(', ')}`);
  return setup.output;
}
