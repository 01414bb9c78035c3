/**
 * `scaleout plan --json` is part of the CLI contract: one JSON object on stdout that
 * validates against the committed schemas/plan.schema.json, for every example (failing
 * pitfalls included: they still print the plan, list the failed rules and exit 1).
 */
import { Ajv } from 'ajv';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { MONITOR_CONNECTIONS } from '../../lib/plan/roles.js';

const ROOT = join(import.meta.dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'plan.schema.json'), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(p);
    return e.name.endsWith('.yaml') ? [p] : [];
  });
}

const examples = yamlFiles(join(ROOT, 'examples'))
  .map((p) => relative(ROOT, p))
  .sort();

const plan = (file: string, targets = 'compose,kubernetes,pulumi') => {
  const r = cli('plan', '-c', join(ROOT, file), '--target', targets, '--json');
  return { ...r, json: r.stdout ? JSON.parse(r.stdout) : undefined };
};

describe('plan --json validates against schemas/plan.schema.json', () => {
  it('covers every example config, the pitfalls included', () => {
    expect(examples).toEqual(
      expect.arrayContaining([
        'examples/reference/scaleout.yaml',
        'examples/pooled/scaleout.yaml',
        'examples/pitfalls/seed-formula.yaml',
        'examples/pitfalls/seed-load.yaml',
      ]),
    );
  });

  for (const file of examples) {
    it(file, () => {
      const r = plan(file);
      expect(r.stderr).toBe('');
      expect(validate(r.json), JSON.stringify(validate.errors, null, 2)).toBe(true);
      const errors = r.json.findings.filter((f: { severity: string }) => f.severity === 'error');
      if (file.includes('/pitfalls/')) {
        // a refused stack still gets its plan, with the failed rules listed
        expect(r.code).toBe(1);
        expect(r.json.ok).toBe(false);
        expect(errors.length).toBeGreaterThan(0);
      } else {
        expect(r.code).toBe(0);
        expect(r.json.ok).toBe(true);
        expect(errors).toEqual([]);
      }
    });
  }

  it('rejects what the schema forbids (the test can fail)', () => {
    const r = plan('examples/reference/scaleout.yaml');
    expect(validate({ ...r.json, extra: 1 })).toBe(false);
    const { replicas: _gone, ...withoutReplicas } = r.json.profiles.prod.backends.backend;
    const broken = structuredClone(r.json);
    broken.profiles.prod.backends.backend = withoutReplicas;
    expect(validate(broken)).toBe(false);
  });
});

describe('plan --json: the numbers', () => {
  it('the reference stack: replicas and peak replicas per target, Postgres demand against 197', () => {
    // prod: 3 replicas × 4 workers × (5 + 5). Kubernetes with maxSurge 0, maxUnavailable 1:
    // 3 + 0 surge + 1 draining = 4 at peak → 160. dev: 1 × 1 × 10; Kubernetes 1 + 1 + 1 = 3 → 30.
    const { json } = plan('examples/reference/scaleout.yaml', 'compose,kubernetes');
    expect(json.targets).toEqual(['compose', 'kubernetes']);
    expect(Object.keys(json.profiles)).toEqual(['dev', 'prod']);
    const prod = json.profiles.prod;
    expect(prod.backends.backend).toMatchObject({ serviceName: 'backend-prod', replicas: 3, replicasFrom: 'replicas', workers: 4 });
    expect(prod.backends.backend.peakReplicas).toEqual({ compose: 3, kubernetes: 4 });
    expect(prod.backends.backend.load).toBeUndefined();
    // The backends' connections + the monitoring role's 1.
    expect(prod.budgets.postgres).toEqual({
      compose: { demand: 121, available: 197, ok: true },
      kubernetes: { demand: 161, available: 197, ok: true },
    });
    expect(json.profiles.dev.budgets.postgres.kubernetes).toEqual({ demand: 31, available: 197, ok: true });
    expect(Object.keys(prod.budgets)).toEqual(['postgres', 'redis', 'nginx']);
  });

  it("the seed's load: 500 RPS needs 6 replicas; the budget allows 4 under compose, 2 under Kubernetes", () => {
    // 40 connections per replica, 197 available: compose 4 × 40 = 160; Kubernetes with the
    // default rollout 2 + 1 + 1 = 4 at peak → 160, 3 + 1 + 1 = 5 → 200.
    const r = plan('examples/pitfalls/seed-load.yaml');
    expect(r.code).toBe(1);
    const b = r.json.profiles.prod.backends.backend;
    expect(b).toMatchObject({ replicas: 6, replicasFrom: 'load' });
    expect(b.load).toEqual({ expectedRps: 500, rpsPerReplica: 100, requiredReplicas: 6, maxSafeReplicas: { compose: 4, kubernetes: 2, pulumi: 4 } });
    expect(r.json.profiles.prod.budgets.postgres.compose).toEqual({ demand: 241, available: 197, ok: false });
    const load = r.json.findings.filter((f: { rule: string }) => f.rule === 'SO-LOAD');
    expect(load.map((f: { profile: string; target: string; severity: string }) => [f.profile, f.target, f.severity])).toEqual([
      ['prod', 'compose', 'error'],
      ['prod', 'kubernetes', 'error'],
      ['prod', 'pulumi', 'error'],
    ]);
    expect(load[0].details).toContain('the budget allows 4 replicas (limited by PostgreSQL), which serve 300 RPS at 100 RPS per replica');
    // The fixes as data, in the order the fix line prints them: 240 app connections and the
    // monitoring role's 1 against 197 available (max_connections 200 − 3 reserved), 6 replicas × 4 workers × (5 + 5).
    expect(load[0].fixes.map((f: { knob: string; op: string; value?: unknown }) => [f.knob, f.op, f.value])).toEqual([
      ['db.pooler', 'add', { maxClientConn: 240, defaultPoolSize: 197 - MONITOR_CONNECTIONS }],
      ['db.maxConnections', 'atLeast', 240 + MONITOR_CONNECTIONS + 3],
      ['backend.workers', 'atMost', 3],
      ['backend.pool.size + backend.pool.maxOverflow', 'atMost', 8],
      ['backend.load.rpsPerReplica', 'atLeast', Math.ceil(500 / 3)],
    ]);
    expect(load[0].fixes.every((f: { budget?: string }) => f.budget === undefined || f.budget === 'PostgreSQL')).toBe(true);
    expect(load[0].details.at(-1)).toBe(
      'fix one of: add PgBouncer (postgres.pooler: { maxClientConn: 240, defaultPoolSize: 196 }; one pooler instance holds 196 server connections)' +
        ' · max_connections ≥ 244 · workers ≤ 3 · pool.size + maxOverflow ≤ 8 · rpsPerReplica ≥ 167 (if measured)',
    );
  });

  it('names the PgBouncer client side beside Postgres behind a pooler', () => {
    const { json } = plan('examples/pooled/scaleout.yaml', 'compose');
    expect(Object.keys(json.profiles.prod.budgets)).toEqual(['postgres', 'pgbouncer', 'redis', 'nginx']);
  });

  it('is deterministic: same bytes every run, targets in a fixed order whatever --target says', () => {
    const a = plan('examples/multi-tier/scaleout.yaml', 'pulumi,compose');
    const b = plan('examples/multi-tier/scaleout.yaml', 'compose,pulumi');
    expect(a.stdout).toBe(b.stdout);
    expect(a.json.targets).toEqual(['compose', 'pulumi']);
    expect(a.stdout.endsWith('}\n')).toBe(true);
  });
});

describe('plan --json in the README', () => {
  it('shows the excerpt the plan really has', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('{"replicas":'));
    const { json } = plan('examples/pitfalls/seed-load.yaml', 'compose,kubernetes');
    const b = json.profiles.prod.backends.backend;
    expect(line).toBe(JSON.stringify({ replicas: b.replicas, peakReplicas: b.peakReplicas, load: b.load }));
  });
});

describe('plan --json: bad input', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'scaleout-plan-json-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints nothing on stdout and exits 2 for a bad config', () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(file, readFileSync(join(ROOT, 'examples/reference/scaleout.yaml'), 'utf8').replace('workers: 1', 'workers: 0'));
    const r = cli('plan', '-c', file, '--json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('backends.backend.workers: 0 is out of range');
  });

  it('is an option of plan only', () => {
    const r = cli('synth', '-c', join(ROOT, 'examples/reference/scaleout.yaml'), '-o', join(tmp, 'out'), '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('synth: option --json does not apply here');
  });
});
