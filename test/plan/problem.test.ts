/**
 * formatProblem is the one place a problem becomes text: each fix op's wording, one fix vs
 * alternatives, and fixes grouped by the budget they are for (SO-LOAD breaking several).
 */
import { describe, expect, it } from 'vitest';
import { fixLines, formatFix, formatProblem, type Fix } from '../../lib/plan/problem.js';

describe('formatFix', () => {
  it.each<[Fix, string]>([
    [{ knob: 'api.replicas', op: 'atMost', value: 4, term: 'replicas' }, 'replicas ≤ 4'],
    [{ knob: 'db.maxConnections', op: 'atLeast', value: 243, term: 'max_connections' }, 'max_connections ≥ 243'],
    [{ knob: 'nginx.keepaliveTimeout', op: 'below', value: '5s', term: 'nginx.keepaliveTimeout' }, 'nginx.keepaliveTimeout < 5s'],
    [{ knob: 'api.keepAliveTimeout', op: 'above', value: '5s', term: 'api keepAliveTimeout' }, 'api keepAliveTimeout > 5s'],
    [{ knob: 'api.healthcheck', op: 'set', value: { path: '/health', retries: 3 }, term: 'healthcheck' }, 'set healthcheck: { path: /health, retries: 3 }'],
    [{ knob: 'api.containerName', op: 'remove', term: 'containerName' }, 'remove containerName'],
    [{ knob: 'db.pooler', op: 'add', term: 'PgBouncer' }, 'add PgBouncer'],
    [{ knob: 'api.load.rpsPerReplica', op: 'atLeast', value: 167, term: 'rpsPerReplica', note: '(if measured)' }, 'rpsPerReplica ≥ 167 (if measured)'],
  ])('%o → %s', (fix, text) => {
    expect(formatFix(fix)).toBe(text);
  });
});

describe('fixLines', () => {
  const a: Fix = { knob: 'db.maxConnections', op: 'atLeast', value: 243, term: 'max_connections' };
  const b: Fix = { knob: 'api.workers', op: 'atMost', value: 3, term: 'workers' };
  const rps: Fix = { knob: 'api.load.rpsPerReplica', op: 'atLeast', value: 167, term: 'rpsPerReplica', note: '(if measured)' };

  it('prints nothing without fixes, `fix:` for one, `fix one of:` for alternatives', () => {
    expect(fixLines([])).toEqual([]);
    expect(fixLines([a])).toEqual(['fix: max_connections ≥ 243']);
    expect(fixLines([a, b])).toEqual(['fix one of: max_connections ≥ 243 · workers ≤ 3']);
  });

  it('keeps one budget on one line, and gives each of several budgets its own, the rest after `or:`', () => {
    expect(fixLines([{ ...a, budget: 'PostgreSQL' }, rps])).toEqual(['fix one of: max_connections ≥ 243 · rpsPerReplica ≥ 167 (if measured)']);
    const redis: Fix = { knob: 'redis.maxClients', op: 'atLeast', value: 300, term: 'maxclients', budget: 'Redis' };
    expect(fixLines([{ ...a, budget: 'PostgreSQL' }, { ...b, budget: 'PostgreSQL' }, redis, rps])).toEqual([
      'fix PostgreSQL with one of: max_connections ≥ 243 · workers ≤ 3',
      'fix Redis with one of: maxclients ≥ 300',
      'or: rpsPerReplica ≥ 167 (if measured)',
    ]);
  });
});

describe('formatProblem', () => {
  it('heads with code, path, profile and target, then indents the terms and the fix line', () => {
    const text = formatProblem({
      code: 'SO-POOL',
      severity: 'error',
      path: 'uns/db',
      construct: 'postgres',
      profiles: ['prod'],
      target: 'compose',
      message: 'PostgreSQL connection budget exceeded',
      terms: ['demand 240 > available 197'],
      fixes: [{ knob: 'db.maxConnections', op: 'atLeast', value: 243, term: 'max_connections' }],
    });
    expect(text).toBe(
      ['[SO-POOL] uns/db (profile prod, target compose): PostgreSQL connection budget exceeded', '  demand 240 > available 197', '  fix: max_connections ≥ 243'].join('\n'),
    );
  });
});
