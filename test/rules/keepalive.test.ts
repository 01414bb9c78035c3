import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-KEEPALIVE', () => {
  it('fails when nginx keeps idle upstream connections as long as the backend (5s ≥ 5s)', () => {
    // GIVEN uvicorn's default keep-alive is 5s
    const { stack } = minimalStack({ nginx: { keepaliveTimeout: '5s' } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });

    // THEN one finding per profile, on nginx, with no target
    const found = findingsOf(report, 'SO-KEEPALIVE');
    expect(found.map((f) => [f.profiles[0], f.severity, f.path, f.target])).toEqual([
      ['dev', 'error', 'uns/nginx', undefined],
      ['prod', 'error', 'uns/nginx', undefined],
    ]);
    expect(formatProblem(found[0]!)).toMatchInlineSnapshot(`
      "[SO-KEEPALIVE] uns/nginx (profile dev): upstream keepalive_timeout 5s ≥ backend keep-alive 5s
        nginx reuses connections the backend is already closing, which surfaces as sporadic 502s
        fix one of: nginx.keepaliveTimeout < 5s · backend keepAliveTimeout > 5s"
    `);
  });

  it('compares durations, not text: 1m against a backend keep-alive of 75s passes, 90s fails', () => {
    const ok = minimalStack({ nginx: { keepaliveTimeout: '1m' }, backend: { keepAliveTimeout: '75s' } }).stack;
    const bad = minimalStack({ nginx: { keepaliveTimeout: '1m30s' }, backend: { keepAliveTimeout: '75s' } }).stack;
    expect(findingsOf(evaluate(ok, { targets: ['compose'] }), 'SO-KEEPALIVE')).toEqual([]);
    expect(findingsOf(evaluate(bad, { targets: ['compose'] }), 'SO-KEEPALIVE')).toHaveLength(2);
  });

  it('is suppressed by a suppression on the nginx construct', () => {
    // GIVEN
    const failing = minimalStack({ nginx: { keepaliveTimeout: '5s' } }).stack;
    const { stack, nginx } = minimalStack({ nginx: { keepaliveTimeout: '5s' } });
    nginx.suppress('SO-KEEPALIVE', 'the backend is gunicorn with keep-alive 75s');
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-KEEPALIVE')).toEqual([]);
    expect(suppressedOf(report, 'SO-KEEPALIVE')).toHaveLength(2);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes with the 4s default, and when upstream keepalive is off', () => {
    const byDefault = minimalStack().stack;
    const off = minimalStack({ nginx: { keepalive: 0, keepaliveTimeout: '30s' } }).stack;
    expect(findingsOf(evaluate(byDefault, { targets: ['compose'] }), 'SO-KEEPALIVE')).toEqual([]);
    expect(findingsOf(evaluate(off, { targets: ['compose'] }), 'SO-KEEPALIVE')).toEqual([]);
  });
});
