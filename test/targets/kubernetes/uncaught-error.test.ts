/**
 * A scaleout error that nobody catches, inside a user's own cdk8s app: Node prints the
 * formatted message and the user's own frames, not scaleout's internals or its fields.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../helpers/run.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
mkdirSync(join(ROOT, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(ROOT, '.tmp', 'uncaught-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP = `import { App } from 'cdk8s';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../lib/index.js';
import { KubernetesChart } from '../../lib/targets/kubernetes/index.js';

const app = new App({ outdir: ${JSON.stringify(join(dir, 'dist'))} });
const stack = new Stack(app, 'uns');
new Backend(stack, 'api', { image: 'a/b:1.0', replicas: 40, workers: 4, pool: { size: 5, maxOverflow: 10 }, healthcheck: {}, resources: { limits: { cpu: 1, memory: '1Gi' } } });
new Nginx(stack, 'nginx');
new Postgres(stack, 'db');
new Redis(stack, 'redis');
new KubernetesChart(app, 'uns-prod', { stack, profile: 'prod' });
app.synth();
`;

describe('an uncaught SynthError in a cdk8s app', () => {
  const app = join(dir, 'app.ts');
  writeFileSync(app, APP);
  const env = (debug: boolean) => {
    const e: NodeJS.ProcessEnv = { ...process.env };
    delete e['SCALEOUT_DEBUG'];
    return debug ? { ...e, SCALEOUT_DEBUG: '1' } : e;
  };

  it('prints the message and the app line that failed, without scaleout frames or fields', () => {
    const r = run(process.execPath, ['--import', 'tsx', app], { cwd: dir, env: env(false) });
    expect(r.code).toBe(1);
    expect(r.output).toContain('SynthError: synth refused: 2 rules failed; nothing was written');
    expect(r.output).toContain('[SO-POOL] uns/db (profile prod, target kubernetes)');
    expect(r.output).toMatch(/^\s+at .*app\.ts:11:1\)?$/m);
    expect(r.output).not.toMatch(/at .*lib\/rules\/gate\.ts/);
    expect(r.output).not.toContain('exitCode');
  });

  it('keeps every frame with SCALEOUT_DEBUG=1', () => {
    const r = run(process.execPath, ['--import', 'tsx', app], { cwd: dir, env: env(true) });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/at .*lib\/rules\/gate\.ts/);
  });
});
