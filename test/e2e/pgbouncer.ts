/** A real PgBouncer (Debian's) on loopback, running the ini the library renders. */
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresUser } from './postgres.js';
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
    return new PgBouncerServer(group);
  }

  private constructor(public readonly group: Group) {}

  /** Log lines matching `re`. */
  public logLines(re: RegExp): string[] {
    return readFileSync(this.group.log, 'utf8').split('\n').filter((l) => re.test(l));
  }

  public stop(): Promise<void> {
    return stopGroup(this.group);
  }
}
