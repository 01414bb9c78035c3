/**
 * `scaleout check --live --postgres-url` against a real PostgreSQL 15 with the login roles
 * of the shared roles contract (issue 15), created here with SQL: a role per backend with
 * CONNECTION LIMIT = its share, and `scaleout_monitor` (pg_monitor, CONNECTION LIMIT 1),
 * which check connects as. The monitor also has REPLICATION here: check then reads the server
 * as a walsender, which takes no connection slot, so it still reads a saturated server.
 *
 * - At budget (the backend's role holding its whole share) it exits 0.
 * - With the role's limit lifted by hand and an extra backend process connected, the role is
 *   over its share: exit 1, naming the backend, its role, the limit and the count.
 * - After `ALTER SYSTEM SET max_connections` and a restart: exit 1, naming the setting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../lib/cli/config.js';
import { MONITOR_ROLE, postgresRoles } from '../../lib/plan/roles.js';
import { postgresBudget } from '../../lib/capacity/postgres-budget.js';
import { resolveProfile } from '../../lib/plan/profile.js';
import { cliAsync } from '../helpers/cli.js';
import { pgBinDir, PostgresServer } from './postgres.js';
import { freePorts, waitFor } from './processes.js';

const CONFIG = `name: shop
backends:
  api:
    image: ghcr.io/acme/api:1.0.0
    port: 8000
    replicas: 2
    workers: 1
    pool: { size: 2, maxOverflow: 1 }
    redisPool: 0
postgres:
  maxConnections: 10
  superuserReservedConnections: 3
  # scaleout_monitor counts as a fixed client of 1 by itself (lib/plan/roles.ts): demand 6 + 1 = available 7.
profiles:
  prod:
    backends:
      api: { replicas: 2 }
`;

const ctx = resolveProfile(loadConfigText(CONFIG, 'scaleout.yaml'), 'prod');
const roles = postgresRoles(ctx, 'compose');
const backendRole = roles.find((r) => r.kind === 'backend')!;
const pgModel = ctx.postgres!;
/** At budget: the model's demand is exactly what ordinary roles may open. */
const budget = postgresBudget(ctx.backends, pgModel, 'compose');

let dir: string;
let server: PostgresServer;
let port: number;
let held: pg.Client[] = [];

/** Holds `n` connections as the backend's role, as its workers would at their peak. */
async function holdShare(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const c = new pg.Client({ host: '127.0.0.1', port, user: backendRole.name, password: 'api-pw', database: pgModel.database, application_name: 'api-prod' });
    c.on('error', () => undefined);
    await c.connect();
    held.push(c);
  }
}

async function release(): Promise<void> {
  await Promise.all(held.map((c) => c.end().catch(() => undefined)));
  held = [];
}

/** Another backend process (psql) connecting as the backend's role; with `sql`, it runs that and exits. */
function extraProcess(sql?: string): ChildProcess {
  const args = ['-X', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', backendRole.name, '-d', pgModel.database, ...(sql ? ['-c', sql] : [])];
  return spawn(join(pgBinDir(), 'psql'), args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { PATH: '/usr/bin:/bin', PGPASSWORD: 'api-pw', PGAPPNAME: 'extra' },
  });
}

const check = () =>
  cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prod', '--postgres-only', '--postgres-url', `postgres://${MONITOR_ROLE}:monitor-pw@127.0.0.1:${port}/${pgModel.database}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scaleout-check-live-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'scaleout.yaml'), CONFIG);
  [port] = await freePorts(1);
  server = await PostgresServer.start({ dir, port: port!, settings: [], user: pgModel.user, password: 'app-pw', database: pgModel.database });
  // The model's settings through ALTER SYSTEM, so a later ALTER SYSTEM can change them.
  server.psql(`ALTER SYSTEM SET max_connections = ${pgModel.maxConnections}`);
  server.psql(`ALTER SYSTEM SET superuser_reserved_connections = ${pgModel.superuserReservedConnections}`);
  await server.restart();
  // The contract's roles (issue 15): the backend's at its share, the monitor in pg_monitor.
  server.psql(`CREATE ROLE ${backendRole.name} LOGIN PASSWORD 'api-pw' CONNECTION LIMIT ${backendRole.connectionLimit}`);
  server.psql(`CREATE ROLE ${MONITOR_ROLE} LOGIN REPLICATION PASSWORD 'monitor-pw' CONNECTION LIMIT 1 IN ROLE pg_monitor`);
}, 90_000);

afterAll(async () => {
  await release();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('check --live on a real PostgreSQL 15 with the contract roles', () => {
  it('exits 0 at budget: the backend role holds its whole share', async () => {
    expect(budget.demand).toBe(budget.available);
    await holdShare(backendRole.connectionLimit);
    const r = await check();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok\\s+role-connections\\s+api \\(role ${backendRole.name}\\)\\s+${backendRole.connectionLimit}\\s+${backendRole.connectionLimit}$`, 'm'));
    // PostgreSQL 15: no reserved_connections, and the model reserves none.
    expect(r.stdout).toContain('PostgreSQL 15 has no reserved_connections (it needs 16 or later); counted as 0, the model 0');
    // Without REPLICATION the monitor takes an ordinary slot: the one the model counts for it.
    server.psql(`ALTER ROLE ${MONITOR_ROLE} NOREPLICATION`);
    try {
      const ordinary = await check();
      expect(ordinary.stderr).toBe('');
      expect(ordinary.code).toBe(0);
      expect(ordinary.stdout).toContain(`1 connections as ${MONITOR_ROLE} (by application_name: scaleout check --live 1) ≤ limit 1`);
    } finally {
      server.psql(`ALTER ROLE ${MONITOR_ROLE} REPLICATION`);
    }
  });

  it('an extra backend process is refused by the role limit; with the limit lifted it gets in and check exits 1 naming backend, role, limit and count', async () => {
    if (held.length === 0) await holdShare(backendRole.connectionLimit);
    const refused = extraProcess('SELECT 1');
    let err = '';
    refused.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => refused.once('exit', r));
    expect(code).not.toBe(0);
    expect(err).toContain(`too many connections for role "${backendRole.name}"`);

    server.psql(`ALTER ROLE ${backendRole.name} CONNECTION LIMIT -1`);
    // Observed through a walsender, which takes no connection slot: a superuser psql polling
    // here would take one of the free slots the extra process needs, and PostgreSQL refuses an
    // ordinary role once no more than superuser_reserved_connections slots are free.
    const watch = await server.monitor();
    // The refused process's backend and the last check's monitor session may still be closing.
    await waitFor('only the held sessions remain', async () => ((await watch.count()) === held.length ? true : undefined), 10_000);
    const extra = extraProcess();
    let extraErr = '';
    extra.stderr!.on('data', (d: Buffer) => (extraErr += d.toString()));
    try {
      await waitFor('the extra process connected', async () => {
        if (extra.exitCode !== null) throw new Error(`the extra process exited ${extra.exitCode}: ${extraErr}`);
        return (await watch.count(`usename = '${backendRole.name}' AND application_name = 'extra'`)) === 1 ? true : undefined;
      }, 10_000);
      const r = await check();
      expect(r.code).toBe(1);
      const count = backendRole.connectionLimit + 1;
      expect(r.stdout).toMatch(new RegExp(`^DRIFT\\s+role-connections\\s+api \\(role ${backendRole.name}\\)\\s+${backendRole.connectionLimit}\\s+${count}$`, 'm'));
      expect(r.stdout).toContain(`${count} connections as ${backendRole.name} (by application_name: api-prod ${backendRole.connectionLimit} + extra 1) > limit ${backendRole.connectionLimit}`);
      expect(r.stdout).toMatch(new RegExp(`^DRIFT\\s+role-limit\\s+api \\(role ${backendRole.name}\\)\\s+${backendRole.connectionLimit}\\s+-1$`, 'm'));
      expect(r.stdout).toContain(`restore: psql -c "ALTER ROLE ${backendRole.name} CONNECTION LIMIT ${backendRole.connectionLimit}"`);
    } finally {
      // It may have exited already (refused): then there is no exit left to wait for.
      if (extra.exitCode === null && extra.signalCode === null) {
        extra.stdin!.end('\\q\n');
        await new Promise((r) => extra.once('exit', r));
      }
      server.psql(`ALTER ROLE ${backendRole.name} CONNECTION LIMIT ${backendRole.connectionLimit}`);
      watch.close();
    }
    expect((await check()).code).toBe(0);
  });

  it('after ALTER SYSTEM SET max_connections and a restart, check exits 1 naming the setting', async () => {
    await release();
    const changed = pgModel.maxConnections + 5;
    server.psql(`ALTER SYSTEM SET max_connections = ${changed}`);
    await server.restart();
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^DRIFT\\s+setting\\s+max_connections\\s+${pgModel.maxConnections}\\s+${changed}$`, 'm'));
    expect(r.stdout).toContain(`max_connections ${changed} ≠ the model's ${pgModel.maxConnections}`);
    expect(r.stdout).toContain(`restore: psql -c "ALTER SYSTEM SET max_connections = ${pgModel.maxConnections}" && restart PostgreSQL`);
  }, 60_000);

  it('a server that is not there is exit 3 with one line', async () => {
    const [closed] = await freePorts(1);
    const r = await cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prod', '--postgres-only', '--postgres-url', `postgres://${MONITOR_ROLE}:monitor-pw@127.0.0.1:${closed}/x`);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`scaleout: cannot reach PostgreSQL at postgres://***@127.0.0.1:${closed}/x: connect ECONNREFUSED 127.0.0.1:${closed}\n`);
  });
});
