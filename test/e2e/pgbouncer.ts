/** A real PgBouncer (Debian's) on loopback, running the ini the library renders. */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pgBinDir, postgresUser } from './postgres.js';
import { requireBinary, spawnGroup, stopGroup, tcpOpen, waitFor, type Group } from './processes.js';

export const PGBOUNCER_BIN = process.env['PGBOUNCER_BIN'] ?? '/usr/sbin/pgbouncer';

export interface PgBouncerStartOptions {
  readonly dir: string;
  readonly port: number;
  /** The rendered pgbouncer.ini, as written. */
  readonly ini: string;
}

export class PgBouncerServer {
  /** PgBouncer refuses to run as root; it runs as the postgres OS user. */
  public static async start(o: PgBouncerStartOptions): Promise<PgBouncerServer> {
    requireBinary(PGBOUNCER_BIN, 'apt-get install -y pgbouncer');
    const { uid, gid } = postgresUser();
    const home = join(o.dir, 'pgbouncer');
    mkdirSync(home, { recursive: true });
    chownSync(home, uid, gid);
    const ini = join(home, 'pgbouncer.ini');
    writeFileSync(ini, o.ini);
    const log = join(home, 'pgbouncer.log');
    writeFileSync(log, '');
    chownSync(log, uid, gid);
    const group = spawnGroup('pgbouncer', PGBOUNCER_BIN, [ini], log, { uid, gid });
    await waitFor('pgbouncer listening', async () => ((await tcpOpen(o.port)) ? true : undefined), 15_000, group);
    return new PgBouncerServer(group, o.port);
  }

  private constructor(
    public readonly group: Group,
    public readonly port: number,
  ) {}

  /**
   * A psql session on the admin console (`pgbouncer`) as `user`, a stats user, that reads SHOW
   * CLIENTS on demand. It is a client too, named `application_name = e2e-watch`.
   */
  public watchClients(user: string, password: string): AdminConsole {
    const child = spawn(
      join(pgBinDir(), 'psql'),
      ['-X', '-q', '-A', '-P', 'footer=off', '-h', '127.0.0.1', '-p', String(this.port), '-U', user, '-d', 'pgbouncer'],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', PGPASSWORD: password, PGAPPNAME: ADMIN_WATCH } },
    );
    return new AdminConsole(child);
  }

  /** Log lines matching `re`. */
  public logLines(re: RegExp): string[] {
    return readFileSync(this.group.log, 'utf8').split('\n').filter((l) => re.test(l));
  }

  public stop(): Promise<void> {
    return stopGroup(this.group);
  }
}

export const ADMIN_WATCH = 'e2e-watch';

/** SHOW CLIENTS over one admin-console session, one query at a time. */
export class AdminConsole {
  private readonly lines: AsyncIterator<string>;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly child: ChildProcess) {
    this.lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  /** PgBouncer's client connections, as `column → value` rows (this session's included). */
  public clients(): Promise<Record<string, string>[]> {
    const run = async () => {
      this.child.stdin!.write('SHOW CLIENTS;\n\\echo --end--\n');
      const rows: string[][] = [];
      for (;;) {
        const next = await this.lines.next();
        if (next.done) throw new Error('pgbouncer admin console: psql ended');
        if (next.value === '--end--') break;
        rows.push(next.value.split('|'));
      }
      const [header, ...data] = rows;
      return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  public close(): void {
    this.child.stdin?.end();
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }
}
