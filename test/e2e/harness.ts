/**
 * The native end-to-end harness: runs a synthesized stack on loopback with real servers.
 *
 * - PostgreSQL and Redis start with the settings the compose target gives their services.
 * - Each backend replica is uvicorn with W workers (WEB_CONCURRENCY) on its own port, with
 *   the environment of its compose service, read from the synthesized docker-compose.yml. Only hosts, ports
 *   and secret paths are rewritten for loopback; every other value is passed as is.
 * - nginx runs the nginx.conf the library renders for the local nginx and these ports.
 *
 * Everything gets free ports and its own process group, is stopped by pid, and the temp
 * dir is removed in `stop()`, which lifecycle.ts calls after each test or file (and which never throws
 * before it has tried to stop everything).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Stack } from '../../lib/index.js';
import type { ResolvedBackend } from '../../lib/model/backend.js';
import { renderPgBouncerIni } from '../../lib/render/pgbouncer-ini.js';
import { PGBOUNCER_EXPORTER_USER, poolerAuthUsers, poolerClientRoles, postgresRoles } from '../../lib/plan/roles.js';
import { renderRolesSql, ROLE_SETUP_SQL_PATH, roleSetupPsqlArgs } from '../../lib/render/postgres-roles-sql.js';
import { renderNginxConf } from '../../lib/render/nginx-conf.js';
import type { RuleContext } from '../../lib/rules/rule.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { PgBouncerServer } from './pgbouncer.js';
import { pgBinDir, PostgresServer } from './postgres.js';
import { freePorts, groupMembers, pgrepFull, requireBinary, spawnGroup, stopGroup, tail, waitFor, type Group } from './processes.js';
import { RedisServer } from './redis.js';
import { enabledIn } from '../helpers/profile-wiring.js';
import { commandArgs, isBackend, isPostgres, isRedis, loopbackUrl, nativeArgv, serviceOf, type ComposeFile, type ComposeService } from './compose-file.js';

export const NGINX_BIN = process.env['NGINX_BIN'] ?? '/usr/sbin/nginx';
export const PYTHON = process.env['E2E_PYTHON'] ?? '/usr/bin/python3';
export const BACKEND_DIR = fileURLToPath(new URL('../../examples/backend/', import.meta.url));
/**
 * Temp dirs live outside /tmp: each nginx gets a private /tmp (the rendered conf puts its
 * pid and temp files there), which would hide a dir under /tmp.
 */
export const E2E_TMP = process.env['E2E_TMPDIR'] ?? '/var/tmp';
export const TEMP_PREFIX = 'scaleout-e2e-';

/**
 * One backend replica: uvicorn with WEB_CONCURRENCY workers on its own port, or for a worker
 * tier its compose entrypoint (`python3 worker.py`), `port` then serving its metrics.
 */
export interface Replica {
  readonly backend: string;
  readonly instance: string;
  readonly port: number;
  /** `web`, or `worker` (no HTTP side; healthy when its exec healthcheck passes). */
  readonly kind: 'web' | 'worker';
  readonly env: Record<string, string>;
  group: Group;
}

/** One nginx, rendered for this harness's replicas. */
export interface NginxServer {
  readonly port: number;
  readonly conf: string;
  readonly group: Group;
  url(path: string): string;
}


function checkTools(): void {
  requireBinary(NGINX_BIN, 'apt-get install -y nginx');
  requireBinary(PYTHON, 'apt-get install -y python3-fastapi python3-uvicorn python3-sqlalchemy python3-psycopg2 python3-redis python3-prometheus-client');
  requireBinary('/usr/bin/unshare', 'apt-get install -y util-linux');
}

export interface HarnessOptions {
  /**
   * Profile to run.
   *
   * @default 'dev'
   */
  readonly profile?: string;
  /**
   * Other profiles whose PostgreSQL and Redis also run, each on its own port, from the same
   * compose file (synthesized for `profile` and these). When a profile overrides `postgres:`,
   * each profile has its own server, and every consumer must reach its own.
   *
   * @default - none
   */
  readonly dataProfiles?: readonly string[];
}

export class E2eStack {
  /**
   * Synthesizes `stack` for compose (a SynthError propagates: refused stacks never run) and
   * starts it. On any failure it stops whatever already started before rethrowing.
   */
  public static async start(stack: Stack, opts: HarnessOptions = {}): Promise<E2eStack> {
    checkTools();
    const profile = opts.profile ?? 'dev';
    // In the stack's own profile order, as `scaleout synth` writes the file (the first profile's
    // services keep the plain names: db, then db-prod).
    const order = (p: string) => (stack.profileNames.includes(p) ? stack.profileNames.indexOf(p) : Infinity);
    const profiles = [...new Set([profile, ...(opts.dataProfiles ?? [])])].sort((a, b) => order(a) - order(b));
    const { files, report } = synthCompose(stack, { profiles });
    const compose = parse(files.get('docker-compose.yml')!) as ComposeFile;
    const dir = mkdtempSync(join(E2E_TMP, TEMP_PREFIX));
    chmodSync(dir, 0o755);
    const h = new E2eStack(dir, compose, report.contexts.find((c) => c.profile === profile)!, stack.stackName, report.contexts);
    try {
      await h.boot();
    } catch (e) {
      await h.stop();
      throw e;
    }
    return h;
  }

  /** The profile's own PostgreSQL and Redis. */
  public pg: PostgresServer | undefined;
  public pooler: PgBouncerServer | undefined;
  public redis: RedisServer | undefined;
  /** Every PostgreSQL and Redis running, by compose service name (more than one with `dataProfiles`). */
  public readonly postgresServers = new Map<string, PostgresServer>();
  public readonly redisServers = new Map<string, RedisServer>();
  /** Compose service name → its loopback port, for each service running here. */
  public readonly hosts = new Map<string, number>();
  public readonly replicas: Replica[] = [];
  public readonly nginxes: NginxServer[] = [];
  /** Secret name → its value, written to `<dir>/secrets/<name>`. */
  public readonly secrets = new Map<string, string>();
  /**
   * What happened in order: `migrated <service>` when a one-shot migration exited 0,
   * `healthy <instance>` when a replica first passed its healthcheck.
   */
  public readonly events: string[] = [];
  private readonly groups: Group[] = [];
  private stopped = false;

  private constructor(
    public readonly dir: string,
    public readonly compose: ComposeFile,
    public readonly context: RuleContext,
    private readonly stackName: string,
    /** Every synthesized profile's context: `context` and those of `dataProfiles`. */
    private readonly contexts: readonly RuleContext[],
  ) {}

  /** Compose services enabled under the harness's profile. */
  public enabled(): string[] {
    return enabledIn(this.compose, this.context.profile);
  }

  /** The first nginx's URL for `path`. */
  public url(path: string): string {
    return this.nginxes[0]!.url(path);
  }

  /** The local file behind a compose secret path `/run/secrets/<name>`. */
  public secretFile(path: string): string {
    const m = /^\/run\/secrets\/([^/]+)$/.exec(path);
    if (!m) throw new Error(`expected a compose secret path, got ${path}`);
    return join(this.dir, 'secrets', m[1]!);
  }

  private async boot(): Promise<void> {
    const ctx = this.context;
    mkdirSync(join(this.dir, 'secrets'));
    mkdirSync(join(this.dir, 'logs'));
    for (const name of Object.keys(this.compose.secrets ?? {})) {
      const value = randomBytes(12).toString('hex');
      this.secrets.set(name, value);
      writeFileSync(join(this.dir, 'secrets', name), `${value}\n`, { mode: 0o644 });
    }
    // Each synthesized profile's data servers (deduplicated: a service without `profiles` is
    // shared), every one on its own port.
    const services = this.compose.services;
    const wanted = new Map<string, 'postgres' | 'redis'>();
    for (const c of this.contexts) {
      const enabled = enabledIn(this.compose, c.profile);
      if (c.postgres) wanted.set(serviceOf(this.compose, enabled, c.postgres.id, isPostgres), 'postgres');
      if (c.redis) wanted.set(serviceOf(this.compose, enabled, c.redis.id, isRedis), 'redis');
    }
    const ports = await freePorts(wanted.size);
    const starts = [...wanted].map(([name, kind], i) => {
      this.hosts.set(name, ports[i]!);
      return kind === 'postgres' ? this.startPostgres(name, ports[i]!) : this.startRedis(name, ports[i]!);
    });
    // allSettled: a server that did start is kept (and so stopped) even if another failed.
    const failed = (await Promise.allSettled(starts)).find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const enabled = this.enabled();
    if (ctx.postgres) this.pg = this.postgresServers.get(serviceOf(this.compose, enabled, ctx.postgres.id, isPostgres));
    if (ctx.redis) this.redis = this.redisServers.get(serviceOf(this.compose, enabled, ctx.redis.id, isRedis));
    this.setUpRoles();

    // PgBouncer between the backends and Postgres, running the ini the library renders for
    // these loopback ports. It logs in to Postgres as the app role, from the userlist.
    if (ctx.pooler && ctx.postgres) {
      const [poolerPort] = await freePorts(1);
      this.hosts.set(serviceOf(this.compose, enabled, ctx.pooler.id, (x) => !!x.volumes?.some((v) => v.includes('pgbouncer.ini'))), poolerPort!);
      const pg = this.pg!.opts;
      // As `scaleout secrets` writes it: every user the pooler knows, with its role's password.
      const userlist = poolerAuthUsers(ctx).map((u) => `"${u.user}" "${this.secrets.get(u.passwordSecret)}"\n`).join('');
      this.secrets.set(ctx.pooler.userlistSecret, userlist);
      writeFileSync(join(this.dir, 'secrets', ctx.pooler.userlistSecret), userlist, { mode: 0o644 });
      const ini = renderPgBouncerIni(ctx.pooler, ctx.postgres, {
        stackName: this.stackName,
        postgresHost: '127.0.0.1',
        postgresPort: pg.port,
        listenAddr: '127.0.0.1',
        listenPort: poolerPort!,
        secretPath: (n) => join(this.dir, 'secrets', n),
        // As the compose target renders it: the pgbouncer exporter's user may SHOW.
        clients: poolerClientRoles(ctx, 'compose'),
        ...(ctx.monitoring ? { statsUsers: [PGBOUNCER_EXPORTER_USER] } : {}),
      });
      this.pooler = await PgBouncerServer.start({ dir: this.dir, port: poolerPort!, ini });
      this.groups.push(this.pooler.group);
    }

    // One-shot migrations first, as compose runs them: every service a backend waits on with
    // service_completed_successfully, once, each to exit 0.
    const backendServices = ctx.backends.map((b) => serviceOf(this.compose, enabled, b.serviceName, isBackend));
    const oneShots = [
      ...new Set(
        backendServices.flatMap((n) =>
          Object.entries(services[n]!.depends_on ?? {})
            .filter(([, d]) => d.condition === 'service_completed_successfully')
            .map(([dep]) => dep)
            // The role setup already ran (setUpRoles), as psql against the native server.
            .filter((dep) => !isRoleSetup(services[dep]!)),
        ),
      ),
    ];
    for (const name of oneShots) await this.runOneShot(name);

    for (const [i, b] of ctx.backends.entries()) {
      const svc = services[backendServices[i]!]!;
      const env = this.nativeEnv(svc);
      const count = svc.deploy?.replicas ?? 1;
      const ports = await freePorts(count);
      for (let i = 0; i < count; i++) {
        // A worker serves /metrics on its METRICS_PORT, if any: this replica's own port.
        const own: Record<string, string> = b.kind === 'worker' && env['METRICS_PORT'] !== undefined ? { METRICS_PORT: String(ports[i]) } : {};
        const r: Replica = { backend: b.id, kind: b.kind, instance: `${b.id}-${i + 1}`, port: ports[i]!, env: { ...env, ...own }, group: undefined as unknown as Group };
        this.replicas.push(r);
      }
    }
    await Promise.all(this.replicas.map((r) => this.startReplica(r)));
    await this.addNginx(ctx);
  }

  /** A compose service's env for loopback: URLs to running services' ports, secrets to local files. */
  private nativeEnv(svc: ComposeService): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(svc.environment ?? {})) {
      if (k === 'DATABASE_URL' || k === 'REDIS_URL') env[k] = loopbackUrl(v, this.hosts);
      else if (k.endsWith('_FILE') && v.startsWith('/run/secrets/')) env[k] = this.secretFile(v);
      else env[k] = String(v);
    }
    return env;
  }

  /** The process env every native service gets, around its compose env. */
  private baseEnv(): Record<string, string> {
    return { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: this.dir, PYTHONDONTWRITEBYTECODE: '1' };
  }

  /** Runs one-shot compose service `name` (a migration) natively and waits for exit 0. */
  private async runOneShot(name: string): Promise<void> {
    const svc = this.compose.services[name]!;
    const [cmd, args] = nativeArgv(svc, PYTHON);
    const log = join(this.dir, 'logs', `${name}.log`);
    const group = spawnGroup(name, cmd, args, log, { env: { ...this.baseEnv(), ...this.nativeEnv(svc) }, cwd: BACKEND_DIR });
    this.groups.push(group);
    const code = await group.exited;
    if (code !== 0) throw new Error(`one-shot ${name} exited with ${code}:\n${tail(log, 20)}`);
    this.events.push(`migrated ${name}`);
  }

  /**
   * The role setup, as the compose output runs it (its one-shot service, before anything logs
   * in): the script rendered for each Postgres server's profile, run by psql as the superuser
   * with `roleSetupPsqlArgs`, each password read from its secret file. A server that several
   * synthesized profiles share gets this harness's profile's roles.
   */
  private setUpRoles(): void {
    const done = new Set<string>();
    for (const c of [this.context, ...this.contexts]) {
      if (!c.postgres) continue;
      const service = serviceOf(this.compose, enabledIn(this.compose, c.profile), c.postgres.id, isPostgres);
      if (done.has(service)) continue;
      done.add(service);
      const server = this.postgresServers.get(service)!;
      const file = join(this.dir, `${service}-roles.sql`);
      writeFileSync(file, renderRolesSql(postgresRoles(c, 'compose'), c.postgres, { stackName: this.stackName, secretPath: (n) => join(this.dir, 'secrets', n) }));
      const args = ['-h', server.home, '-p', String(server.opts.port), '-U', c.postgres.user, '-d', c.postgres.database, ...roleSetupPsqlArgs(file)];
      const r = spawnSync(join(pgBinDir(), 'psql'), args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`role setup on ${service} failed (${r.status}): ${r.stderr}`);
    }
  }

  /** PostgreSQL with the settings, role and database of compose service `name`. */
  private async startPostgres(name: string, port: number): Promise<void> {
    const svc = this.compose.services[name]!;
    const args = commandArgs(svc.command);
    const settings = args.filter((_, i) => args[i - 1] === '-c');
    const env = svc.environment!;
    const password = this.secrets.get(/([^/]+)$/.exec(env['POSTGRES_PASSWORD_FILE']!)![1]!)!;
    const server = await PostgresServer.start({ dir: this.dir, name, port, settings, user: env['POSTGRES_USER']!, password, database: env['POSTGRES_DB']! });
    this.postgresServers.set(name, server);
  }

  /** Redis with the maxclients and password secret of compose service `name`. */
  private async startRedis(name: string, port: number): Promise<void> {
    const text = commandArgs(this.compose.services[name]!.command).join(' ');
    const maxClients = Number(/--maxclients (\d+)/.exec(text)?.[1]);
    // The script feeds requirepass from the secret file on stdin (lib/render/redis-server.ts).
    const secret = /\/run\/secrets\/([^)\s"]+)\)"/.exec(text)?.[1];
    if (!Number.isInteger(maxClients) || !secret) throw new Error(`cannot read maxclients and password from redis command: ${text}`);
    this.redisServers.set(name, await RedisServer.start({ dir: this.dir, name, port, maxClients, password: this.secrets.get(secret)! }));
  }

  /**
   * Starts (or restarts, on the same port) one replica and waits until it is healthy, or with
   * `overrides` (fault injection, e.g. a wrong password file) until it answers at all.
   */
  public async startReplica(r: Replica, overrides?: Record<string, string>): Promise<void> {
    const env: Record<string, string> = {
      // No __pycache__ in examples/backend (as the Dockerfile sets).
      ...this.baseEnv(),
      ...r.env,
      // Harness additions, not part of the compose env: an instance id (compose leaves the
      // hostname), and no trusted proxy. uvicorn trusts X-Forwarded-For from 127.0.0.1 by
      // default, which only loopback nginx is; in a container nginx is another address, and
      // the app sees nginx's real peer address, which the keepalive test counts.
      INSTANCE_NAME: r.instance,
      FORWARDED_ALLOW_IPS: '192.0.2.1',
      // The Dockerfile's metrics directory, private to the replica as a container's /tmp is;
      // a restarted replica finds its predecessor's files, as a restarted container does.
      PROMETHEUS_MULTIPROC_DIR: join(this.dir, 'metrics', r.instance),
      // A worker's liveness marks, private to the replica as a container's /tmp is.
      ...(r.kind === 'worker' ? { HEARTBEAT_DIR: join(this.dir, 'heartbeat', r.instance) } : {}),
      ...overrides,
    };
    if (r.kind === 'worker') return this.startWorker(r, env);
    // The Dockerfile's CMD with a loopback host and port: the worker count comes from
    // WEB_CONCURRENCY, which uvicorn reads itself (the capacity tests count the worker pids).
    const args = ['-m', 'uvicorn', 'app:app', '--app-dir', BACKEND_DIR, '--host', '127.0.0.1', '--port', String(r.port)];
    const log = join(this.dir, 'logs', `${r.instance}.log`);
    const from = existsSync(log) ? statSync(log).size : 0;
    r.group = spawnGroup(r.instance, PYTHON, args, log, { env, cwd: BACKEND_DIR });
    this.groups.push(r.group);
    // Every worker, not just the first: a worker still importing when load starts loses every
    // accept race, and nginx's kept-alive connections then stay with the others.
    const workers = Number(env['WEB_CONCURRENCY'] ?? 1);
    await waitFor(
      `${r.instance}: ${workers} workers started`,
      () => (readFileSync(log, 'utf8').slice(from).split('Application startup complete.').length - 1 >= workers ? true : undefined),
      30_000,
      r.group,
    );
    await waitFor(
      `${r.instance} ${overrides ? 'answering' : 'healthy'}`,
      async () => {
        const res = await fetch(`http://127.0.0.1:${r.port}/api/health`, { signal: AbortSignal.timeout(2_000) });
        return res.ok || overrides ? true : undefined;
      },
      30_000,
      r.group,
    );
    if (!overrides) this.events.push(`healthy ${r.instance}`);
  }

  /**
   * A worker-tier replica: its compose entrypoint (`python3 worker.py`), healthy once its
   * compose healthcheck command (run here as an exec, as Docker does) exits 0.
   */
  private async startWorker(r: Replica, env: Record<string, string>): Promise<void> {
    const enabled = this.enabled();
    const svc = this.compose.services[serviceOf(this.compose, enabled, this.context.backends.find((b) => b.id === r.backend)!.serviceName, isBackend)]!;
    const [cmd, args] = nativeArgv(svc, PYTHON);
    const log = join(this.dir, 'logs', `${r.instance}.log`);
    r.group = spawnGroup(r.instance, cmd, args, log, { env, cwd: BACKEND_DIR });
    this.groups.push(r.group);
    const test = svc.healthcheck?.test ?? [];
    if (test[0] !== 'CMD') throw new Error(`${r.instance}: expected a [CMD, …] healthcheck, got [${test.join(', ')}]`);
    const [hcCmd, hcArgs] = nativeArgv({ entrypoint: test.slice(1) }, PYTHON);
    await waitFor(
      `${r.instance} healthy (${test.slice(1).join(' ')})`,
      () => (spawnSync(hcCmd, hcArgs, { env, cwd: BACKEND_DIR }).status === 0 ? true : undefined),
      30_000,
      r.group,
    );
    this.events.push(`healthy ${r.instance}`);
  }

  /** Kills a replica's whole process group at once, as a crash would (SIGKILL). */
  public async killReplica(r: Replica, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await stopGroup(r.group, { signal, graceMs: 5_000 });
  }

  /**
   * Starts one more nginx, rendered from `context` (the harness's own by default; pass the
   * report context of a stack variant to try another balancing method on the same replicas).
   */
  public async addNginx(context: RuleContext = this.context): Promise<NginxServer> {
    requireBinary(NGINX_BIN, 'apt-get install -y nginx');
    const [port] = await freePorts(1);
    const servers = (b: ResolvedBackend) => this.replicas.filter((r) => r.backend === b.id).map((r) => `127.0.0.1:${r.port}`);
    const conf = renderNginxConf(context.nginx!, context.backends, {
      stackName: this.stackName,
      upstreamHost: () => '127.0.0.1',
      servers,
      listenPort: port!,
    });
    const n = this.nginxes.length + 1;
    const home = join(this.dir, `nginx-${n}`);
    const privateTmp = join(home, 'tmp');
    mkdirSync(privateTmp, { recursive: true });
    const confPath = join(home, 'nginx.conf');
    writeFileSync(confPath, conf);
    // The file stays exactly as rendered: its /tmp paths land in a private bind mount.
    const script = 'mount --bind "$1" /tmp && exec "$2" -e stderr -c "$3" -p "$4" -g "daemon off;"';
    const group = spawnGroup(`nginx-${n}`, 'unshare', ['-m', 'sh', '-c', script, 'sh', privateTmp, NGINX_BIN, confPath, `${home}/`], join(home, 'nginx.log'));
    this.groups.push(group);
    const server: NginxServer = { port: port!, conf, group, url: (path) => `http://127.0.0.1:${port}${path}` };
    await waitFor(
      `nginx-${n} ready`,
      async () => ((await fetch(server.url('/nginx-health'), { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined),
      15_000,
      group,
    );
    this.nginxes.push(server);
    return server;
  }

  /** Hands a process group started beside the stack (e.g. Prometheus) to `stop()` and `leftovers()`. */
  public adopt(group: Group): void {
    this.groups.push(group);
  }

  /** Last lines of every log, for failure messages. */
  public logs(): string {
    const all = [
      ...this.nginxes.map((n) => n.group),
      ...this.replicas.map((r) => r.group),
      ...[...this.postgresServers.values()].map((s) => s.group),
      ...(this.pooler ? [this.pooler.group] : []),
      ...[...this.redisServers.values()].map((s) => s.group),
    ];
    return all.map((g) => `--- ${g.name}\n${tail(g.log, 15)}`).join('\n');
  }

  /** Stops everything (nginx, replicas, every Redis and PostgreSQL) and removes the temp dir. */
  public async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<void>) => {
      try {
        await f();
      } catch (e) {
        errors.push(e);
      }
    };
    await Promise.all(this.nginxes.map((n) => attempt(() => stopGroup(n.group))));
    // Replicas get SIGTERM, then SIGKILL after a second: a clean app shutdown proves nothing here.
    await Promise.all(this.groups.map((g) => attempt(() => stopGroup(g, { graceMs: 1_000 }))));
    await Promise.all([...this.redisServers.values(), ...this.postgresServers.values()].map((s) => attempt(() => s.stop())));
    if (process.env['E2E_KEEP'] !== '1') rmSync(this.dir, { recursive: true, force: true });
    if (errors.length) throw errors[0];
  }

  /** Processes left behind by this harness: by temp path, and by process group. */
  public leftovers(): string[] {
    const groups = [...this.groups, ...[...this.postgresServers.values(), ...this.redisServers.values()].map((s) => s.group)];
    return [
      ...pgrepFull(this.dir),
      ...groups.filter((g) => !g.stopped).map((g) => `${g.name}: process group ${g.pid} was never stopped`),
      ...groups.flatMap((g) => groupMembers(g.pid).map((pid) => `${g.name}: pid ${pid} in group ${g.pid}`)),
      ...(existsSync(this.dir) ? [`temp dir ${this.dir}`] : []),
    ];
  }
}

/** The one-shot role-setup service: it mounts the rendered role script. */
function isRoleSetup(svc: ComposeService): boolean {
  return (svc.volumes ?? []).some((v) => typeof v === 'string' && v.split(':')[1] === ROLE_SETUP_SQL_PATH);
}
