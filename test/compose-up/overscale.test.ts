/**
 * The compose-up tier for issue 15's runtime guard: two web backends, `api` and `admin`, share
 * one Postgres whose max_connections the synth sizes so the budget is met exactly. Each logs in
 * as its own role, whose CONNECTION LIMIT is its share (lib/plan/roles.ts), applied by the
 * stack's own `db-role-setup` service. Then, as the seed does with `--scale backend-prod=6`:
 *
 * - at the planned scale, saturated: every api worker fills its pool, 0 refusals;
 * - `docker-compose up -d --scale api=<planned + 1>`, saturated: only api's new connections
 *   fail, with "too many connections for role" (SQLSTATE 53300, in Postgres' log); admin
 *   answers every request; the superuser and the monitoring role still get in; api's
 *   sessions never pass its limit.
 *
 * What the guard does not promise, and this file therefore does not claim: a refused attempt
 * holds a server slot (a PGPROC) from its fork through authentication until Postgres checks
 * the role's limit. With the budget met exactly, the over-scaled role's refused attempts in
 * flight eat the free slots, so a *new* connection of another ordinary role can meanwhile be
 * refused with "remaining connection slots are reserved…" (53300 too), and the superuser's
 * with "too many clients already" once every slot is in flight (seen here: admin, at its
 * full pool with overflow, had one request fail so in 1 run of 3). So admin runs from a warm
 * pool (size 3, no overflow: the planned-scale run opens all of it, and it never opens
 * another), and the superuser and the monitoring role may need a few attempts; every failed
 * attempt must be such a transient slot refusal, never a role refusal of theirs.
 *
 * The role limits and the budget come from the plan, never from this file. Requests reach
 * the backends through nginx's published port: api serves `/api/` (its `/api/slow` holds one
 * pooled connection and reports the worker's pool), admin `/api/work` (the reference backend's
 * routes are fixed, so admin's prefix is a narrower one under /api/).
 *
 * Run as the other compose-up files are: root, one run at a time machine-wide
 * (`flock /tmp/compose-up.lock npx vitest run --project compose-up test/compose-up/overscale.test.ts`).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { postgresBudget } from '../../lib/capacity/postgres-budget.js';
import { loadConfigText } from '../../lib/cli/config.js';
import { MONITOR_ROLE, postgresRoles, SUPERUSER, backendLogin, type PostgresRole } from '../../lib/plan/roles.js';
import type { ResolvedProfile } from '../../lib/plan/profile.js';
import { synthCompose, writeOutput } from '../../lib/targets/compose/index.js';
import { LoadClient, type Reply } from '../e2e/load.js';
import {
  compose,
  containerLogTail,
  Daemon,
  diagnostics,
  execIn,
  hostPortFree,
  missingImages,
  prepareTier,
  PROJECT,
  projectContainers,
  projectLeftovers,
  removeProjectByName,
  runSync,
  serviceOf,
  sleep,
  startApiService,
  startTicker,
  tailLines,
  type Container,
  waitServicesHealthy,
} from './podman.js';
import { STANDIN_NGINX_VERSION, type ComposeFile } from './stack.js';

/** A label for config messages; the config is this text, not a file. */
const CONFIG_LABEL = 'test/compose-up/overscale.yaml';
/** Named as the tier's PROJECT, so the .env's project is the one the ticker and clean-up follow. */
const CONFIG = `
name: ${PROJECT}
backends:
  api:
    image: ghcr.io/uns/backend:5.4.1
    port: 8000
    replicas: 2
    workers: 2
    pool: { size: 2, maxOverflow: 1 }
    redisPool: 0
    healthcheck: { path: /api/health, interval: 5s, timeout: 3s, retries: 3, startPeriod: 30s }
    routes: [/api/]
  admin:
    image: ghcr.io/uns/backend:5.4.1
    port: 8000
    replicas: 1
    workers: 1
    pool: { size: 3, maxOverflow: 0 }
    redisPool: 0
    healthcheck: { path: /api/health, interval: 5s, timeout: 3s, retries: 3, startPeriod: 30s }
    routes: [/api/work]
nginx:
  version: "${STANDIN_NGINX_VERSION}"
postgres:
  maxConnections: 200
`;
const PROFILE = 'dev';
/** How long each saturating request holds its pooled connection (/api/slow?seconds=). */
const HOLD_S = 0.5;
/** The other backend answers at least this many requests while the saturated one is loaded. */
const MIN_OTHER_REPLIES = 20;
/** Attempts the superuser and the monitoring role get to connect during the over-scaled run. */
const CONNECT_ATTEMPTS = 20;
/** How Postgres refuses a new connection when every slot an ordinary role (or anyone) may use is taken. */
const SLOTS_FULL = /remaining connection slots are reserved|too many clients already/;

function synthAt(maxConnections: number | undefined) {
  const doc = parseDocument(CONFIG);
  if (maxConnections !== undefined) doc.setIn(['postgres', 'maxConnections'], maxConnections);
  return synthCompose(loadConfigText(String(doc), CONFIG_LABEL), { secretsDir: '../secrets', profiles: [PROFILE] });
}

const budgetOf = (ctx: ResolvedProfile) => postgresBudget(ctx.backends, ctx.postgres!, 'compose', ctx.pooler);

let dir = '';
let file: ComposeFile;
let ctx: ResolvedProfile;
let roles: readonly PostgresRole[] = [];
const secrets = new Map<string, string>();
let api: Daemon | undefined;
let ticker: Daemon | undefined;
let up = false;

/** The over-scaled backend and the one beside it, as the plan resolved them. */
const backend = (id: string) => {
  const b = ctx.backends.find((x) => x.id === id);
  if (!b) throw new Error(`the plan has no backend '${id}'`);
  const role = roles.find((r) => r.name === backendLogin(b).user);
  if (!role) throw new Error(`the plan gives backend '${id}' no Postgres role`);
  return { service: b.serviceName, replicas: b.replicas, workers: b.workers, size: b.pool!.size, cap: b.pool!.size + b.pool!.maxOverflow, role };
};

/** On this test's failure, prints what the stack looked like (also kept in STATE/last-failure.txt). */
function dumpOnFailure(): void {
  onTestFailed(async () => {
    if (up) console.error(await diagnostics(dir, []));
  });
}

async function composeOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await compose(dir, args, timeoutMs);
  expect(r.code, `docker-compose ${args.join(' ')} exited ${r.code}:\n${tailLines(r.output, 60)}`).toBe(0);
  return r.output;
}

const nginxPort = () => Number(file.services['nginx']!.ports![0]!.split(':')[0]);
const dbContainer = (): Container => {
  const db = projectContainers().find((c) => c.State.Running && serviceOf(c) === 'db');
  if (!db) throw new Error('no running db container');
  return db;
};

/** `SELECT` as `user` inside the db container: the superuser over the Unix socket, another role over TCP with its password. */
function sql(user: string, q: string): { ok: boolean; out: string } {
  const args =
    user === SUPERUSER
      ? ['psql', '-X', '-U', SUPERUSER, '-d', ctx.postgres!.database, '-Atc', q]
      : ['env', `PGPASSWORD=${secrets.get(roles.find((r) => r.name === user)!.passwordSecret)!}`, 'psql', '-X', '-h', '127.0.0.1', '-U', user, '-d', ctx.postgres!.database, '-Atc', q];
  const r = execIn(dbContainer().Name, args);
  return { ok: r.code === 0, out: r.code === 0 ? r.stdout.trim() : r.output.trim() };
}

/** Client sessions per login role, as pg_stat_activity shows them to `user`. */
function sessionsBy(user: string): Map<string, number> {
  const r = sql(user, SESSIONS_SQL);
  expect(r.ok, `psql as ${user} during the run: ${r.out}`).toBe(true);
  return parseSessions(r.out);
}

/**
 * Connects as `user` until it gets in, at most CONNECT_ATTEMPTS times, and runs `q`; returns
 * the answer and every refusal on the way.
 */
async function connectAs(user: string, q: string): Promise<{ ok: boolean; out: string; refusals: string[] }> {
  const refusals: string[] = [];
  for (let i = 0; i < CONNECT_ATTEMPTS; i++) {
    const r = sql(user, q);
    if (r.ok) return { ok: true, out: r.out, refusals };
    refusals.push(r.out);
    await sleep(100);
  }
  return { ok: false, out: refusals.at(-1) ?? '', refusals };
}

/** Client sessions per login role in a `usename|count` listing. */
const parseSessions = (out: string) => new Map(out.split('\n').filter(Boolean).map((l) => [l.split('|')[0]!, Number(l.split('|')[1])]));
const SESSIONS_SQL = "SELECT usename, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1";

/** One GET with no keep-alive; resolves to the answering instance, or undefined. */
async function instanceOnce(client: LoadClient, port: number): Promise<string | undefined> {
  const r = await client.get(`http://127.0.0.1:${port}/api/health`, 3_000);
  return r.status === 200 ? (r.json?.['instance'] as string | undefined) : undefined;
}

/** What one worker process (instance and pid) of the saturated backend reported. */
interface ProcessSeen {
  /** Most connections checked out of its pool at once, by its successful replies. */
  peak: number;
  /** Replies whose body says Postgres refused it a connection. */
  refused: number;
}

interface Run {
  readonly saturated: readonly Reply[];
  readonly other: readonly Reply[];
  readonly processes: ReadonlyMap<string, ProcessSeen>;
  readonly users: number;
  readonly ms: number;
}

const REFUSED = /too many connections for role|remaining connection slots|too many clients/;

/**
 * Saturates the backend behind `/api/` through nginx (each request holds one pooled
 * connection for HOLD_S) while `otherUsers` users keep requesting admin's `/api/work`. Adds
 * users until every one of `processes` worker processes has either filled its pool (`cap`
 * connections checked out at once) or been refused a connection, and the other backend has
 * answered MIN_OTHER_REPLIES requests; then runs `during` with the load still on, and stops.
 */
async function saturate<T>(o: { processes: number; cap: number; otherUsers: number; during: () => Promise<T> }): Promise<{ run: Run; result: T }> {
  const port = nginxPort();
  const start = Date.now();
  const users = o.processes * o.cap * 2;
  const maxUsers = users * 2;
  const client = new LoadClient(maxUsers + o.otherUsers);
  const saturated: Reply[] = [];
  const other: Reply[] = [];
  const processes = new Map<string, ProcessSeen>();
  let stop = false;
  const everyProcessTried = () => processes.size >= o.processes && [...processes.values()].every((p) => p.peak >= o.cap || p.refused > 0);
  const loops: Promise<void>[] = [];
  const addUsers = (n: number) => {
    for (let i = 0; i < n; i++) {
      loops.push(
        (async () => {
          // One by one, so each new upstream connection is its own accept race between workers.
          await sleep(25 * i);
          while (!stop) {
            const r = await client.get(`http://127.0.0.1:${port}/api/slow?seconds=${HOLD_S}`);
            saturated.push(r);
            const key = `${r.json?.['instance']}/${r.json?.['pid']}`;
            if (r.json?.['instance'] !== undefined) {
              const p = processes.get(key) ?? { peak: 0, refused: 0 };
              processes.set(key, p);
              if (r.status === 200) p.peak = Math.max(p.peak, Number(r.json['pool']?.['checked_out'] ?? 0));
              else if (REFUSED.test(r.body)) p.refused++;
            }
            // A refusal answers at once: do not spin on the database's accept loop.
            if (r.status !== 200) await sleep(100);
          }
        })(),
      );
    }
  };
  for (let i = 0; i < o.otherUsers; i++) {
    loops.push(
      (async () => {
        while (!stop) other.push(await client.get(`http://127.0.0.1:${port}/api/work?db_ms=${HOLD_S * 1000}`));
      })(),
    );
  }
  try {
    addUsers(users);
    const deadline = Date.now() + 90_000;
    let escalated = Date.now();
    while (!(everyProcessTried() && other.length >= MIN_OTHER_REPLIES) && Date.now() < deadline) {
      await sleep(200);
      // A worker that lost the accept races holds too few of nginx's connections: add users.
      if (loops.length - o.otherUsers < maxUsers && Date.now() - escalated >= 5_000) {
        addUsers(Math.ceil(users / 2));
        escalated = Date.now();
      }
    }
    const result = await o.during();
    return { run: { saturated, other, processes, users: loops.length - o.otherUsers, ms: Date.now() - start }, result };
  } finally {
    stop = true;
    await Promise.all(loops);
    client.close();
  }
}

function describeRun(r: Run): string {
  const per = [...r.processes].map(([k, p]) => `${k}: peak ${p.peak}, refused ${p.refused}`).join('; ');
  const failed = r.saturated.filter((x) => x.status !== 200);
  const otherFailed = r.other.filter((x) => x.status !== 200);
  return (
    `${r.saturated.length} saturating replies (${failed.length} failed) and ${r.other.length} to the other backend (${otherFailed.length} failed) ` +
    `in ${r.ms} ms from ${r.users} users; per process {${per}}` +
    (failed[0] ? `; first failure: ${failed[0].status} ${failed[0].body.slice(0, 200)}` : '') +
    (otherFailed[0] ? `; other backend's first failure: ${otherFailed[0].status} ${otherFailed[0].error ?? ''} ${otherFailed[0].body.slice(0, 200)}` : '')
  );
}

/**
 * Samples pg_stat_activity (as the superuser) until `role` holds `limit` sessions, at most
 * `timeoutMs`; returns every sample, so a caller sees the highest count too.
 */
async function sampleUntilAt(role: string, limit: number, timeoutMs = 30_000): Promise<Map<string, number>[]> {
  const samples: Map<string, number>[] = [];
  const deadline = Date.now() + timeoutMs;
  do {
    const r = await connectAs(SUPERUSER, SESSIONS_SQL);
    expect(r.ok, `psql as ${SUPERUSER}: ${r.refusals.join('\n')}`).toBe(true);
    samples.push(parseSessions(r.out));
    if ((samples.at(-1)!.get(role) ?? 0) >= limit) break;
    await sleep(250);
  } while (Date.now() < deadline);
  return samples;
}

const most = (samples: readonly Map<string, number>[], role: string) => Math.max(0, ...samples.map((s) => s.get(role) ?? 0));

beforeAll(async () => {
  await prepareTier();

  const tmp = mkdtempSync('/var/tmp/scaleout-compose-up-overscale-');
  dir = join(tmp, 'compose');
  // max_connections so the budget is met exactly: the plan's demand plus what it reserves.
  const first = budgetOf(synthAt(undefined).report.contexts[0]!);
  const { files, report } = synthAt(first.postgres.maxConnections - (first.available - first.demand));
  ctx = report.contexts[0]!;
  roles = postgresRoles(ctx, 'compose');
  writeOutput(dir, files);
  file = parse(files.get('docker-compose.yml')!) as ComposeFile;
  mkdirSync(join(tmp, 'secrets'));
  for (const [name, { file: f }] of Object.entries(file.secrets ?? {})) {
    const value = randomBytes(12).toString('hex');
    secrets.set(name, value);
    writeFileSync(join(dir, f), `${value}\n`, { mode: 0o644 });
  }
  const missing = missingImages(file);
  if (missing.length) throw new Error(`stand-in images missing:\n${missing.join('\n')}`);
  api = await startApiService();
  ticker = startTicker();
}, 15 * 60_000);

afterAll(async () => {
  const problems: string[] = [];
  const attempt = async (what: string, f: () => unknown) => {
    try {
      await f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  await attempt('stopping the healthcheck ticker', () => ticker?.stop());
  if (up && api?.running) await attempt('docker-compose down -v', () => compose(dir, ['down', '-v', '--remove-orphans', '-t', '5'], 180_000));
  await attempt('removing the project by name', () => removeProjectByName());
  await attempt('stopping the podman API service', () => api?.stop(10_000));
  const left = projectLeftovers();
  const all = [...left.containers, ...left.networks, ...left.volumes];
  if (all.length) problems.push(`left behind: ${all.join(', ')}`);
  if (dir && process.env['SCALEOUT_COMPOSE_UP_KEEP'] !== '1') rmSync(join(dir, '..'), { recursive: true, force: true });
  if (problems.length) throw new Error(`compose-up teardown:\n${problems.join('\n')}`);
}, 5 * 60_000);

describe('compose-up: over-scaling one backend past its role limit (issue 15)', () => {
  it('the synth meets the budget exactly: one connection fewer is refused, and each backend role is capped at its share', () => {
    const budget = budgetOf(ctx);
    expect(budget.demand).toBe(budget.available);
    expect(() => synthAt(ctx.postgres!.maxConnections - 1)).toThrow(/SO-POOL/);
    for (const id of ['api', 'admin']) {
      const b = backend(id);
      expect(b.role.connectionLimit, `${id}'s role limit`).toBe(budget.backends.find((x) => x.backend.id === id)!.demand);
    }
    expect(roles.map((r) => r.name)).toContain(MONITOR_ROLE);
  });

  it('up -d: every container healthy; the roles hold the plan\'s limits and no app role is a superuser', async () => {
    dumpOnFailure();
    const port = nginxPort();
    expect(await hostPortFree(port), `host port ${port} (nginx's published port) is in use; stop what listens there`).toBe(true);
    up = true;
    console.log(await composeOk(['up', '-d']));
    const over = backend('api');
    const other = backend('admin');
    await waitServicesHealthy({ db: 1, [over.service]: over.replicas, [other.service]: other.replicas, nginx: 1 });
    const setup = projectContainers().filter((c) => serviceOf(c) === 'db-role-setup');
    expect(setup.map((c) => c.State.ExitCode), setup.map((c) => containerLogTail(c.Name)).join('\n')).toEqual([0]);

    const rows = sql(SUPERUSER, `SELECT rolname, rolsuper, rolconnlimit FROM pg_roles WHERE rolname IN (${roles.map((r) => `'${r.name}'`).join(', ')}) ORDER BY 1`);
    expect(rows.ok, rows.out).toBe(true);
    expect(rows.out.split('\n')).toEqual(roles.map((r) => `${r.name}|f|${r.connectionLimit}`));
    expect(sql(SUPERUSER, 'SHOW max_connections').out).toBe(String(ctx.postgres!.maxConnections));
    // Observation only: the SQLSTATE and the role on every log line, so a refusal reads as
    // `sqlstate=53300 user=api FATAL: too many connections for role "api"`.
    expect(sql(SUPERUSER, "ALTER SYSTEM SET log_line_prefix = '%m [%p] sqlstate=%e user=%u '").ok).toBe(true);
    expect(sql(SUPERUSER, 'SELECT pg_reload_conf()').out).toBe('t');
  }, 6 * 60_000);

  it('at the planned scale, saturated: every api worker fills its pool and nothing is refused', async () => {
    dumpOnFailure();
    const over = backend('api');
    const other = backend('admin');
    const { run, result: samples } = await saturate({
      processes: over.replicas * over.workers,
      cap: over.cap,
      otherUsers: other.cap,
      during: () => sampleUntilAt(over.role.name, over.role.connectionLimit),
    });
    const why = describeRun(run);
    console.log(`at scale ${over.replicas}: ${why}`);
    expect(run.processes.size, why).toBe(over.replicas * over.workers);
    for (const [k, p] of run.processes) expect({ process: k, ...p }, why).toEqual({ process: k, peak: over.cap, refused: 0 });
    expect(run.saturated.filter((r) => r.status !== 200), why).toEqual([]);
    expect(run.other.filter((r) => r.status !== 200), why).toEqual([]);
    expect(most(samples, over.role.name), `${over.role.name}'s sessions at the planned scale`).toBe(over.role.connectionLimit);
    expect(most(samples, other.role.name), `${other.role.name}'s sessions at the planned scale`).toBe(other.role.connectionLimit);
  }, 4 * 60_000);

  it('--scale api=<planned + 1>: only api is refused ("too many connections for role", 53300); admin answers every request; the superuser and the monitoring role connect', async () => {
    dumpOnFailure();
    const over = backend('api');
    const other = backend('admin');
    const scale = over.replicas + 1;
    await composeOk(['up', '-d', '--scale', `${over.service}=${scale}`]);
    const running = await waitServicesHealthy({ db: 1, [over.service]: scale, [other.service]: other.replicas, nginx: 1 });
    const hostnames = running.filter((c) => serviceOf(c) === over.service).map((c) => c.Config.Hostname);
    // nginx < 1.27.3 resolves `server api:8000` once, at start: a reload sends the new replica traffic.
    await composeOk(['kill', '-s', 'HUP', 'nginx'], 60_000);
    const probe = new LoadClient(1);
    try {
      const seen = new Set<string>();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !hostnames.every((h) => seen.has(h))) {
        const who = await instanceOnce(probe, nginxPort());
        if (who) seen.add(who);
        else await sleep(200);
      }
      expect([...seen].sort(), 'api instances answering through nginx after the reload').toEqual([...hostnames].sort());
    } finally {
      probe.close();
    }

    // admin serves from a warm pool: the planned-scale run opened all of it (see the header).
    expect(sessionsBy(SUPERUSER).get(other.role.name), `${other.role.name}'s sessions before the run`).toBe(other.size);
    const dbLogSince = new Date().toISOString();
    const { run, result } = await saturate({
      processes: scale * over.workers,
      cap: over.cap,
      otherUsers: other.cap,
      during: async () => {
        const samples = await sampleUntilAt(over.role.name, over.role.connectionLimit);
        // With api at its limit, the admin and the monitoring role still get in, and see the other backend.
        const superuser = await connectAs(SUPERUSER, 'SELECT current_user');
        const monitor = await connectAs(MONITOR_ROLE, SESSIONS_SQL);
        return { samples, superuser, monitor };
      },
    });
    const why = describeRun(run);
    console.log(`at scale ${scale}: ${why}`);

    // Every worker process of the over-scaled backend tried to fill its pool, and some were refused.
    expect(new Set([...run.processes.keys()].map((k) => k.split('/')[0])), why).toEqual(new Set(hostnames));
    expect(run.processes.size, why).toBe(scale * over.workers);
    for (const [k, p] of run.processes) expect(p.peak >= over.cap || p.refused > 0, `${k} neither filled its pool nor was refused; ${why}`).toBe(true);
    const failed = run.saturated.filter((r) => r.status !== 200);
    expect(failed.length, why).toBeGreaterThan(0);
    // Each failure is Postgres refusing api a connection: its role limit, or (while api's own
    // refused attempts hold the free slots) the full slots; see the header.
    const roleRefused = new RegExp(`too many connections for role "${over.role.name}"`);
    for (const r of failed) {
      expect(r.status, r.body).toBe(500);
      expect(String(r.json?.['detail']), r.body).toMatch(new RegExp(`${roleRefused.source}|${SLOTS_FULL.source}`));
    }
    expect(failed.filter((r) => roleRefused.test(String(r.json?.['detail']))).length, why).toBeGreaterThan(0);
    // The other backend answered every request.
    expect(run.other.length, why).toBeGreaterThanOrEqual(MIN_OTHER_REPLIES);
    expect(run.other.filter((r) => r.status !== 200 || typeof r.json?.['held_ms'] !== 'number'), why).toEqual([]);
    const firstRefused = Math.min(...failed.map((r) => r.doneAt));
    expect(run.other.filter((r) => r.sentAt >= firstRefused).length, `requests to ${other.service} sent after api's first refusal; ${why}`).toBeGreaterThan(0);

    // The server held api at its limit, never above, while admin and the monitoring role were in.
    const { samples, superuser, monitor } = result;
    console.log(`pg_stat_activity client sessions by role, sampled during the run: ${samples.map((m) => JSON.stringify(Object.fromEntries(m))).join(' ')}`);
    expect(most(samples, over.role.name), `${over.role.name}'s sessions over-scaled`).toBe(over.role.connectionLimit);
    for (const m of samples) expect(m.get(other.role.name), `${other.role.name}'s sessions during the run`).toBe(other.size);
    console.log(`connecting while api is refused: ${SUPERUSER} after ${superuser.refusals.length} slot refusals, ${MONITOR_ROLE} after ${monitor.refusals.length}`);
    expect({ ok: superuser.ok, out: superuser.out }, `the superuser connects while api is at its limit; refusals: ${superuser.refusals.join('\n')}`).toEqual({ ok: true, out: SUPERUSER });
    expect(monitor.ok, `the monitoring role connects while api is at its limit; refusals: ${monitor.refusals.join('\n')}`).toBe(true);
    for (const r of [...superuser.refusals, ...monitor.refusals]) expect(r, 'a refusal of the superuser or the monitoring role other than a transient full-slots one').toMatch(SLOTS_FULL);
    const seen = parseSessions(monitor.out);
    expect(seen.get(MONITOR_ROLE), 'the monitoring role sees its own session').toBe(1);
    expect(seen.get(other.role.name), `the monitoring role sees ${other.role.name}'s warm pool`).toBe(other.size);

    // Postgres logged each refusal as 53300 for api's role, and only for it.
    const log = runSync('podman', ['logs', '--since', dbLogSince, dbContainer().Name]).output;
    const refusals = log.split('\n').filter((l) => /sqlstate=53300/.test(l));
    expect(refusals.length, tailLines(log, 40)).toBeGreaterThan(0);
    console.log(`${refusals.length} refusals in Postgres' log, e.g.\n${refusals.slice(0, 2).join('\n')}`);
    const roleRefusals = refusals.filter((l) => !SLOTS_FULL.test(l));
    expect(roleRefusals.length, tailLines(log, 40)).toBeGreaterThan(0);
    for (const l of roleRefusals) expect(l).toMatch(new RegExp(`sqlstate=53300 user=${over.role.name} FATAL:  too many connections for role "${over.role.name}"$`));
    const slotRefusals = refusals.filter((l) => SLOTS_FULL.test(l));
    console.log(`${slotRefusals.length} transient full-slots refusals in Postgres' log (api's, the superuser's or the monitoring role's)${slotRefusals.length ? `:\n${slotRefusals.slice(0, 4).join('\n')}` : ''}`);
  }, 8 * 60_000);

  it('down -v leaves no container, network or volume of the project', async () => {
    await composeOk(['down', '-v', '--remove-orphans', '-t', '5'], 180_000);
    up = false;
    expect(projectLeftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  }, 4 * 60_000);
});
