/**
 * The compose-up tier: the synthesized docker-compose.yml of the reference stack really comes
 * up, under podman's Docker-compatible API driven by docker-compose 1.29, with stand-in
 * images built from a Debian base (scripts/compose-up/setup.sh; no registry is reachable).
 *
 * Needs root. beforeAll runs setup.sh itself (idempotent: a few seconds once the machine is
 * prepared), so `vitest run` never skips this file. Tests run in order on one project:
 * dev ×3 → ×4 → prod → down -v. A failing test prints `docker-compose ps`, the logs, podman's
 * health logs, the ticker log and the rendered files (also kept in STATE/last-failure.txt).
 *
 * SCALEOUT_COMPOSE_UP_BREAK=alias|healthcheck|internal runs the tier on a compose file broken
 * on purpose, to see that it fails (see scripts/compose-up/README.md).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { safeScales } from '../../lib/capacity/safe-scale.js';
import { main } from '../../lib/cli/main.js';
import type { RuleContext } from '../../lib/rules/rule.js';
import {
  compose,
  containerLogTail,
  Daemon,
  diagnostics,
  execIn,
  healthOf,
  healthRuns,
  hostPortFree,
  missingImages,
  parseTime,
  prepareTier,
  PROJECT,
  projectContainers,
  projectLeftovers,
  removeProjectByName,
  runSync,
  serviceOf,
  sleep,
  SOCKET,
  startApiService,
  startTicker,
  STATE,
  tailLines,
  type Container,
} from './podman.js';
import { referenceConfigText, synthesizeInto, type ComposeFile, type SynthesizedProject } from './stack.js';

/** Compose service names the reference stack synthesizes to. */
const DEV = { backend: 'backend', nginx: 'nginx' } as const;
const PROD = { backend: 'backend-prod', nginx: 'nginx-prod' } as const;
const DATA = ['db', 'redis'] as const;
const DEV_SCALE = 3;

/** Ways to break the compose file on purpose (SCALEOUT_COMPOSE_UP_BREAK). */
const BREAKS: Record<string, (f: ComposeFile) => void> = {
  // The shared alias: backend-prod answers to `backend`, the host nginx.conf names.
  alias: (f) => {
    for (const s of Object.values(f.services)) {
      if (s.networks && !Array.isArray(s.networks)) for (const n of Object.values(s.networks)) if (n) delete n.aliases;
    }
  },
  // The backends' healthchecks, which nginx's depends_on (service_healthy) waits for.
  healthcheck: (f) => {
    for (const s of Object.values(f.services)) if (s.environment?.['WEB_CONCURRENCY'] !== undefined) delete s.healthcheck;
  },
  // The data network's `internal: true`.
  internal: (f) => {
    for (const n of Object.values(f.networks ?? {})) if (n) delete n.internal;
  },
};

const breakMode = process.env['SCALEOUT_COMPOSE_UP_BREAK'];
const keep = process.env['SCALEOUT_COMPOSE_UP_KEEP'] === '1';

let project: SynthesizedProject | undefined;
let api: Daemon | undefined;
let ticker: Daemon | undefined;
let profilesUp: string[] = [];
let downDone = false;

const file = (): ComposeFile => project!.compose;
const dir = (): string => project!.dir;
const context = (profile: string): RuleContext => {
  const c = project!.report.contexts.find((x) => x.profile === profile);
  if (!c) throw new Error(`the synth report has no profile '${profile}'`);
  return c;
};

/** The first step that failed: the steps build on each other, so later ones stop at once. */
let firstFailure: string | undefined;

/**
 * Starts a step: fails at once when an earlier step failed (unless `always`), and on its
 * own failure dumps compose ps, the logs and the rendered files (the first failure only).
 */
function step(name: string, opts: { always?: boolean } = {}): void {
  if (firstFailure && !opts.always) throw new Error(`not run: the earlier step "${firstFailure}" failed (its diagnostics are above)`);
  onTestFailed(async () => {
    if (firstFailure) return;
    firstFailure = name;
    if (!project) return;
    console.error(`compose-up tier failed at "${name}"; diagnostics (also in ${STATE}/last-failure.txt):\n${await diagnostics(dir(), ['dev', 'prod'])}`);
  });
}

async function composeOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await compose(dir(), args, timeoutMs);
  expect(r.code, `docker-compose ${args.join(' ')} exited ${r.code}:\n${tailLines(r.output, 60)}`).toBe(0);
  return r.output;
}

function hostPort(service: string): number {
  const ports = file().services[service]?.ports ?? [];
  const published = ports[0]?.split(':')[0];
  if (!published) throw new Error(`service ${service} publishes no port`);
  return Number(published);
}

const byService = (cs: readonly Container[]) => {
  const m = new Map<string, Container[]>();
  for (const c of cs) m.set(serviceOf(c), [...(m.get(serviceOf(c)) ?? []), c]);
  return m;
};

/**
 * Waits until exactly `want[service]` containers of each service run and are healthy, and
 * no container of another service runs. Returns the containers. Fails at once, with the
 * container's last log lines, on what cannot get better: a container without a healthcheck
 * (its dependents' service_healthy means nothing), an unhealthy one, or a restart loop.
 */
async function waitHealthy(want: Record<string, number>, timeoutMs = 150_000): Promise<Container[]> {
  const deadline = Date.now() + timeoutMs;
  let summary = '';
  while (Date.now() < deadline) {
    const all = projectContainers();
    const running = all.filter((c) => c.State.Running);
    const groups = byService(running);
    const ok =
      Object.entries(want).every(([s, n]) => (groups.get(s) ?? []).length === n && groups.get(s)!.every((c) => healthOf(c) === 'healthy')) &&
      [...groups.keys()].every((s) => s in want);
    if (ok) return running;
    for (const c of all.filter((x) => serviceOf(x) in want)) {
      const why =
        healthOf(c) === 'none' && c.State.Running
          ? 'has no healthcheck, so service_healthy cannot gate what depends on it'
          : healthOf(c) === 'unhealthy'
            ? 'is unhealthy'
            : (c.RestartCount ?? 0) >= 3
              ? `is restarting in a loop (${c.RestartCount} restarts)`
              : undefined;
      if (why) throw new Error(`${c.Name} ${why}; its last log lines:\n${containerLogTail(c.Name)}`);
    }
    summary = all.map((c) => `${c.Name}: ${c.State.Status}, health ${healthOf(c)}`).join('\n');
    await sleep(1_000);
  }
  throw new Error(`not every container became healthy in ${timeoutMs / 1000} s; wanted ${JSON.stringify(want)}, have:\n${summary}`);
}

/**
 * Checks that each container started only after the services it depends on were healthy
 * (service_healthy: after the ticker's first passing healthcheck of every container of the
 * dependency since that container started). Returns the waits, for the log.
 */
function checkStartOrder(containers: readonly Container[]): string[] {
  const runs = healthRuns();
  const groups = byService(containers);
  const waits: string[] = [];
  for (const c of containers) {
    const started = parseTime(c.State.StartedAt);
    for (const [dep, { condition }] of Object.entries(file().services[serviceOf(c)]?.depends_on ?? {})) {
      if (condition === 'service_completed_successfully') {
        // A one-shot (the role setup): it has exited 0, and the dependant started after that.
        const done = projectContainers().filter((x) => serviceOf(x) === dep && !x.State.Running);
        expect(done.length, `${c.Name} depends on the one-shot ${dep}, which never ran to its end`).toBeGreaterThan(0);
        for (const d of done) {
          expect(d.State.ExitCode, `${d.Name} exited ${d.State.ExitCode}:\n${containerLogTail(d.Name)}`).toBe(0);
          const finished = parseTime(d.State.FinishedAt!);
          expect(started, `${c.Name} started at ${c.State.StartedAt}, before ${d.Name} finished (${d.State.FinishedAt})`).toBeGreaterThanOrEqual(finished - 500);
          waits.push(`${c.Name} started ${((started - finished) / 1000).toFixed(1)} s after ${d.Name} exited 0`);
        }
        continue;
      }
      const deps = groups.get(dep) ?? [];
      expect(deps.length, `${c.Name} depends on ${dep}, which has no running container`).toBeGreaterThan(0);
      for (const d of deps) {
        const depStarted = parseTime(d.State.StartedAt);
        if (condition === 'service_healthy') {
          const healthy = runs.filter((r) => r.name === d.Name && r.code === 0 && r.start >= depStarted - 500).map((r) => r.start);
          expect(healthy.length, `${d.Name} never passed a healthcheck, yet ${c.Name} (depends_on ${dep}: service_healthy) started`).toBeGreaterThan(0);
          const healthyAt = Math.min(...healthy);
          expect(
            started,
            `${c.Name} started at ${c.State.StartedAt}, before ${d.Name} first passed its healthcheck (${new Date(healthyAt).toISOString()})`,
          ).toBeGreaterThan(healthyAt);
          waits.push(`${c.Name} started ${((started - healthyAt) / 1000).toFixed(1)} s after ${d.Name} became healthy`);
        } else {
          expect(started, `${c.Name} started before ${d.Name}`).toBeGreaterThanOrEqual(depStarted);
        }
      }
    }
  }
  return waits;
}

/** `scaleout verify` through the published port: exactly these instances answer, evenly. */
async function verifyInstances(port: number, hostnames: readonly string[]): Promise<void> {
  let out = '';
  const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } };
  const code = await main(['verify', '--url', `http://127.0.0.1:${port}`, '--expect-instances', String(hostnames.length)], io);
  console.log(`scaleout verify --url http://127.0.0.1:${port} --expect-instances ${hostnames.length}\n${out}`);
  expect(code, out).toBe(0);
  expect(Number(/^(\d+) instances? answered/m.exec(out)?.[1]), out).toBe(hostnames.length);
  for (const h of hostnames) expect(out, `instance ${h} (a running container) did not answer`).toContain(h);
}

/** One GET on a fresh connection; resolves to the answering instance, or undefined. */
function instanceOnce(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/api/health', agent: false, timeout: 3_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          resolve((JSON.parse(body) as { instance?: string }).instance);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** Waits (after an nginx reload) until every one of `hostnames` has answered through nginx. */
async function waitAllAnswer(port: number, hostnames: readonly string[], timeoutMs = 30_000): Promise<void> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !hostnames.every((h) => seen.has(h))) {
    const who = await instanceOnce(port);
    if (who) seen.add(who);
    else await sleep(200);
  }
  expect([...seen].sort(), `instances answering through nginx on :${port}`).toEqual([...hostnames].sort());
}

/** Routing-table lines of a container whose destination is 0.0.0.0/0 (IPv4) or ::/0 (IPv6). */
function defaultRoutes(container: string): string[] {
  const v4 = execIn(container, ['cat', '/proc/net/route']);
  expect(v4.code, `reading /proc/net/route in ${container}: ${v4.output}`).toBe(0);
  const routes = v4.stdout
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8 && f[1] === '00000000' && f[7] === '00000000')
    .map((f) => `ipv4 default via ${f[0]}`);
  // ::/0 routes except the kernel's "unreachable" reject entry on lo.
  const v6 = execIn(container, ['sh', '-c', 'cat /proc/net/ipv6_route 2>/dev/null || true']);
  for (const f of v6.stdout.split('\n').map((l) => l.trim().split(/\s+/))) {
    if (f.length >= 10 && /^0{32}$/.test(f[0]!) && f[1] === '00' && f[9] !== 'lo') routes.push(`ipv6 default via ${f[9]}`);
  }
  return routes;
}

/** `env` as run inside the container. */
function envInside(container: string): Map<string, string> {
  const r = execIn(container, ['env']);
  expect(r.code, r.output).toBe(0);
  return new Map(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

beforeAll(async () => {
  // Idempotent: installs, base image and stand-ins only when missing or changed.
  console.log((await prepareTier()).trim());

  const tmp = mkdtempSync('/var/tmp/scaleout-compose-up-');
  const edit = breakMode
    ? (text: string) => {
        const breaker = BREAKS[breakMode];
        if (!breaker) throw new Error(`SCALEOUT_COMPOSE_UP_BREAK must be one of ${Object.keys(BREAKS).join(', ')}, got '${breakMode}'`);
        const f = parse(text) as ComposeFile;
        breaker(f);
        console.warn(`SCALEOUT_COMPOSE_UP_BREAK=${breakMode}: running on a compose file broken on purpose; this run must fail`);
        return stringify(f);
      }
    : undefined;
  project = synthesizeInto(join(tmp, 'compose'), edit);

  const missing = missingImages(file());
  if (missing.length) throw new Error(`stand-in images missing:\n${missing.join('\n')}`);

  api = await startApiService();
  ticker = startTicker();
}, 15 * 60_000);

afterAll(async () => {
  const problems: string[] = [];
  const attempt = async (what: string, f: () => Promise<unknown> | unknown) => {
    try {
      await f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  await attempt('stopping the healthcheck ticker', () => ticker?.stop());
  if (project && api?.running && profilesUp.length && !downDone) {
    await attempt('docker-compose down -v', () => compose(dir(), ['--profile', 'dev', '--profile', 'prod', 'down', '-v', '--remove-orphans', '-t', '5'], 180_000));
  }
  // By name, whatever compose left (or could not reach).
  await attempt('removing the project by name', () => {
    const removed = removeProjectByName();
    if (removed.length) console.warn(`teardown removed by name: ${removed.join(', ')}`);
  });
  await attempt('stopping the podman API service', () => api?.stop(10_000));
  await attempt('checking leftovers', () => {
    const left = projectLeftovers();
    const all = [...left.containers, ...left.networks, ...left.volumes];
    if (all.length) problems.push(`left behind: ${all.join(', ')}`);
    for (const d of [api, ticker]) if (d?.running) problems.push(`${d.name} (pid ${d.pid}) still runs`);
  });
  if (project && !keep) rmSync(join(project.dir, '..'), { recursive: true, force: true });
  if (problems.length) throw new Error(`compose-up teardown:\n${problems.join('\n')}`);
}, 5 * 60_000);

describe('compose-up: the synthesized docker-compose.yml under podman + docker-compose 1.29', () => {
  it(`dev: up -d --scale ${DEV.backend}=${DEV_SCALE} makes every container healthy, each after the services it depends on`, async () => {
    step('dev up');
    // podman's compat API joins a CMD healthcheck on spaces and splits it again (podman
    // #26519, fixed after 5.7): an argument with whitespace becomes several arguments.
    for (const [name, s] of Object.entries(file().services)) {
      const test = (s.healthcheck?.['test'] as string[] | undefined) ?? [];
      if (test[0] === 'CMD') {
        const spaced = test.slice(1).filter((a) => /\s/.test(a));
        expect(spaced, `service ${name}: healthcheck CMD arguments with whitespace, which podman's Docker API splits into several`).toEqual([]);
      }
    }
    const port = hostPort(DEV.nginx);
    expect(await hostPortFree(port), `host port ${port} (nginx's published port) is in use; stop what listens there`).toBe(true);

    profilesUp = ['dev'];
    const out = await composeOk(['--profile', 'dev', 'up', '-d', '--scale', `${DEV.backend}=${DEV_SCALE}`]);
    console.log(out);
    const containers = await waitHealthy({ db: 1, redis: 1, [DEV.backend]: DEV_SCALE, [DEV.nginx]: 1 });
    console.log(checkStartOrder(containers).join('\n'));
  }, 6 * 60_000);

  it(`dev: scaleout verify through nginx's published port sees the ${DEV_SCALE} backend containers`, async () => {
    step('dev verify');
    const backends = projectContainers().filter((c) => c.State.Running && serviceOf(c) === DEV.backend);
    expect(backends).toHaveLength(DEV_SCALE);
    await verifyInstances(hostPort(DEV.nginx), backends.map((c) => c.Config.Hostname));
  }, 120_000);

  it('dev: Postgres and Redis publish no port, sit only on the internal network, and have no default route', () => {
    step('data tier');
    const running = projectContainers().filter((c) => c.State.Running);
    const dataNetworks = new Set<string>();
    for (const svc of DATA) {
      const spec = file().services[svc]!;
      expect(spec.ports, `compose service ${svc} publishes ports`).toBeUndefined();
      const nets = Array.isArray(spec.networks) ? spec.networks : Object.keys(spec.networks ?? {});
      const cs = running.filter((c) => serviceOf(c) === svc);
      expect(cs).toHaveLength(1);
      const c = cs[0]!;
      // Read inside the container; no packet leaves it.
      expect(defaultRoutes(c.Name), `${c.Name} has a default route: the data tier can reach out`).toEqual([]);
      const published = [...Object.values(c.HostConfig.PortBindings ?? {}), ...Object.values(c.NetworkSettings.Ports ?? {})]
        .flatMap((b) => b ?? [])
        .filter((b) => b.HostPort);
      expect(published, `${c.Name} publishes host ports`).toEqual([]);
      expect(Object.keys(c.NetworkSettings.Networks ?? {}).sort(), `${c.Name}'s networks`).toEqual(nets.map((n) => `${PROJECT}_${n}`).sort());
      for (const n of nets) dataNetworks.add(n);
    }
    for (const n of dataNetworks) {
      expect(file().networks?.[n]?.internal, `compose network ${n} (the data tier's) is internal`).toBe(true);
      const inspect = runSync('podman', ['network', 'inspect', `${PROJECT}_${n}`]);
      expect(inspect.code, inspect.output).toBe(0);
      expect((JSON.parse(inspect.stdout) as { internal?: boolean }[])[0]?.internal, `podman network ${PROJECT}_${n} is internal`).toBe(true);
    }
    // The same reading finds the default route a backend has through the app network.
    const backend = running.find((c) => serviceOf(c) === DEV.backend)!;
    expect(defaultRoutes(backend.Name).length, `${backend.Name} (on the app network) shows no default route: the check is blind`).toBeGreaterThan(0);
  }, 60_000);

  it(`dev: --scale ${DEV.backend}=4 plus an nginx reload, and verify sees 4`, async () => {
    step('scale 4');
    const port = hostPort(DEV.nginx);
    const before = new Set(projectContainers().filter((c) => serviceOf(c) === DEV.backend).map((c) => c.Config.Hostname));
    await composeOk(['--profile', 'dev', 'up', '-d', '--scale', `${DEV.backend}=4`]);
    const containers = await waitHealthy({ db: 1, redis: 1, [DEV.backend]: 4, [DEV.nginx]: 1 });
    const hostnames = containers.filter((c) => serviceOf(c) === DEV.backend).map((c) => c.Config.Hostname);
    // nginx < 1.27.3 resolved `server backend:8000` once, at start: the new replica gets
    // no traffic until a reload (SIGHUP) resolves the name again.
    const answered = new Set<string>();
    for (let i = 0; i < 12; i++) answered.add((await instanceOnce(port)) ?? 'no answer');
    expect([...answered].sort(), 'before the reload, nginx balances over the replicas it resolved at start').toEqual([...before].sort());
    await composeOk(['--profile', 'dev', 'kill', '-s', 'HUP', DEV.nginx], 60_000);
    await waitAllAnswer(port, hostnames);
    await verifyInstances(port, hostnames);
  }, 5 * 60_000);

  it('prod: backend-prod runs its replicas and workers, with the env and database settings of the model', async () => {
    step('prod');
    await composeOk(['--profile', 'dev', 'down', '-t', '5'], 180_000);
    profilesUp = ['prod'];
    await composeOk(['--profile', 'prod', 'up', '-d']);

    const ctx = context('prod');
    const model = ctx.backends.find((b) => b.serviceName === PROD.backend);
    expect(model, `the prod profile has a backend named ${PROD.backend}`).toBeDefined();
    expect(file().services[PROD.backend]?.deploy?.replicas).toBe(model!.replicas);
    const containers = await waitHealthy({ db: 1, redis: 1, [PROD.backend]: model!.replicas, [PROD.nginx]: 1 });
    console.log(checkStartOrder(containers).join('\n'));

    const backends = containers.filter((c) => serviceOf(c) === PROD.backend);
    for (const c of backends) {
      const env = envInside(c.Name);
      expect(
        { WEB_CONCURRENCY: env.get('WEB_CONCURRENCY'), DB_POOL_SIZE: env.get('DB_POOL_SIZE'), DB_MAX_OVERFLOW: env.get('DB_MAX_OVERFLOW') },
        `env inside ${c.Name}`,
      ).toEqual({ WEB_CONCURRENCY: String(model!.workers), DB_POOL_SIZE: String(model!.pool!.size), DB_MAX_OVERFLOW: String(model!.pool!.maxOverflow) });
      // uvicorn --workers N runs N spawned worker processes (none when N is 1).
      const ps = execIn(c.Name, ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < "$p/cmdline" 2>/dev/null; echo; done']);
      const workers = ps.stdout.split('\n').filter((l) => l.includes('multiprocessing.spawn import spawn_main')).length;
      expect(workers, `uvicorn worker processes in ${c.Name}:\n${ps.stdout}`).toBe(model!.workers > 1 ? model!.workers : 0);
    }
    await verifyInstances(hostPort(PROD.nginx), backends.map((c) => c.Config.Hostname));

    // The stand-ins honour the data tier's settings: Postgres' command and PGDATA, Redis' maxclients.
    const db = containers.find((c) => serviceOf(c) === 'db')!;
    const pgEnv = file().services['db']!.environment!;
    const sql = (q: string) => {
      const r = execIn(db.Name, ['psql', '-U', pgEnv['POSTGRES_USER']!, '-d', pgEnv['POSTGRES_DB']!, '-Atc', q]);
      expect(r.code, r.output).toBe(0);
      return r.stdout.trim();
    };
    expect(sql('SHOW max_connections')).toBe(String(ctx.postgres!.maxConnections));
    expect(sql('SHOW data_directory')).toBe(pgEnv['PGDATA']);
    const redis = containers.find((c) => serviceOf(c) === 'redis')!;
    const maxclients = execIn(redis.Name, ['sh', '-c', 'redis-cli --askpass config get maxclients < /run/secrets/redis_password']);
    expect(maxclients.stdout.trim().split('\n')[1], maxclients.output).toBe(String(ctx.redis!.maxClients));

    // Issue 15: `--profile prod up` alone, with no -p, runs under the stack's name from .env.
    expect(readFileSync(join(dir(), '.env'), 'utf8')).toContain(`COMPOSE_PROJECT_NAME=${project!.report.contexts[0]!.stack.stackName}\n`);
    expect(PROJECT).toBe(project!.report.contexts[0]!.stack.stackName);
    for (const c of containers) expect(c.Config.Labels?.['com.docker.compose.project'], c.Name).toBe(PROJECT);

    // Issue 15: the server processes run as their images' users, never root. PID 1 is the
    // server itself (the entrypoints exec it), so its uid is the server's, not a shell's.
    for (const [c, comm, user] of [
      [db, 'postgres', 'postgres'],
      [redis, 'redis-server', 'redis'],
    ] as const) {
      const status = execIn(c.Name, ['cat', '/proc/1/status']);
      expect(/^Name:\s+(\S+)/m.exec(status.stdout)?.[1], status.output).toBe(comm);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status.stdout)?.[1]);
      expect(uid, `${c.Name}: uid of ${comm}`).toBeGreaterThan(0);
      expect(String(uid)).toBe(execIn(c.Name, ['id', '-u', user]).stdout.trim());
      // And no process in the container shows the Redis password on its command line.
      const argv = execIn(c.Name, ['sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "']);
      expect(argv.stdout).not.toContain(project!.secrets.get('redis_password')!);
    }
  }, 6 * 60_000);

  it('prod: scaleout check --live reads the stack through the API socket: 0 after up, 1 past the safe --scale (arithmetic and restoring command), 0 once restored, 3 with the socket unreachable', async () => {
    step('check --live');
    const ctx = context('prod');
    const model = ctx.backends.find((b) => b.serviceName === PROD.backend)!;
    const safe = safeScales(ctx, 'compose').find((s) => s.backend.path === model.path)!.largest;
    // The login roles come from the stack's own role-setup service (db-role-setup).
    const config = join(dir(), '..', 'scaleout.yaml');
    writeFileSync(config, referenceConfigText());
    const check = async () => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
      const code = await main(['check', '--live', '-c', config, '--profile', 'prod', '--project', PROJECT], io);
      return { code, stdout, stderr };
    };
    const withHost = async (host: string) => {
      const prev = process.env['DOCKER_HOST'];
      process.env['DOCKER_HOST'] = host;
      try {
        return await check();
      } finally {
        if (prev === undefined) delete process.env['DOCKER_HOST'];
        else process.env['DOCKER_HOST'] = prev;
      }
    };

    const inLine = await withHost(`unix://${SOCKET}`);
    console.log(`scaleout check --live -c scaleout.yaml --profile prod --project ${PROJECT}\n${inLine.stdout}${inLine.stderr}`);
    expect(inLine.code, inLine.stdout + inLine.stderr).toBe(0);
    expect(inLine.stdout).toMatch(new RegExp(`^ok\\s+scale\\s+${PROD.backend}\\s+${safe}\\s+${model.replicas}$`, 'm'));

    await composeOk(['--profile', 'prod', 'up', '-d', '--scale', `${PROD.backend}=${safe + 1}`]);
    await waitHealthy({ db: 1, redis: 1, [PROD.backend]: safe + 1, [PROD.nginx]: 1 });
    const drift = await withHost(`unix://${SOCKET}`);
    console.log(drift.stdout + drift.stderr);
    expect(drift.code, drift.stdout + drift.stderr).toBe(1);
    expect(drift.stdout).toMatch(new RegExp(`^DRIFT\\s+scale\\s+${PROD.backend}\\s+${safe}\\s+${safe + 1}$`, 'm'));
    expect(drift.stdout).toContain(`--scale ${safe + 1} > largest safe --scale ${safe}`);
    expect(drift.stdout).toContain(`restore: docker compose --profile prod up -d --scale ${PROD.backend}=${model.replicas}`);

    // The restoring command (docker-compose 1.29 spelling) brings it back in line.
    await composeOk(['--profile', 'prod', 'up', '-d', '--scale', `${PROD.backend}=${model.replicas}`]);
    await waitHealthy({ db: 1, redis: 1, [PROD.backend]: model.replicas, [PROD.nginx]: 1 });
    expect((await withHost(`unix://${SOCKET}`)).code).toBe(0);

    const gone = await withHost(`unix://${join(STATE, 'absent.sock')}`);
    expect(gone.code).toBe(3);
    expect(gone.stderr.trimEnd().split('\n')).toEqual([`scaleout: cannot reach the Docker API at unix://${join(STATE, 'absent.sock')}: ENOENT; is Docker (or \`podman system service\`) running, and is DOCKER_HOST right?`]);
  }, 8 * 60_000);

  it('the postgres stand-in runs /docker-entrypoint-initdb.d once, on an empty data directory, as the official image', () => {
    step('initdb.d');
    const image = file().services['db']!.image;
    const tmp = mkdtempSync('/var/tmp/scaleout-compose-up-initdb-');
    try {
      const init = join(tmp, 'initdb.d');
      mkdirSync(init);
      writeFileSync(join(init, '10-table.sql'), 'CREATE TABLE seeded (id int); INSERT INTO seeded VALUES (1);\n');
      writeFileSync(join(init, '20-role.sh'), 'psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -c "CREATE ROLE from_sh NOLOGIN"\n');
      writeFileSync(join(tmp, 'pw'), 'pw\n');
      const name = `${PROJECT}-initdb-check`;
      const run = (extra: string[]) =>
        runSync('podman', ['run', '--rm', '--name', name, '-e', 'POSTGRES_USER=app', '-e', 'POSTGRES_DB=uns', '-e', 'POSTGRES_PASSWORD_FILE=/pw',
          '-e', 'PGDATA=/var/lib/postgresql/data/pgdata', '-v', `${join(tmp, 'pw')}:/pw:ro`, '-v', `${init}:/docker-entrypoint-initdb.d:ro`,
          '-v', `${join(tmp, 'data')}:/var/lib/postgresql/data`, '--entrypoint', 'sh', image, '-c', ...extra]);
      mkdirSync(join(tmp, 'data'));
      // Start the real entrypoint in the background, query once it is up, stop it.
      const script = (q: string) => [
        `docker-entrypoint.sh postgres & pid=$!; for i in $(seq 60); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done; ` +
          `psql -U app -d uns -Atc "${q}"; kill -INT $pid; wait $pid`,
      ];
      const first = run(script("SELECT (SELECT count(*) FROM seeded) || ',' || (SELECT rolsuper FROM pg_roles WHERE rolname = 'app') || ',' || (SELECT count(*) FROM pg_roles WHERE rolname = 'from_sh')"));
      expect(first.stdout.trim().split('\n').pop(), first.output).toBe('1,true,1');
      // A second start on the same data directory runs nothing again (the table would gain a row).
      const second = run(script('SELECT count(*) FROM seeded'));
      expect(second.stdout.trim().split('\n').pop(), second.output).toBe('1');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 3 * 60_000);

  it('down -v leaves no container, network or volume of the project', async () => {
    step('down -v', { always: true });
    if (!firstFailure) expect(projectLeftovers().volumes.length, 'the project has volumes before down -v').toBeGreaterThan(0);
    await composeOk(['--profile', 'dev', '--profile', 'prod', 'down', '-v', '--remove-orphans', '-t', '5'], 180_000);
    downDone = true;
    expect(projectLeftovers()).toEqual({ containers: [], networks: [], volumes: [] });
  }, 4 * 60_000);
});
