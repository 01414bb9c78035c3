import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-HEALTH', () => {
  it('warns in dev and fails in prod for a backend without a healthcheck', () => {
    // GIVEN
    const { stack } = minimalStack({ backend: { healthcheck: undefined } });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-HEALTH').map((f) => [f.profiles[0], f.severity, f.path])).toEqual([
      ['prod', 'error', 'uns/backend'],
      ['dev', 'warning', 'uns/backend'],
    ]);
    expect(formatProblem(findingsOf(report, 'SO-HEALTH', 'dev')[0]!)).toMatchInlineSnapshot(`
      "[SO-HEALTH] uns/backend (profile dev): no healthcheck
        nothing gates startup (depends_on service_healthy, readiness) or takes a broken replica out of rotation
        fix: set healthcheck: { path: /api/health, interval: 15s, timeout: 5s, retries: 3, startPeriod: 60s }"
    `);
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['dev'] })).not.toThrow();
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['prod'] })).toThrow(SynthError);
  });

  it('is suppressed by a suppression on the backend', () => {
    // GIVEN
    const { stack, backend } = minimalStack({ backend: { healthcheck: undefined } });
    backend.suppress('SO-HEALTH', 'a queue worker with no HTTP port to probe');
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-HEALTH')).toEqual([]);
    expect(suppressedOf(report, 'SO-HEALTH')).toHaveLength(2);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes with a healthcheck, even an all-defaults one', () => {
    expect(findingsOf(evaluate(minimalStack().stack, { targets: ['compose'] }), 'SO-HEALTH')).toEqual([]);
    const defaults = minimalStack({ backend: { healthcheck: {} } }).stack;
    expect(findingsOf(evaluate(defaults, { targets: ['compose'] }), 'SO-HEALTH')).toEqual([]);
  });
});
