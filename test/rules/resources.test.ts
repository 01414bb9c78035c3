import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-RESOURCES', () => {
  it('warns in dev and fails in prod for a backend without limits', () => {
    // GIVEN
    const { stack } = minimalStack({ backend: { resources: undefined } });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    const [dev] = findingsOf(report, 'SO-RESOURCES', 'dev');
    const [prod] = findingsOf(report, 'SO-RESOURCES', 'prod');
    expect(dev).toMatchObject({ code: 'SO-RESOURCES', severity: 'warning', path: 'uns/backend' });
    expect(prod).toMatchObject({ code: 'SO-RESOURCES', severity: 'error', path: 'uns/backend' });
    expect(report.warnings).toContain(dev);
    expect(report.errors).toContain(prod);
    expect(formatProblem(prod!)).toMatchInlineSnapshot(`
      "[SO-RESOURCES] uns/backend (profile prod): no cpu or memory limit
        fix: set resources.limits: { cpu: 1, memory: 1Gi } (for example)"
    `);
  });

  it('names only the missing limit, and covers nginx, Postgres and Redis too', () => {
    // GIVEN
    const { stack } = minimalStack({
      backend: { resources: { limits: { cpu: 1 } } },
      nginx: { resources: { limits: { memory: '256Mi' } } },
      db: { resources: {} },
      redis: { resources: { requests: { cpu: 0.1 } } },
    });
    // WHEN
    const found = findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-RESOURCES', 'prod');
    // THEN
    expect(found.map((f) => `${f.path}: ${f.message}`)).toEqual([
      'uns/backend: no memory limit',
      'uns/nginx: no cpu limit',
      'uns/db: no cpu or memory limit',
      'uns/redis: no cpu or memory limit',
    ]);
  });

  it('does not fail synth in dev, fails it in prod', () => {
    const { stack } = minimalStack({ backend: { resources: undefined } });
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['dev'] })).not.toThrow();
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['prod'] })).toThrow(SynthError);
  });

  it('is suppressed by a suppression on the backend', () => {
    // GIVEN
    const { stack } = minimalStack({
      backend: {
        resources: undefined,
        suppressions: [{ rule: 'SO-RESOURCES', reason: 'sized by the cluster LimitRange' }],
      },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-RESOURCES')).toEqual([]);
    expect(suppressedOf(report, 'SO-RESOURCES').map((f) => [f.profiles[0], f.severity])).toEqual([
      ['dev', 'warning'],
      ['prod', 'error'],
    ]);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes with cpu and memory limits', () => {
    expect(findingsOf(evaluate(minimalStack().stack, { targets: ['compose'] }), 'SO-RESOURCES')).toEqual([]);
  });
});
