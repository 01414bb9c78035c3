import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

// docs/ARCHITECTURE.md: Σ peak_replicas × workers × redis pool (+ fixed clients) ≤ maxclients.
const REDIS_POOL = 10; // default redisPool

describe('SO-REDIS', () => {
  it('fails when peak Redis clients exceed maxclients', () => {
    // GIVEN 2 replicas × 1 worker × 10 = 20 > 15
    const demand = 2 * 1 * REDIS_POOL;
    const { stack } = minimalStack({ redis: { maxClients: 15 } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'], profiles: ['dev'] });

    // THEN
    const [f, ...rest] = findingsOf(report, 'SO-REDIS');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'SO-REDIS', severity: 'error', path: 'uns/redis', profiles: ['dev'], target: 'compose' });
    expect(formatProblem(f!)).toContain(`demand ${demand} > maxclients 15`);
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-REDIS] uns/redis (profile dev, target compose): Redis client budget exceeded
        backend  2 replicas at peak (replicas 2)
                 × 1 worker × redis pool 10 = 20
        demand 20 > maxclients 15
        fix one of: replicas ≤ 1 · redisPool ≤ 7 · maxclients ≥ 20"
    `);
  });

  it('counts fixed clients', () => {
    // GIVEN 20 from the backend + 5 from an exporter = 25 > 24
    const { stack } = minimalStack({ redis: { maxClients: 24, fixedClients: { exporter: 5 } } });
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['prod'] }), 'SO-REDIS');
    expect(f?.severity).toBe('error');
    expect(formatProblem(f!)).toContain('fixed clients exporter 5 = 5\n  demand 25 > maxclients 24');
  });

  it('is suppressed by a suppression on the Redis construct', () => {
    // GIVEN
    const failing = minimalStack({ redis: { maxClients: 15 } }).stack;
    const { stack, redis } = minimalStack({ redis: { maxClients: 15 } });
    redis.suppress('SO-REDIS', 'maxclients is raised at runtime by the operator');

    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });

    // THEN
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-REDIS')).toEqual([]);
    expect(suppressedOf(report, 'SO-REDIS')).toHaveLength(2);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes at exactly maxclients, and ignores backends with redisPool 0', () => {
    // GIVEN kubernetes peak 4 × 1 × 10 = 40
    const exact = minimalStack({ redis: { maxClients: 40 } }).stack;
    const unused = minimalStack({ backend: { redisPool: 0 }, redis: { maxClients: 1 } }).stack;
    // THEN
    expect(findingsOf(evaluate(exact, { targets: ['kubernetes'] }), 'SO-REDIS')).toEqual([]);
    expect(findingsOf(evaluate(unused, { targets: ['kubernetes'] }), 'SO-REDIS')).toEqual([]);
    expect(findingsOf(evaluate(minimalStack({ redis: { maxClients: 39 } }).stack, { targets: ['kubernetes'] }), 'SO-REDIS'))
      .toHaveLength(2);
  });
});
