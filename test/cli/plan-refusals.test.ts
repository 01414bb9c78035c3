/**
 * What `plan --rps --p99 --backend` refuses, each as one exit-2 line naming the flag, the
 * value and the fix, and service times of 0: one may be 0 (modelled: no queue there), both
 * may not (the model would have nothing to queue and an infinite rate).
 */
import { Ajv } from 'ajv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8')));
const dir = mkdtempSync(join(tmpdir(), 'scaleout-plan-refusals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(name: string, load = 'load: { expectedRps: 800, p99: 250ms, appTime: 8ms, dbTime: 30ms }'): string {
  const file = join(dir, `${name}.yaml`);
  const backend = (id: string, extra: string[]) => [`  ${id}:`, '    image: ghcr.io/uns/backend:5.4.1', '    redisPool: 0', ...extra];
  writeFileSync(
    file,
    [
      'name: shop',
      'backends:',
      ...backend('api', ['    routes: [/api/]', `    ${load}`]),
      ...backend('jobs', ['    kind: worker', '    command: [python3, worker.py]']),
      'postgres:',
      '  maxConnections: 200',
      '',
    ].join('\n'),
  );
  return file;
}

/** The CLI's error lines (without the pointer to --help). */
const problems = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith("Run 'scaleout"));

describe('plan flags: one exit-2 line naming the flag, the value and the fix', () => {
  const file = config('flags');
  it.each([
    [['--rps', '-5'], "scaleout: plan --rps: '-5' is not a rate; give requests per second above 0 and at most 10000000, e.g. --rps 800"],
    [['--rps=-5'], "scaleout: plan --rps: '-5' is not a rate; give requests per second above 0 and at most 10000000, e.g. --rps 800"],
    [['--rps', '0'], "scaleout: plan --rps: '0' is not a rate; give requests per second above 0 and at most 10000000, e.g. --rps 800"],
    [['--rps', 'abc'], "scaleout: plan --rps: 'abc' is not a rate; give requests per second above 0 and at most 10000000, e.g. --rps 800"],
    [['--rps', '800', '--p99', '-5ms'], "scaleout: plan --p99: '-5ms' is negative; give an objective above 0, e.g. --p99 250ms"],
    [['--rps', '800', '--p99', '0'], "scaleout: plan --p99: '0' must be above 0; give the objective, e.g. --p99 250ms"],
    [['--rps', '800', '--p99', '0ms'], "scaleout: plan --p99: '0ms' must be above 0; give the objective, e.g. --p99 250ms"],
    [['--rps', '800', '--p99', '250'], "scaleout: plan --p99: '250' has no unit; write the objective with one, e.g. --p99 250ms"],
    [['--rps', '1', '--rps', '2'], "scaleout: option --rps is given 2 times ('1', '2'); give it once"],
    [['--rps', '800', '--p99', '1s', '--p99=2s'], "scaleout: option --p99 is given 2 times ('1s', '2s'); give it once"],
    [['--rps', '800', '--backend', 'apx'], "scaleout: plan --backend: no backend 'apx'; did you mean 'api'? (web backends: api)"],
    [['--rps', '800', '--backend', 'billing'], "scaleout: plan --backend: no backend 'billing'; name a web backend (api)"],
    [['--rps', '800', '--backend', 'jobs'], "scaleout: [shop/jobs] plan --backend: 'jobs' is kind: worker, with no HTTP requests to plan; name a web backend (api)"],
  ])('plan %j', (args, line) => {
    const r = cli('plan', '-c', file, ...args);
    expect(r.code).toBe(2);
    expect(problems(r.stderr)).toEqual([line]);
    expect(r.stdout).toBe('');
  });

  it('a bad --rps is refused before the config is read', () => {
    const r = cli('plan', '-c', join(dir, 'missing.yaml'), '--rps', 'abc');
    expect(r.code).toBe(2);
    expect(problems(r.stderr)).toEqual([expect.stringMatching(/^scaleout: plan --rps: 'abc' is not a rate/)]);
  });

  it('a stack with no web backend says so', () => {
    const file = join(dir, 'workers-only.yaml');
    writeFileSync(file, ['name: shop', 'backends:', '  jobs:', '    image: ghcr.io/uns/backend:5.4.1', '    kind: worker', '    command: [python3, worker.py]', '    redisPool: 0', '    database: false', ''].join('\n'));
    const r = cli('plan', '-c', file, '--rps', '800', '--p99', '250ms');
    expect(problems(r.stderr)).toEqual(['scaleout: plan --rps: the stack has no web backend to plan (a kind: worker backend serves no HTTP requests)']);
  });
});

describe('a service time of 0', () => {
  it.each([
    ['appTime 0ms', 'appTime: 0ms, dbTime: 30ms'],
    ['dbTime 0ms', 'appTime: 8ms, dbTime: 0ms'],
  ])('%s is planned: finite predictions, a valid JSON, a block with numbers', (name, times) => {
    const file = config(name.replace(' ', '-'), `load: { expectedRps: 800, p99: 250ms, ${times} }`);
    const r = cli('plan', '-c', file, '--target', 'compose', '--rps', '800', '--json');
    // 1 is the config's own production rules (resources, health checks), not the planner.
    expect(r.code).toBeLessThan(2);
    const json = JSON.parse(r.stdout);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    const chosen = json.planner.profiles.dev.chosen;
    expect(Number.isFinite(chosen.saturationRps) && Number.isFinite(chosen.p99Ms)).toBe(true);
    const text = cli('plan', '-c', file, '--target', 'compose', '--rps', '800').stdout;
    expect(text).not.toMatch(/NaN|Infinity/);
    expect(text).toMatch(/rpsPerReplica: \d+(\.\d+)?,/);
  });

  it('dbTime 0ms needs no more than one connection per worker', () => {
    const json = JSON.parse(cli('plan', '-c', config('no-db', 'load: { expectedRps: 800, p99: 250ms, appTime: 8ms, dbTime: 0ms }'), '--rps', '800', '--json').stdout);
    expect(json.planner.profiles.dev.chosen.pool).toBe(1);
  });

  it('both 0ms are refused at the config path, with the fix, by plan and synth alike', () => {
    const file = config('no-time', 'load: { expectedRps: 800, p99: 250ms, appTime: 0ms, dbTime: 0ms }');
    for (const args of [['plan', '-c', file, '--rps', '800'], ['plan', '-c', file], ['synth', '-c', file, '-o', join(dir, 'no-time-out')]]) {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(problems(r.stderr)).toEqual([expect.stringMatching(/no-time\.yaml:\d+:\d+: .*load\.appTime.*load\.appTime and load\.dbTime are both 0: .*'scaleout calibrate'/)]);
    }
  });
});
