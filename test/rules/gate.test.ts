import { loadConfigFile } from '../../lib/cli/config.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Backend, ConfigError, evaluate, formatProblem, Stack, synthGate, SynthError, warningLines } from '../../lib/index.js';
import { referenceStack } from '../../examples/reference/stack.js';
import { findingsOf, minimalStack } from '../helpers/stacks.js';

/** The SynthError `fn` throws, or fails the test. */
function synthError(fn: () => unknown): SynthError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SynthError);
    return e as SynthError;
  }
  throw new Error('expected a SynthError');
}

describe('the minimal stack', () => {
  it('passes every rule in every profile under every target', () => {
    const report = evaluate(minimalStack().stack, { targets: ['compose', 'kubernetes', 'pulumi'] });
    expect([...report.errors, ...report.warnings].map(formatProblem)).toEqual([]);
    expect(report.suppressed).toEqual([]);
    expect(report.unusedSuppressions).toEqual([]);
    expect(report.contexts.map((c) => c.profile)).toEqual(['dev', 'prod']);
  });
});

describe('synthGate', () => {
  it('throws one SynthError (exit code 1) listing every failure', () => {
    // GIVEN 2 replicas × 1 worker × 15 = 30 > 20 − 3 = 17 (SO-POOL), and a fixed container name
    // (SO-SCALE-CONFLICT): both errors in both profiles, so 2 rules × 2 profiles = 4 findings
    const { stack } = minimalStack({ db: { maxConnections: 20 }, backend: { containerName: 'api' } });

    // WHEN
    const err = synthError(() => synthGate(stack, { targets: ['compose'] }));

    // THEN
    expect(err.exitCode).toBe(1);
    const blocks = err.message.split('\n\n');
    expect(blocks[0]).toBe('synth refused: 2 rules failed (4 findings across profiles and targets); nothing was written');
    expect(blocks.slice(1).map((b) => b.split('\n')[0])).toEqual([
      '[SO-POOL] uns/db (profile dev, target compose): PostgreSQL connection budget exceeded',
      "[SO-SCALE-CONFLICT] uns/backend (profile dev): fixed container name 'api' on a scaled service",
      '[SO-POOL] uns/db (profile prod, target compose): PostgreSQL connection budget exceeded',
      "[SO-SCALE-CONFLICT] uns/backend (profile prod): fixed container name 'api' on a scaled service",
    ]);
    for (const f of evaluate(stack, { targets: ['compose'] }).errors) expect(err.message).toContain(formatProblem(f));
  });

  it('says "1 rule" for a single failure', () => {
    const { stack } = minimalStack({ backend: { containerName: 'api' } });
    const err = synthError(() => synthGate(stack, { targets: ['compose'], profiles: ['prod'] }));
    expect(err.message.split('\n')[0]).toBe('synth refused: 1 rule failed; nothing was written');
  });

  it('returns warnings without throwing', () => {
    // GIVEN a dev-only warning (no healthcheck)
    const { stack } = minimalStack({ backend: { healthcheck: undefined } });
    // WHEN
    const report = synthGate(stack, { targets: ['compose'], profiles: ['dev'] });
    // THEN
    expect(report.errors).toEqual([]);
    expect(warningLines(report)).toEqual([`warning ${formatProblem(findingsOf(report, 'SO-HEALTH')[0]!)}`]);
    expect(warningLines(report)[0]).toMatch(/^warning \[SO-HEALTH\] uns\/backend \(profile dev\): no healthcheck/);
  });

  it('evaluates capacity rules once per target, and other rules once per profile', () => {
    // GIVEN SO-POOL under both targets (compose 30, kubernetes 60 > 17) and SO-SCALE-CONFLICT
    const { stack } = minimalStack({ db: { maxConnections: 20 }, backend: { containerName: 'api' } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose', 'kubernetes'], profiles: ['dev'] });

    // THEN
    const pool = findingsOf(report, 'SO-POOL');
    expect(pool.map((f) => f.target)).toEqual(['compose', 'kubernetes']);
    expect(formatProblem(pool[0]!)).toContain('uns/db (profile dev, target compose)');
    expect(formatProblem(pool[1]!)).toContain('uns/db (profile dev, target kubernetes)');
    // 2 × 1 × 15 (compose) or 4 × 1 × 15 (kubernetes), + the monitoring role's 1
    expect(formatProblem(pool[0]!)).toContain('demand 31 > available 17');
    expect(formatProblem(pool[1]!)).toContain('demand 61 > available 17');
    const conflict = findingsOf(report, 'SO-SCALE-CONFLICT');
    expect(conflict).toHaveLength(1);
    expect(conflict[0]!.target).toBeUndefined();
    expect(formatProblem(conflict[0]!)).toContain('uns/backend (profile dev):');
  });

  it('evaluates only the profiles asked for', () => {
    const { stack } = minimalStack({ backend: { replicas: 1 } });
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['dev'] })).not.toThrow();
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['prod'] })).toThrow(SynthError);
  });

  it('throws a ConfigError (exit 2), not a SynthError, for a stack missing nginx', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', { image: 'ghcr.io/acme/api:1.0.0', database: false, redisPool: 0 });
    expect(() => synthGate(stack, { targets: ['compose'] })).toThrow(ConfigError);
    expect(() => synthGate(stack, { targets: ['compose'] })).toThrow(
      '[uns] nginx: a stack needs an nginx load balancer; add one',
    );
  });
});

describe('the reference stack', () => {
  // prod: 3 replicas × 4 workers × (pool 5 + overflow 5); Postgres max_connections 200 − 3
  const replicas = 3;
  const workers = 4;
  const perWorker = 5 + 5;
  const available = 200 - 3;
  const monitor = 1; // the monitoring role, a fixed client of every Postgres

  it('passes under compose semantics: 3 × 4 × 10 + 1 = 121 ≤ 197', () => {
    expect(replicas * workers * perWorker + monitor).toBeLessThanOrEqual(available);
    const report = synthGate(referenceStack(), { targets: ['compose'] });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('as the issue wrote it, fails SO-POOL in prod under kubernetes semantics: 5 replicas at peak × 4 × 10 + 1 = 201 > 197', () => {
    // GIVEN peak = 3 + surge ⌈25% × 3⌉ + draining (= surge)
    const surge = Math.ceil((25 * replicas) / 100);
    const peak = replicas + surge + surge;
    const demand = peak * workers * perWorker + monitor;
    expect([peak, demand]).toEqual([5, 201]);

    // WHEN the reference YAML as the issue wrote it (the example adds a prod rollout to fit)
    const asWritten = () => loadConfigFile(join(import.meta.dirname, '..', 'fixtures', 'issue-2-reference.yaml'));
    const err = synthError(() => synthGate(asWritten(), { targets: ['kubernetes'] }));
    const report = evaluate(asWritten(), { targets: ['kubernetes'] });

    // THEN the only failure is SO-POOL in prod
    expect(report.errors.map((f) => [f.code, f.profiles[0], f.target, f.path])).toEqual([
      ['SO-POOL', 'prod', 'kubernetes', 'uns/db'],
    ]);
    const text = formatProblem(report.errors[0]!);
    expect(text).toContain(`demand ${demand} > available ${available}`);
    expect(err.message).toContain(text);
    expect(text).toMatchInlineSnapshot(`
      "[SO-POOL] uns/db (profile prod, target kubernetes): PostgreSQL connection budget exceeded
        backend-prod  5 replicas at peak (replicas 3 + surge 1 (25% of 3, rounded up) + draining 1)
                      × 4 workers × (pool 5 + overflow 5) = 200
        fixed clients scaleout_monitor 1 = 1
        demand 201 > available 197 (max_connections 200 − superuser_reserved 3)
        fix one of: replicas ≤ 2 · pool.size + maxOverflow ≤ 9 · workers ≤ 3 · max_connections ≥ 204 · add PgBouncer (postgres.pooler: { maxClientConn: 200, defaultPoolSize: 65 }; 65 server connections per pooler instance × 3 at peak (replicas 1 + surge 1 (25% of 1, rounded up) + draining 1) = 195 ≤ 196)"
    `);
  });

  it("fits under kubernetes semantics with the example's prod rollout: 3 + 0 surge + 1 draining = 4 × 4 × 10 = 160 ≤ 197", () => {
    const peak = replicas + 0 + 1;
    expect(peak * workers * perWorker).toBeLessThanOrEqual(available);
    expect(evaluate(referenceStack(), { targets: ['kubernetes'] }).errors).toEqual([]);
  });
});

describe('the gate cache', () => {
  it('sees a suppression added after an evaluation', () => {
    // 2 replicas × 1 worker × 15 = 30 > 17 available
    const { stack, db } = minimalStack({ db: { maxConnections: 20 } });
    expect(evaluate(stack, { targets: ['compose'] }).errors.map((f) => f.code)).toContain('SO-POOL');
    db.suppress('SO-POOL', 'demo stack, the pool never fills');
    const after = evaluate(stack, { targets: ['compose'] });
    expect(after.errors.map((f) => f.code)).not.toContain('SO-POOL');
    expect(after.suppressed.map((s) => s.problem.code)).toContain('SO-POOL');
  });
});
