/**
 * A throwaway PostgreSQL server for the e2e tier, and the two ways of looking at it
 * without changing what it measures: a walsender monitor and the server log.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnGroup, stopGroup, waitFor, type Group } from './processes.js';

/** scaleout's superuser (lib/plan/roles.ts SUPERUSER), whose sessions the monitor leaves out. */
const SUPERUSER = 'postgres';
/** The ordinary role `holdConnections` holds its sessions as: no CONNECTION LIMIT of its own. */
const FIXED_ROLE = 'fixed_clients';

/** The newest PostgreSQL under /usr/lib/postgresql (Debian 12: 15). */
export function pgBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.length ? join(root, versions[0]!, 'bin') : '';
  if (!dir || !existsSync(join(dir, 'postgres'))) {
    throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres); apt-get install -y postgresql');
  }
  return dir;
}

/** uid and gid of the `postgres` OS user: PostgreSQL refuses to run as root. */
export function postgresUser(): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error('no postgres OS user; apt-get install -y postgresql');
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface PostgresStartOptions {
  /** Directory owned by nobody else; the server's files go under it. */
  readonly dir: string;
  readonly port: number;
  /** `-c name=value` settings, exactly as the compose target passes them. */
  readonly settings: readonly string[];
  /**
   * The compose service's POSTGRES_USER and the password from its secret. When it is
   * `postgres` (scaleout's superuser) it is the superuser, and the role setup creates the
   * login roles; any other name is created as an ordinary role owning the database.
   */
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /**
   * Directory under `dir` for this server's files (two servers share one stack dir when two
   * profiles each have their own Postgres).
   *
   * @default 'pg'
   */
  readonly name?: string;
}

/** A running server: superuser `postgres` over the Unix socket (trust), everyone else over TCP (scram). */
export class PostgresServer {
  public static async start(o: PostgresStartOptions): Promise<PostgresServer> {
    const bin = pgBinDir();
    const { uid, gid } = postgresUser();
    const home = join(o.dir, o.name ?? 'pg');
    mkdirSync(home, { recursive: true });
    spawnSync('chown', [`${uid}:${gid}`, home]);
    const pw = join(home, 'superuser-password');
    writeFileSync(pw, `su-${o.password}\n`, { mode: 0o600 });
    spawnSync('chown', [`${uid}:${gid}`, pw]);
    const data = join(home, 'data');
    const init = spawnSync(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pw}`, '-N', '-E', 'UTF8', '--locale=C'],
      { uid, gid, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LANG: 'C' } },
    );
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`);
    const log = join(home, 'server.log');
    writeFileSync(log, '');
    spawnSync('chown', [`${uid}:${gid}`, log]);
    const args = [
      '-D', data,
      '-c', `port=${o.port}`,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${home}`,
      // Observability only: %e puts the SQLSTATE (53300) in each log line.
      '-c', 'log_line_prefix=%m [%p] %e ',
      '-c', 'fsync=off',
      ...o.settings.flatMap((s) => ['-c', s]),
    ];
    const group = spawnGroup(o.name ?? 'postgres', join(bin, 'postgres'), args, log, { uid, gid, env: { PATH: '/usr/bin:/bin', LANG: 'C' } });
    const server = new PostgresServer(o, home, bin, group, args);
    try {
      await waitFor('postgres ready', () => (server.psql('SELECT 1').trim() === '1' ? true : undefined), 30_000, group);
      if (o.user === SUPERUSER) {
        server.psql(`CREATE DATABASE ${o.database}`);
      } else {
        server.psql(`CREATE ROLE ${o.user} LOGIN NOSUPERUSER PASSWORD '${o.password.replace(/'/g, "''")}'`);
        server.psql(`CREATE DATABASE ${o.database} OWNER ${o.user}`);
      }
    } catch (e) {
      await server.stop();
      throw e;
    }
    return server;
  }

  /** How many `holdConnections` calls so far. */
  private batches = 0;

  private constructor(
    public readonly opts: PostgresStartOptions,
    /** Socket directory and data parent. */
    public readonly home: string,
    private readonly bin: string,
    public group: Group,
    /** The postmaster's arguments, for {@link PostgresServer.restart}. */
    private readonly args: readonly string[],
  ) {}

  /**
   * Stops the server and starts it again on the same data directory, so settings written with
   * `ALTER SYSTEM` (postgresql.auto.conf) take effect. Command-line `settings` still win.
   */
  public async restart(): Promise<void> {
    await this.stop();
    const { uid, gid } = postgresUser();
    this.group = spawnGroup(this.opts.name ?? 'postgres', join(this.bin, 'postgres'), this.args, this.log, { uid, gid, env: { PATH: '/usr/bin:/bin', LANG: 'C' } });
    await waitFor('postgres ready after restart', () => (this.psql('SELECT 1').trim() === '1' ? true : undefined), 30_000, this.group);
  }

  public get log(): string {
    return this.group.log;
  }

  /** Runs SQL as the superuser over the Unix socket (setup only: this takes a slot while it runs). */
  public psql(sql: string, db = 'postgres'): string {
    const r = spawnSync(join(this.bin, 'psql'), ['-X', '-A', '-t', '-q', '-h', this.home, '-p', String(this.opts.port), '-U', 'postgres', '-d', db, '-c', sql], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
    return r.stdout;
  }

  /** Server log lines matching `re` (e.g. / 53300 /). */
  public logLines(re: RegExp): string[] {
    return readFileSync(this.log, 'utf8').split('\n').filter((l) => re.test(l));
  }

  /**
   * A monitor that takes no connection slot: a `replication=database` session is a
   * walsender, counted against max_wal_senders, not max_connections.
   */
  public async monitor(): Promise<PgMonitor> {
    const conninfo = `host=${this.home} port=${this.opts.port} user=postgres dbname=${this.opts.database} replication=database`;
    const child = spawn(join(this.bin, 'psql'), ['-X', '-A', '-t', '-q', conninfo], { stdio: ['pipe', 'pipe', 'pipe'] });
    const m = new PgMonitor(child);
    await m.count();
    return m;
  }

  /**
   * Holds `k` real connections over TCP as an ordinary role of their own, like the model's
   * fixed clients (migrations, exporters, admin sessions, the monitoring role), until released.
   */
  public async holdConnections(k: number): Promise<FixedClients> {
    const held: ChildProcess[] = [];
    const password = `fixed-${this.opts.password}`;
    // Each call's sessions are named apart, so a second call waits for its own.
    const batch = `fixed-${this.batches++}-`;
    this.psql(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${FIXED_ROLE}') THEN CREATE ROLE ${FIXED_ROLE} LOGIN NOSUPERUSER PASSWORD '${password}'; END IF; END $$`,
    );
    for (let i = 0; i < k; i++) {
      const child = spawn(
        join(this.bin, 'psql'),
        ['-X', '-q', '-h', '127.0.0.1', '-p', String(this.opts.port), '-U', FIXED_ROLE, '-d', this.opts.database],
        { stdio: ['pipe', 'ignore', 'pipe'], env: { PATH: '/usr/bin:/bin', PGPASSWORD: password, PGAPPNAME: `${batch}${i}` } },
      );
      held.push(child);
    }
    const fixed = new FixedClients(held);
    const m = await this.monitor();
    try {
      await waitFor(`${k} fixed clients connected`, async () => ((await m.count(`application_name LIKE '${batch}%'`)) === k ? true : undefined), 10_000);
    } finally {
      m.close();
    }
    return fixed;
  }

  public async stop(): Promise<void> {
    // SIGINT to the postmaster alone: fast shutdown, which ends every backend and cleans up IPC.
    await stopGroup(this.group, { signal: 'SIGINT', wholeGroup: false, graceMs: 10_000 });
  }
}

/** Connections the test holds open on purpose; `release()` closes them. */
export class FixedClients {
  constructor(private readonly children: readonly ChildProcess[]) {}
  public async release(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.stdin?.end('\\q\n');
            setTimeout(() => c.kill('SIGKILL'), 3_000).unref();
          }),
      ),
    );
  }
}

/** Polls pg_stat_activity over one walsender session and tracks the peak. */
export class PgMonitor {
  private readonly lines: AsyncIterator<string>;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Highest count of ordinary roles' client backends seen since `track()`. */
  public peak = 0;
  public samples = 0;

  constructor(private readonly child: ChildProcess) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  /**
   * Client backends of every ordinary role (the backends', the exporters', the fixed
   * clients'; not the superuser's), optionally filtered further by `where`.
   */
  public count(where = 'true'): Promise<number> {
    // One query at a time on the one session: answers come back in order.
    const run = async () => {
      this.child.stdin!.write(
        `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND usename <> '${SUPERUSER}' AND (${where});\n`,
      );
      const next = await this.lines.next();
      if (next.done) throw new Error('pg monitor: psql ended');
      return Number(next.value.trim());
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => 0);
    return result;
  }

  /** Samples every `everyMs` ms in the background, keeping the peak (of the sessions `where` selects). */
  public track(everyMs = 20, where = 'true'): void {
    this.peak = 0;
    this.timer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      this.count(where)
        .then((n) => {
          this.samples++;
          if (n > this.peak) this.peak = n;
        })
        .catch(() => undefined)
        .finally(() => {
          this.busy = false;
        });
    }, everyMs);
  }

  public untrack(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  public close(): void {
    this.untrack();
    this.child.stdin?.end();
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }
}
