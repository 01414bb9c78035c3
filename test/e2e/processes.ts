/**
 * Process plumbing for the e2e tier: every server runs in its own process group, is
 * stopped by that group id, and is killed on exit even if a test crashes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/** A started process group: the leader's pid is the group id. */
export interface Group {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly log: string;
  /** Resolves with the exit code (or signal name) once the leader exits. */
  readonly exited: Promise<number | string>;
  exitedAt?: number | string;
  /** Set once stopGroup saw the group empty; the id is never signalled again (pids get reused). */
  stopped?: boolean;
}

const live = new Set<Group>();

// Backstop: a crashed or interrupted test run never leaves a server behind.
process.once('exit', () => {
  for (const g of live) killGroup(g.pid, 'SIGKILL');
});

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Starts `cmd` as the leader of a new process group, with stdout and stderr appended to
 * `log` (a file: nginx cannot open /dev/stdout on a Node pipe).
 */
export function spawnGroup(name: string, cmd: string, args: readonly string[], log: string, opts: SpawnOptions = {}): Group {
  const fd = openSync(log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
      stdio: ['ignore', fd, fd],
      detached: true,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
    child.once('error', (e) => resolve(String(e)));
  });
  const g: Group = { name, pid: child.pid, child, log, exited };
  void exited.then((c) => {
    g.exitedAt = c;
  });
  live.add(g);
  return g;
}

/** Pids still in process group `pgid` (zombies included until reaped). */
export function groupMembers(pgid: number): number[] {
  const r = spawnSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** Processes whose command line mentions `text` (for the teardown assertion). */
export function pgrepFull(text: string): string[] {
  const r = spawnSync('pgrep', ['-a', '-f', text], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l && !/\bpgrep\b/.test(l));
}

/**
 * Stops a group: `first` to `signalPid` (the leader by default, e.g. SIGINT for a
 * postmaster's fast shutdown) and, after `graceMs`, SIGKILL to the whole group. Returns
 * once no member of the group is left.
 */
export async function stopGroup(
  g: Group,
  opts: { signal?: NodeJS.Signals; wholeGroup?: boolean; graceMs?: number } = {},
): Promise<void> {
  const { signal = 'SIGTERM', wholeGroup = true, graceMs = 5_000 } = opts;
  if (g.stopped) return;
  if (g.exitedAt === undefined) {
    if (wholeGroup) killGroup(g.pid, signal);
    else {
      try {
        process.kill(g.pid, signal);
      } catch {
        // gone
      }
    }
    await Promise.race([g.exited, sleep(graceMs)]);
  }
  // A killed member stays listed until its parent (node, or init for orphaned workers) reaps
  // it; on a loaded machine that can take seconds.
  const deadline = Date.now() + 20_000;
  while (groupMembers(g.pid).length > 0) {
    killGroup(g.pid, 'SIGKILL');
    if (Date.now() > deadline) throw new Error(`${g.name}: process group ${g.pid} survived SIGKILL`);
    await sleep(50);
  }
  await Promise.race([g.exited, sleep(1_000)]);
  g.stopped = true;
  live.delete(g);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` until it returns a value other than undefined, or throws with `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, g?: Group): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (g?.exitedAt !== undefined) {
      throw new Error(`${what}: ${g.name} exited (${g.exitedAt}); log:\n${tail(g.log)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: timed out after ${timeoutMs} ms${last ? ` (${String(last)})` : ''}${g ? `; log:\n${tail(g.log)}` : ''}`);
    }
    await sleep(50);
  }
}

/** The last `lines` lines of a log file. */
export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/** `n` distinct free TCP ports on 127.0.0.1, all held until every one is chosen. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<import('node:net').Server>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** True once something accepts TCP connections on 127.0.0.1:`port`. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Finds a required binary or fails (never skips) with an install hint. */
export function requireBinary(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing; ${hint}`);
  return path;
}
