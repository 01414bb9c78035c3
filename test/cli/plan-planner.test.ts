/**
 * `scaleout plan --rps N --p99 D [--backend ID]`: the queueing planner through the CLI. The
 * expected shapes are computed from the model (lib/capacity/queueing.ts), not written down.
 */
import { Ajv } from 'ajv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { meetsP99 } from '../../lib/capacity/queueing.js';
import { cli } from '../helpers/cli.js';
import { MONITOR_CONNECTIONS } from '../../lib/plan/roles.js';

const ROOT = join(import.meta.dirname, '..', '..');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8')));
const dir = mkdtempSync(join(tmpdir(), 'scaleout-planner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const service = { p99Ms: 250, appMs: 8, dbMs: 30, appCv: 1, dbCv: 1 };

function config(name: string, maxConnections: number, extraBackend = '', load = 'load: { expectedRps: 800, p99: 250ms, appTime: 8ms, dbTime: 30ms }'): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'name: shop',
      'backends:',
      '  api:',
      '    image: ghcr.io/uns/backend:5.4.1',
      '    port: 8000',
      '    redisPool: 0',
      '    routes: [/api/]',
      `    ${load}`,
      extraBackend,
      'postgres:',
      `  maxConnections: ${maxConnections}`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('plan --rps --p99', () => {
  const file = config('one', 200);

  it('ranks options by connections; each is the fewest replicas meeting the p99 for its workers × pool', () => {
    const r = cli('plan', '-c', file, '--target', 'compose', '--rps', '800', '--p99', '250ms', '--json');
    const json = JSON.parse(r.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    const { options, chosen } = json.planner.profiles.dev;
    expect(options.length).toBeGreaterThan(1);
    // Connections as deployed: the planner's count plus SO-LOAD's spare.
    const cost = (o: { deployReplicas: number; workers: number; pool: number }) => o.deployReplicas * o.workers * o.pool;
    for (let i = 1; i < options.length; i++) expect(cost(options[i])).toBeGreaterThanOrEqual(cost(options[i - 1]));
    for (const o of options) {
      expect(o.deployReplicas).toBe(o.replicas + 1);
      expect(o.p99Ms).toBeLessThanOrEqual(250);
      expect(meetsP99(o, service, 800, 250)).toBe(true);
      if (o.replicas > 1) expect(meetsP99({ ...o, replicas: o.replicas - 1 }, service, 800, 250)).toBe(false);
    }
    expect(chosen).toEqual(options[0]);
    // The app's connections plus the monitoring role's 1 (lib/plan/roles.ts).
    expect(chosen.postgres.compose).toEqual({ demand: cost(chosen) + MONITOR_CONNECTIONS, available: 197 });
  });

  it('prints the ranked table and the chosen shape as a block to paste', () => {
    const r = cli('plan', '-c', file, '--target', 'compose', '--rps', '800', '--p99', '250ms');
    expect(r.stdout).toMatch(/Planner: backend api at 800 RPS, p99 ≤ 250ms/);
    expect(r.stdout).toMatch(/Chosen: \d+ replicas \(\d+ \+ 1 spare\) × \d+ workers? × pool \d+/);
    expect(r.stdout).toMatch(/ {4}profiles:\n {6}dev:\n {8}backends:\n {10}api:\n {12}replicas: \d+\n {12}workers: \d+\n {12}pool: \{ size: \d+, maxOverflow: 0 \}\n {12}load: \{ expectedRps: 800, rpsPerReplica: [\d.]+, p99: 250ms, appTime: 8ms, dbTime: 30ms, appCv: 1, dbCv: 1 \}/);
  });

  it('skips options the Postgres budget refuses and chooses the first that fits', () => {
    const tight = config('tight', 36); // 33 available
    const open = JSON.parse(cli('plan', '-c', file, '--target', 'compose', '--rps', '800', '--p99', '250ms', '--json').stdout).planner.profiles.dev;
    const r = JSON.parse(cli('plan', '-c', tight, '--target', 'compose', '--rps', '800', '--p99', '250ms', '--json').stdout).planner.profiles.dev;
    const fitting = open.options.filter((o: { deployReplicas: number; workers: number; pool: number }) => o.deployReplicas * o.workers * o.pool <= 33);
    expect(r.chosen.deployReplicas * r.chosen.workers * r.chosen.pool).toBeLessThanOrEqual(33);
    expect(r.chosen).toMatchObject({ replicas: fitting[0].replicas, workers: fitting[0].workers, pool: fitting[0].pool, fits: true });
    expect(r.options.some((o: { fits: boolean; limitedBy?: string }) => !o.fits && o.limitedBy === 'PostgreSQL')).toBe(true);
  });

  it('takes the objective from load.p99 when --p99 is not given', () => {
    const a = JSON.parse(cli('plan', '-c', file, '--target', 'compose', '--rps', '800', '--json').stdout).planner;
    expect(a.p99Ms).toBe(250);
  });
});

describe('plan --rps refuses what it cannot plan (exit 2, one line naming the fix)', () => {
  it('several backends and no --backend', () => {
    const file = config('two', 200, ['  worker:', '    image: ghcr.io/uns/backend:5.4.1', '    port: 8001', '    redisPool: 0', '    routes: [/jobs/]'].join('\n'));
    const r = cli('plan', '-c', file, '--rps', '800', '--p99', '250ms');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 web backends \(api, worker\); name one with --backend/);
    expect(cli('plan', '-c', file, '--rps', '800', '--backend', 'api', '--target', 'compose').code).toBeLessThan(2);
    expect(cli('plan', '-c', file, '--rps', '800', '--backend', 'apx').stderr).toMatch(/no backend 'apx'/);
  });

  it('a kind: worker backend is not planned: the only web backend needs no --backend, and naming the worker is refused', () => {
    const jobs = ['  jobs:', '    image: ghcr.io/uns/backend:5.4.1', '    kind: worker', '    command: [python3, worker.py]', '    redisPool: 0'].join('\n');
    const file = config('with-worker', 200, jobs);
    const r = cli('plan', '-c', file, '--rps', '800', '--p99', '250ms', '--target', 'compose', '--json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).planner.backend).toBe('api');
    const named = cli('plan', '-c', file, '--rps', '800', '--backend', 'jobs');
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/'jobs' is kind: worker, with no HTTP requests to plan; name a web backend \(api\)/);
  });

  it('a backend without a service profile', () => {
    const file = config('noprofile', 200, '', 'load: { expectedRps: 800 }');
    const r = cli('plan', '-c', file, '--rps', '800', '--p99', '250ms');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing a service profile: set load.p99, load.appTime and load.dbTime/);
  });

  it('a rate or an objective that is not one', () => {
    const file = config('bad', 200);
    expect(cli('plan', '-c', file, '--rps', 'lots').stderr).toMatch(/--rps: 'lots' is not a rate/);
    expect(cli('plan', '-c', file, '--rps', '800', '--p99', '250').stderr).toMatch(/--p99: '250' has no unit; write the objective with one, e.g. --p99 250ms/);
    expect(cli('plan', '-c', file, '--rps', '800', '--p99', '0ms').stderr).toMatch(/must be above 0/);
  });

  it.each(['0ms', '0s', '0m0s', '00ms'])('a zero load.p99 (%s) in the config is refused at its path', (p99) => {
    const r = cli('plan', '-c', config(`zero-${p99}`, 200, '', `load: { expectedRps: 800, p99: ${p99}, appTime: 8ms, dbTime: 30ms }`));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/load\.p99.*must be above 0/);
  });

  it('a partial service profile in the config', () => {
    const file = config('partial', 200, '', 'load: { expectedRps: 800, p99: 250ms }');
    const r = cli('plan', '-c', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/load.appTime is required with load.p99/);
  });
});
