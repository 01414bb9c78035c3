/**
 * `check --live` against a Docker API served on a unix socket in a temp directory (the
 * containers' compose labels, health, and psql run through exec), the exit codes, usage
 * errors, an unreachable socket, and `--watch`. The real thing under podman is in
 * test/compose-up/check-live.test.ts; real PostgreSQL in test/e2e/check-live.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeScales } from '../../../lib/capacity/safe-scale.js';
import { parseCheckOptions, runCheck } from '../../../lib/cli/live/check-command.js';
import { demux } from '../../../lib/cli/live/docker-api.js';
import type { PostgresFacts } from '../../../lib/cli/live/facts.js';
import { cliAsync } from '../../helpers/cli.js';
import { CONFIG, factsInLine, profileOf } from './stack.js';

const ctx = profileOf(CONFIG);
const safe = safeScales(ctx, 'compose')[0]!.largest;

interface FakeContainer {
  readonly id: string;
  readonly service: string;
  readonly state: 'running' | 'exited';
  readonly health?: 'healthy' | 'starting';
}

let dir: string;
let socket: string;
let server: Server;
let containers: FakeContainer[] = [];
let pgFacts: PostgresFacts;
const execs: string[][] = [];

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

async function body(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scaleout-docker-'));
  socket = join(dir, 'docker.sock');
  writeFileSync(join(dir, 'scaleout.yaml'), CONFIG);
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://docker');
    const json = (v: unknown) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(v));
    if (req.method === 'GET' && url.pathname === '/containers/json') {
      const labels: string[] = JSON.parse(url.searchParams.get('filters') ?? '{}').label ?? [];
      const ofLabels = (c: FakeContainer) => ({ 'com.docker.compose.project': 'shop', 'com.docker.compose.service': c.service });
      const match = containers.filter((c) =>
        labels.every((l) => {
          const [k, v] = l.split('=');
          const have = ofLabels(c) as Record<string, string>;
          return v === undefined ? k! in have : have[k!] === v;
        }),
      );
      return json(match.map((c) => ({ Id: c.id, Labels: ofLabels(c), State: c.state })));
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(url.pathname);
    if (req.method === 'GET' && inspect) {
      const c = containers.find((x) => x.id === inspect[1])!;
      return json({ State: { Status: c.state, Running: c.state === 'running', ...(c.health ? { Health: { Status: c.health } } : {}) } });
    }
    if (req.method === 'POST' && /^\/containers\/[^/]+\/exec$/.test(url.pathname)) {
      execs.push((await body(req)).Cmd);
      return json({ Id: `exec${execs.length}` });
    }
    if (req.method === 'POST' && /^\/exec\/[^/]+\/start$/.test(url.pathname)) {
      await body(req);
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
      // The query's answer as PostgreSQL 15 gives it: reserved_connections is null there.
      return res.end(frame(1, `${JSON.stringify({ reservedConnections: null, ...pgFacts })}\n`));
    }
    if (req.method === 'GET' && /^\/exec\/[^/]+\/json$/.test(url.pathname)) return json({ ExitCode: 0 });
    res.writeHead(404).end(JSON.stringify({ message: `no route ${url.pathname}` }));
  });
  await new Promise<void>((r) => server.listen(socket, r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

/** `n` running backend containers of prod's service, and the db. */
function stackWith(n: number): FakeContainer[] {
  return [
    ...Array.from({ length: n }, (_, i) => ({ id: `api${i}`, service: 'api-prod', state: 'running' as const, health: 'healthy' as const })),
    { id: 'api-old', service: 'api-prod', state: 'exited' },
    { id: 'db0', service: 'db', state: 'running', health: 'healthy' },
  ];
}

const check = (...extra: string[]) => {
  const prev = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = `unix://${socket}`;
  return cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prod', ...extra).finally(() => {
    if (prev === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = prev;
  });
};

describe('check --live over the Docker API', () => {
  it('is in line after up (exit 0): containers counted by compose labels, Postgres read with psql in the db container', async () => {
    containers = stackWith(ctx.backends[0]!.replicas);
    pgFacts = factsInLine(ctx, 'compose', (limit) => limit);
    execs.length = 0;
    const r = await check('--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ where: 'shop', status: 'in-line' });
    expect(json.checks[0].arithmetic[0]).toBe(`api-prod: ${ctx.backends[0]!.replicas} running, ${ctx.backends[0]!.replicas} healthy, ${ctx.backends[0]!.replicas + 1} total`);
    expect(execs[0]!.slice(0, 9)).toEqual(['psql', '-X', '-A', '-t', '-q', '-U', 'scaleout_monitor', '-d', ctx.postgres!.database]);
  });

  it('after --scale past the safe count it drifts (exit 1) with the arithmetic and the restoring command', async () => {
    containers = stackWith(safe + 1);
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^DRIFT\\s+scale\\s+api-prod\\s+${safe}\\s+${safe + 1}$`, 'm'));
    expect(r.stdout).toContain(`--scale ${safe + 1} > largest safe --scale ${safe}`);
    expect(r.stdout).toContain(`restore: docker compose --profile prod up -d --scale api-prod=${ctx.backends[0]!.replicas}`);
  });

  it('an unreachable socket is exit 3 with one clear line', async () => {
    const prev = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(dir, 'absent.sock')}`;
    const r = await cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prod');
    if (prev === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = prev;
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `scaleout: cannot reach the Docker API at unix://${join(dir, 'absent.sock')}: ENOENT; is Docker (or \`podman system service\`) running, and is DOCKER_HOST right?\n`,
    );
  });

  it('--watch re-checks until interrupted; the exit code is the last round\'s', async () => {
    containers = stackWith(ctx.backends[0]!.replicas);
    const stop = new AbortController();
    let out = '';
    let rounds = 0;
    const o = parseCheckOptions({ live: true, config: join(dir, 'scaleout.yaml'), profile: 'prod', json: true, watch: '1s' });
    const code = await runCheck(o, {
      stdout: {
        write: (s: string) => {
          out += s;
          // The second round sees the scaled-up stack; interrupt after it.
          if (++rounds === 1) containers = stackWith(safe + 1);
          else stop.abort();
        },
      },
      // A failed round would print here and retry: stop the loop so the test fails fast.
      stderr: { write: (s: string) => ((out += s), stop.abort()) },
      env: { DOCKER_HOST: `unix://${socket}` },
      signal: stop.signal,
    });
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.status)).toEqual(['in-line', 'drift']);
    expect(code).toBe(1);
  });
});

describe('check usage (exit 2, before anything is read)', () => {
  it.each([
    [['check'], 'check: only --live is implemented'],
    [['check', '--live'], 'check: missing -c FILE'],
    [['check', '--live', '-c', 'x.yaml', '--target', 'pulumi'], 'check: --target pulumi: check --live reads a compose stack'],
    [['check', '--live', '-c', 'x.yaml', '--postgres-only'], 'check: --postgres-only needs --postgres-url URL'],
    [['check', '--live', '-c', 'x.yaml', '--watch', '10'], "check: --watch: duration '10' is malformed"],
    [['check', '--live', '-c', 'x.yaml', '--watch', '500ms'], 'check: --watch 500ms is below the minimum 1s'],
    [['check', '--live', '-c', 'x.yaml', '--namespace', 'shop'], 'check: --kubeconfig and --namespace apply to --target kubernetes'],
  ])('%j', async (argv, message) => {
    const r = await cliAsync(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`scaleout: ${message}`);
  });

  it('an unknown profile names the profiles', async () => {
    const r = await cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prd', '--postgres-only', '--postgres-url', 'postgres://127.0.0.1:1/x');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`scaleout: --profile: no profile 'prd' in ${join(dir, 'scaleout.yaml')}; did you mean 'prod'?\n`);
  });
});

describe('the exec stream', () => {
  it('splits stdout and stderr frames', () => {
    expect(demux(Buffer.concat([frame(1, 'a'), frame(2, 'err'), frame(1, 'b')]))).toEqual({ stdout: 'ab', stderr: 'err' });
  });
});
