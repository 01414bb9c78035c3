/**
 * The compose-up tier for issue 19: examples/worker (an API, a queue worker tier and a
 * migration) comes up under podman + docker-compose 1.29 with the stand-in images
 * (scripts/compose-up/setup.sh; the backend stand-in holds app.py, worker.py, migrate.py).
 *
 * - the migration's one-shot service exits 0 before any backend container starts;
 * - the worker tier scales with `--scale worker=3`, every container healthy by its exec check;
 * - `scaleout verify` through nginx sees every API replica (and no worker: it has no HTTP side).
 *
 * Run as the other compose-up file is: root, one run at a time machine-wide
 * (`flock /tmp/compose-up.lock npx vitest run --project compose-up test/compose-up/worker.test.ts`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../lib/cli/config.js';
import { main } from '../../lib/cli/main.js';
import { synthCompose, writeOutput } from '../../lib/targets/compose/index.js';
import {
  compose,
  containerLogTail,
  Daemon,
  healthOf,
  missingImages,
  parseTime,
  prepareTier,
  PROJECT,
  projectContainers,
  removeProjectByName,
  serviceOf,
  sleep,
  startApiService,
  startTicker,
  tailLines,
  type Container,
} from './podman.js';
import { STANDIN_NGINX_VERSION, type ComposeFile } from './stack.js';

const WORKER_CONFIG = fileURLToPath(new URL('../../examples/worker/scaleout.yaml', import.meta.url));
/** The backend stand-in's image name (it runs app.py, worker.py and migrate.py). */
const STANDIN_BACKEND = 'ghcr.io/uns/backend:5.4.1';

let dir = '';
let file: ComposeFile;
let api: Daemon | undefined;
let ticker: Daemon | undefined;
let up = false;

/** examples/worker with the stand-in images and nginx version, without Monitoring (no stand-ins). */
function configText(): string {
  const doc = parseDocument(readFileSync(WORKER_CONFIG, 'utf8'));
  for (const id of ['api', 'worker']) doc.setIn(['backends', id, 'image'], STANDIN_BACKEND);
  doc.setIn(['nginx', 'version'], STANDIN_NGINX_VERSION);
  doc.deleteIn(['monitoring']);
  return String(doc);
}

async function composeOk(args: readonly string[], timeoutMs?: number): Promise<string> {
  const r = await compose(dir, args, timeoutMs);
  expect(r.code, `docker-compose ${args.join(' ')} exited ${r.code}:\n${tailLines(r.output, 60)}`).toBe(0);
  return r.output;
}

/** Waits until exactly `want[service]` containers run healthy; fails at once on an unhealthy one. */
async function waitHealthy(want: Record<string, number>, timeoutMs = 180_000): Promise<Container[]> {
  const deadline = Date.now() + timeoutMs;
  let summary = '';
  while (Date.now() < deadline) {
    const running = projectContainers().filter((c) => c.State.Running);
    const count = (s: string) => running.filter((c) => serviceOf(c) === s && healthOf(c) === 'healthy').length;
    if (Object.entries(want).every(([s, n]) => count(s) === n && running.filter((c) => serviceOf(c) === s).length === n)) return running;
    const bad = running.find((c) => healthOf(c) === 'unhealthy');
    if (bad) throw new Error(`${bad.Name} is unhealthy; its last log lines:\n${containerLogTail(bad.Name)}`);
    summary = projectContainers().map((c) => `${c.Name}: ${c.State.Status}, health ${healthOf(c)}`).join('\n');
    await sleep(1_000);
  }
  throw new Error(`not every container became healthy; wanted ${JSON.stringify(want)}, have:\n${summary}`);
}

beforeAll(async () => {
  await prepareTier();
  const tmp = mkdtempSync('/var/tmp/scaleout-compose-up-worker-');
  dir = join(tmp, 'compose');
  const { files } = synthCompose(loadConfigText(configText(), WORKER_CONFIG), { secretsDir: '../secrets', profiles: ['dev'] });
  writeOutput(dir, files);
  // The tier's ticker, inspection and clean-up follow one project name (PROJECT); the stack's own
  // .env would name this project 'shop'. compose-up.test.ts checks the .env project name itself.
  writeFileSync(join(dir, '.env'), `COMPOSE_PROJECT_NAME=${PROJECT}\n`);
  file = parse(files.get('docker-compose.yml')!) as ComposeFile;
  mkdirSync(join(tmp, 'secrets'));
  for (const [, { file: f }] of Object.entries(file.secrets ?? {})) writeFileSync(join(dir, f), `${randomBytes(12).toString('hex')}\n`, { mode: 0o644 });
  const missing = missingImages(file);
  if (missing.length) throw new Error(`stand-in images missing:\n${missing.join('\n')}`);
  api = await startApiService();
  ticker = startTicker();
}, 15 * 60_000);

afterAll(async () => {
  await ticker?.stop();
  if (up) await compose(dir, ['down', '-v', '--remove-orphans', '-t', '5'], 180_000);
  removeProjectByName();
  await api?.stop(10_000);
  if (dir && process.env['SCALEOUT_COMPOSE_UP_KEEP'] !== '1') rmSync(join(dir, '..'), { recursive: true, force: true });
}, 5 * 60_000);

describe('compose-up: examples/worker (API + worker tier + migration)', () => {
  it('up -d: the migration service exits 0 before any backend container starts', async () => {
    up = true;
    console.log(await composeOk(['up', '-d']));
    const running = await waitHealthy({ db: 1, redis: 1, api: 2, worker: 2, nginx: 1 });
    const migrate = projectContainers().filter((c) => serviceOf(c) === 'api-migrate');
    expect(migrate).toHaveLength(1);
    const state = migrate[0]!.State as Container['State'] & { ExitCode: number; FinishedAt: string };
    expect(state.ExitCode, containerLogTail(migrate[0]!.Name)).toBe(0);
    const finished = parseTime(state.FinishedAt);
    for (const c of running.filter((x) => ['api', 'worker'].includes(serviceOf(x)))) {
      expect(parseTime(c.State.StartedAt), `${c.Name} started before the migration finished`).toBeGreaterThanOrEqual(finished);
    }
  }, 6 * 60_000);

  it('the worker tier scales with --scale worker=3', async () => {
    await composeOk(['up', '-d', '--scale', 'worker=3']);
    const running = await waitHealthy({ db: 1, redis: 1, api: 2, worker: 3, nginx: 1 });
    expect(running.filter((c) => serviceOf(c) === 'worker')).toHaveLength(3);
    // The migration ran once: scaling did not run it again.
    expect(projectContainers().filter((c) => serviceOf(c) === 'api-migrate')).toHaveLength(1);
  }, 5 * 60_000);

  it('scaleout verify through nginx sees every API replica', async () => {
    const apis = projectContainers().filter((c) => c.State.Running && serviceOf(c) === 'api');
    const port = Number(file.services['nginx']!.ports![0]!.split(':')[0]);
    let out = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } };
    const code = await main(['verify', '--url', `http://127.0.0.1:${port}`, '--expect-instances', String(apis.length)], io);
    expect(code, out).toBe(0);
    for (const c of apis) expect(out).toContain(c.Config.Hostname);
  }, 120_000);
});
