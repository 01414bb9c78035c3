import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-HA', () => {
  it('fails a production profile with a single replica, and only production profiles', () => {
    // GIVEN
    const { stack } = minimalStack({ backend: { replicas: 1 } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });

    // THEN
    const [f, ...rest] = findingsOf(report, 'SO-HA');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'SO-HA', severity: 'error', path: 'uns/backend', profiles: ['prod'] });
    expect(f!.target).toBeUndefined();
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-HA] uns/backend (profile prod): production backend has a single replica
        backend: replicas 1 < 2; one failure or deploy takes the service down
        fix: replicas (and autoscale.min) ≥ 2"
    `);
  });

  it('names autoscale.min when the autoscaler may go down to 1', () => {
    const { stack } = minimalStack({ backend: { replicas: undefined, autoscale: { min: 1, max: 4 } } });
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-HA');
    expect(formatProblem(f!)).toContain('backend: autoscale.min 1 < 2;');
  });

  it('applies to user profiles marked production, and not to other user profiles', () => {
    // GIVEN
    const { stack } = minimalStack({
      stack: { profiles: { staging: { production: true }, qa: {} } },
      backend: { replicas: 1 },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-HA').map((f) => f.profiles[0])).toEqual(['prod', 'staging']);
  });

  it('is suppressed by a suppression on the backend', () => {
    // GIVEN
    const failing = minimalStack({ backend: { replicas: 1 } }).stack;
    const { stack } = minimalStack({
      backend: { replicas: 1, suppressions: [{ rule: 'SO-HA', reason: 'singleton scheduler, leader-elected' }] },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-HA')).toEqual([]);
    expect(suppressedOf(report, 'SO-HA').map((f) => [f.profiles[0], f.path])).toEqual([['prod', 'uns/backend']]);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes with 2 replicas, and with one replica outside production', () => {
    expect(findingsOf(evaluate(minimalStack().stack, { targets: ['compose'] }), 'SO-HA')).toEqual([]);
    const devOnly = minimalStack({ backend: { replicas: 1, profiles: { prod: { replicas: 2 } } } }).stack;
    expect(findingsOf(evaluate(devOnly, { targets: ['compose'] }), 'SO-HA')).toEqual([]);
    const autoscaled = minimalStack({ backend: { replicas: undefined, autoscale: { max: 6 } } }).stack;
    expect(findingsOf(evaluate(autoscaled, { targets: ['compose'] }), 'SO-HA')).toEqual([]);
  });
});
