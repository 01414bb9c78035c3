import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate } from '../../lib/index.js';
import { findingsOf, HEALTHCHECK, minimalStack } from '../helpers/stacks.js';

describe('SO-HEALTH-TIMEOUT', () => {
  it('warns, in every profile, when a healthcheck timeout is longer than its interval, and says why', () => {
    const { stack } = minimalStack({ backend: { healthcheck: { ...HEALTHCHECK, interval: '10s', timeout: '30s' } } });
    const report = evaluate(stack, { targets: ['compose'] });
    expect(findingsOf(report, 'SO-HEALTH-TIMEOUT').map((f) => [f.profiles[0], f.severity])).toEqual([
      ['dev', 'warning'],
      ['prod', 'warning'],
    ]);
    expect(formatProblem(findingsOf(report, 'SO-HEALTH-TIMEOUT', 'dev')[0]!)).toMatchInlineSnapshot(`
      "[SO-HEALTH-TIMEOUT] uns/backend (profile dev): healthcheck timeout 30s is longer than its interval 10s
        checks never overlap (Docker, kubelet): a hanging check delays the next, so the interval stretches to the timeout
        a dead replica leaves rotation after retries 3 × timeout 30s = 90s, not 3 × 10s = 30s
        fix one of: healthcheck.timeout ≤ 10s · healthcheck.interval ≥ 30s"
    `);
    // A warning: synth goes on, in production too.
    expect(() => synthGate(stack, { targets: ['compose', 'kubernetes'] })).not.toThrow();
  });

  it('is quiet when the timeout is at most the interval', () => {
    for (const timeout of ['5s', '15s']) {
      const { stack } = minimalStack({ backend: { healthcheck: { ...HEALTHCHECK, interval: '15s', timeout } } });
      expect(findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-HEALTH-TIMEOUT')).toEqual([]);
    }
  });
});
