/**
 * Issue 15's runtime guard on a real PostgreSQL 15: the role-setup SQL scaleout renders,
 * applied as the output applies it (psql as the superuser with `roleSetupPsqlArgs`, each
 * password read from its secret file), gives every consumer a login role whose CONNECTION
 * LIMIT is its share of the budget at its peak.
 *
 * Two backends connect directly: `api` (2 replicas × 2 workers × (2 + 1) = 12) and
 * `shop-api` (role `shop_api`, 1 replica × 2 workers × (1 + 1) = 4), plus the monitoring
 * role's fixed 1: demand 17 = available, superuser_reserved 3, so max_connections 20.
 * Each backend's worker pools are stood in for by that many real sessions as its role.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Backend, Nginx, Postgres, Stack, synthGate } from '../../lib/index.js';
import { postgresServerArgs, type ResolvedPostgres } from '../../lib/model/postgres.js';
import { MONITOR_ROLE, postgresRoles, SUPERUSER, type PostgresRole } from '../../lib/plan/roles.js';
import { renderRolesSql, roleSetupPsqlArgs } from '../../lib/render/postgres-roles-sql.js';
import { E2E_TMP, TEMP_PREFIX } from './harness.js';
import { pgBinDir, PostgresServer } from './postgres.js';
import { freePorts, waitFor } from './processes.js';

const SUPERUSER_RESERVED = 3;
const API = { replicas: 2, workers: 2, pool: { size: 2, maxOverflow: 1 } };
const SHOP = { replicas: 1, workers: 2, pool: { size: 1, maxOverflow: 1 } };
/** docs/ARCHITECTURE.md: a backend's share = peak replicas × workers × (size + overflow). */
const shareOf = (b: typeof API) => b.replicas * b.workers * (b.pool.size + b.pool.maxOverflow);
const MONITOR = 1;
const AVAILABLE = shareOf(API) + shareOf(SHOP) + MONITOR;

function model(apiReplicas = API.replicas): { ctx: ReturnType<typeof synthGate>['contexts'][number]; roles: readonly PostgresRole[]; pg: ResolvedPostgres } {
  const stack = new Stack(undefined, 'e2e');
  const common = { image: 'scaleout/reference-backend:1.0.0', port: 8000, redisPool: 0 } as const;
  new Backend(stack, 'api', { ...common, ...API, replicas: apiReplicas, routes: ['/api/'] });
  new Backend(stack, 'shop-api', { ...common, ...SHOP, routes: ['/shop/'] });
  new Nginx(stack, 'nginx', { image: 'nginx:1.22.1', version: '1.22' });
  new Postgres(stack, 'db', { image: 'postgres:15', maxConnections: AVAILABLE + SUPERUSER_RESERVED, superuserReservedConnections: SUPERUSER_RESERVED });
  // Dev profile under compose semantics: the gate must pass at budget.
  const report = synthGate(stack, { targets: ['compose'], profiles: ['dev'] });
  const ctx = report.contexts[0]!;
  return { ctx, roles: postgresRoles(ctx, 'compose'), pg: ctx.postgres! };
}

const dir = mkdtempSync(join(E2E_TMP, `${TEMP_PREFIX}roles-`));
// The postgres OS user must reach its data directory under it.
chmodSync(dir, 0o755);
const secrets = join(dir, 'secrets');
let server: PostgresServer | undefined;
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** Every role's password file, random, mode 0600, as `scaleout secrets` writes them. */
function writeSecrets(roles: readonly PostgresRole[]): Map<string, string> {
  spawnSync('mkdir', ['-p', secrets]);
  const pw = new Map<string, string>();
  for (const r of roles) {
    const value = `pw-${r.name}-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(secrets, r.passwordSecret), value, { mode: 0o600 });
    chmodSync(join(secrets, r.passwordSecret), 0o600);
    pw.set(r.name, value);
  }
  return pw;
}

/** Renders the script for `roles` and runs it as the output does; returns psql's result. */
function applyRoles(roles: readonly PostgresRole[], pg: ResolvedPostgres): { status: number | null; stderr: string } {
  const file = join(dir, 'roles.sql');
  writeFileSync(file, renderRolesSql(roles, pg, { stackName: 'e2e', secretPath: (n) => join(secrets, n) }));
  const r = spawnSync(join(pgBinDir(), 'psql'), ['-h', server!.home, '-p', String(server!.opts.port), '-U', SUPERUSER, '-d', pg.database, ...roleSetupPsqlArgs(file)], {
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr };
}

interface Session {
  readonly ok: boolean;
  readonly error: string;
  close(): Promise<void>;
}

/** One session as `role` over TCP with its password; resolves once it answers or is refused. */
function connect(role: string, password: string): Promise<Session> {
  const child = spawn(join(pgBinDir(), 'psql'), ['-X', '-q', '-A', '-t', '-h', '127.0.0.1', '-p', String(server!.opts.port), '-U', role, '-d', 'e2e'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: '/usr/bin:/bin', PGPASSWORD: password, PGAPPNAME: `roles-${role}` },
  });
  let out = '';
  let err = '';
  // 'close', not 'exit': stderr is read to its end first.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const close = async () => {
    child.stdin.end('\\q\n');
    await exited;
  };
  return new Promise((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('up')) resolve({ ok: true, error: '', close });
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then(() => resolve({ ok: false, error: err.trim(), close }));
    child.stdin.write("SELECT 'up';\n");
  });
}

/** Opens `n` sessions per role at once and reports each role's refusals. */
async function openAll(wanted: ReadonlyMap<string, number>, pw: ReadonlyMap<string, string>): Promise<{ sessions: Session[]; refused: Map<string, string[]> }> {
  const attempts = [...wanted].flatMap(([role, n]) => Array.from({ length: n }, () => connect(role, pw.get(role)!).then((s) => [role, s] as const)));
  const done = await Promise.all(attempts);
  const refused = new Map<string, string[]>([...wanted.keys()].map((r) => [r, []]));
  for (const [role, s] of done) if (!s.ok) refused.get(role)!.push(s.error);
  return { sessions: done.map(([, s]) => s), refused };
}

const limits = (roles: readonly PostgresRole[]) => new Map(roles.map((r) => [r.name, r.connectionLimit]));

describe('Postgres roles: the rendered role setup on a real server', () => {
  let pw = new Map<string, string>();

  it('every app role is an ordinary role whose CONNECTION LIMIT is its share at peak', async () => {
    const { roles, pg } = model();
    const [port] = await freePorts(1);
    // Statement logging on, as an operator may have it: the setup must keep passwords out of it.
    const settings = [...postgresServerArgs(pg).slice(1).filter((a) => a !== '-c'), 'log_statement=all', 'log_min_duration_statement=0'];
    // The server's own ordinary role stands in for a pre-existing one the setup must not touch.
    server = await PostgresServer.start({ dir, port: port!, settings, user: 'legacy', password: 'legacy-pw', database: pg.database });
    pw = writeSecrets(roles);
    const applied = applyRoles(roles, pg);
    expect(applied, applied.stderr).toMatchObject({ status: 0 });
    const log = readFileSync(server.log, 'utf8');
    expect(log).toContain("statement: SET log_statement = 'none'");
    for (const [role, p] of pw) expect(log.includes(p), `${role}'s password in the server log`).toBe(false);
    expect(limits(roles)).toEqual(new Map([['api', shareOf(API)], [MONITOR_ROLE, MONITOR], ['shop_api', shareOf(SHOP)]]));
    const rows = server.psql(`SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolconnlimit FROM pg_roles WHERE rolname IN (${roles.map((r) => `'${r.name}'`).join(', ')}) ORDER BY 1`);
    expect(rows.trim().split('\n')).toEqual(roles.map((r) => `${r.name}|f|f|f|${r.connectionLimit}`));
    // Applying it again changes nothing and fails on nothing.
    expect(applyRoles(roles, pg)).toMatchObject({ status: 0 });
  }, 60_000);

  it('at budget, every role holds its whole share at once: 0 refusals', async () => {
    const { roles } = model();
    const { sessions, refused } = await openAll(limits(roles), pw);
    try {
      expect(Object.fromEntries(refused)).toEqual(Object.fromEntries(roles.map((r) => [r.name, []])));
      expect(Number(server!.psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'roles-%'`).trim())).toBe(AVAILABLE);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  }, 60_000);

  it('api over-scaled by one replica: only api is refused, "too many connections for role"; shop_api and the superuser connect', async () => {
    const { roles } = model();
    const oneMore = API.workers * (API.pool.size + API.pool.maxOverflow);
    // The neighbours first, as running pools hold them. Then api's sessions one at a time: a
    // refused attempt holds a server slot from its fork until Postgres checks the role's limit,
    // so refused attempts in flight at once would make other ordinary roles' *new* sessions
    // meet "remaining connection slots are reserved"; and two attempts at once may both count
    // each other (PostgreSQL's miscinit.c calls the limit approximate). Opened all at once, this
    // failed 1 run in 5 with shop_api refused so. The guard caps sessions, not attempts in flight.
    const others = new Map([...limits(roles)].filter(([r]) => r !== 'api'));
    const first = await openAll(others, pw);
    const sessions = [...first.sessions];
    try {
      expect(Object.fromEntries(first.refused)).toEqual(Object.fromEntries([...others.keys()].map((r) => [r, []])));
      const apiRefused: string[] = [];
      for (let i = 0; i < shareOf(API) + oneMore; i++) {
        const s = await connect('api', pw.get('api')!);
        sessions.push(s);
        if (!s.ok) apiRefused.push(s.error);
      }
      expect(apiRefused).toHaveLength(oneMore);
      for (const e of apiRefused) expect(e).toMatch(/too many connections for role "api"/);
      // shop_api and the monitoring role kept every session; all granted ones are in.
      await waitFor('every granted session', () => (Number(server!.psql(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'roles-%'`).trim()) === AVAILABLE ? true : undefined));
      expect(server!.psql(`SELECT usename, count(*) FROM pg_stat_activity WHERE application_name LIKE 'roles-%' GROUP BY 1 ORDER BY 1`).trim().split('\n')).toEqual(
        roles.map((r) => `${r.name}|${r.connectionLimit}`),
      );
      // The admin still gets in: the app roles never touched the superuser's reserved slots.
      expect(server!.psql('SELECT current_user').trim()).toBe(SUPERUSER);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
  }, 60_000);

  it('running the setup again with a changed limit applies it', async () => {
    // One replica fewer: the budget still holds, and the limit must follow it down.
    const { roles, pg } = model(API.replicas - 1);
    const api = roles.find((r) => r.name === 'api')!;
    expect(api.connectionLimit).toBe(shareOf({ ...API, replicas: API.replicas - 1 }));
    expect(applyRoles(roles, pg)).toMatchObject({ status: 0 });
    expect(server!.psql(`SELECT rolconnlimit FROM pg_roles WHERE rolname = 'api'`).trim()).toBe(String(api.connectionLimit));
  }, 60_000);
});
