/**
 * `check --live --target kubernetes` through @kubernetes/client-node against API responses
 * served on loopback (test/fixtures/live/kubernetes/: no cluster exists on this machine, so
 * the responses are written in the API's list shape). An HPA whose max was patched past the
 * safe scale is drift; an unreachable API server is exit 3. The namespace read is the one the
 * chart put the profile in (`<stack>-<profile>`), not the kubeconfig context's (`shop` here).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeScales } from '../../../lib/capacity/safe-scale.js';
import { cliAsync } from '../../helpers/cli.js';
import { AUTOSCALED, profileOf } from './stack.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'live', 'kubernetes');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

/** The API paths client-node reads, and which recorded answer each gets. */
function routes(hpas: string, namespace = 'shop-prod'): Record<string, string> {
  return {
    [`/apis/apps/v1/namespaces/${namespace}/deployments`]: fixture('deployments.json'),
    [`/apis/apps/v1/namespaces/${namespace}/statefulsets`]: fixture('statefulsets.json'),
    [`/apis/autoscaling/v2/namespaces/${namespace}/horizontalpodautoscalers`]: fixture(hpas),
  };
}

let dir: string;
let server: Server;
let answers: Record<string, string> = {};
const seen: string[] = [];

function kubeconfig(port: number): string {
  const file = join(dir, `kubeconfig-${port}`);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      // client-node refuses plain http unless TLS verification is off; the recording is served without TLS.
      'clusters: [{ name: recorded, cluster: { server: "http://127.0.0.1:' + port + '", insecure-skip-tls-verify: true } }]',
      'users: [{ name: reader, user: { token: not-a-secret } }]',
      'contexts: [{ name: recorded, context: { cluster: recorded, user: reader, namespace: shop } }]',
      'current-context: recorded',
      '',
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scaleout-k8s-'));
  writeFileSync(join(dir, 'scaleout.yaml'), AUTOSCALED);
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    seen.push(`${req.method} ${path}`);
    const body = answers[path];
    res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
    res.end(body ?? JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `${path} not found`, reason: 'NotFound', code: 404 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const check = (...extra: string[]) =>
  cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prod', '--target', 'kubernetes', '--kubeconfig', kubeconfig((server.address() as AddressInfo).port), ...extra);

describe('check --live --target kubernetes (recorded API responses)', () => {
  const ctx = profileOf(AUTOSCALED);
  const largest = safeScales(ctx, 'kubernetes')[0]!.largest;

  it('the synthesized HPA and surge are in line (exit 0); PostgreSQL is not read without --postgres-url', async () => {
    answers = routes('hpas.json');
    seen.length = 0;
    const r = await check('--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ target: 'kubernetes', where: 'shop-prod', status: 'in-line' });
    expect(json.checks[0]).toMatchObject({ kind: 'scale', subject: 'api', status: 'ok', planned: largest, live: ctx.backends[0]!.autoscale!.max });
    expect(json.checks[1]).toMatchObject({ subject: 'postgres', status: 'not-read' });
    expect([...new Set(seen)].sort()).toEqual(Object.keys(answers).map((p) => `GET ${p}`).sort());
  });

  it('an HPA whose max was patched past the safe scale is drift (exit 1), with the arithmetic and the kubectl patch back', async () => {
    answers = routes('hpas-patched.json');
    const patched = JSON.parse(fixture('hpas-patched.json')).items[0].spec.maxReplicas as number;
    expect(patched).toBeGreaterThan(largest);
    const r = await check();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^DRIFT\\s+scale\\s+api\\s+${largest}\\s+${patched}$`, 'm'));
    expect(r.stdout).toContain(`HPA maxReplicas ${patched} > largest safe HPA maxReplicas ${largest} (above it the PostgreSQL budget fails)`);
    expect(r.stdout).toContain(`restore: kubectl -n shop-prod patch hpa api-hpa --type merge -p '{"spec":{"maxReplicas":${ctx.backends[0]!.autoscale!.max}}}'`);
  });

  it('--namespace reads the namespace it names instead of the profile\'s', async () => {
    answers = routes('hpas.json', 'shop');
    seen.length = 0;
    const r = await check('--json', '--namespace', 'shop');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ where: 'shop', status: 'in-line' });
    expect([...new Set(seen)].sort()).toEqual(Object.keys(answers).map((p) => `GET ${p}`).sort());
  });

  it('an API server that answers nothing is exit 3 with one line', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await cliAsync('check', '--live', '-c', join(dir, 'scaleout.yaml'), '--profile', 'prod', '--target', 'kubernetes', '--kubeconfig', kubeconfig(port));
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`scaleout: cannot read namespace shop-prod from the Kubernetes API at http://127.0.0.1:${port}`);
  });
});
