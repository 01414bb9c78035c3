import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-SECRET', () => {
  it('fails a plaintext password in env, in every profile', () => {
    // GIVEN
    const { stack } = minimalStack({ backend: { env: { DB_PASSWORD: 'hunter2' } } });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    const found = findingsOf(report, 'SO-SECRET');
    expect(found.map((f) => [f.profiles[0], f.severity, f.path])).toEqual([
      ['dev', 'error', 'uns/backend'],
      ['prod', 'error', 'uns/backend'],
    ]);
    expect(formatProblem(found[0]!)).toMatchInlineSnapshot(`
      "[SO-SECRET] uns/backend (profile dev): env DB_PASSWORD holds a plaintext secret
        it would be written into every output file
        fix: set env.DB_PASSWORD: { secret: db_password }"
    `);
  });

  it.each([
    ['JWT_SECRET', 's3cr3t'],
    ['STRIPE_API_KEY', 'sk_live_x'],
    ['GITHUB_TOKEN', 'ghp_x'],
    ['CACHE_URL', 'redis://app:pw@cache:6379/0'],
  ])('fails %s', (name, value) => {
    const { stack } = minimalStack({ backend: { env: { [name]: value } } });
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }), 'SO-SECRET');
    expect(f?.message).toMatch(new RegExp(`^env ${name} holds a (plaintext secret|URL with a password)$`));
  });

  it('is suppressed by a suppression on the backend', () => {
    // GIVEN
    const env = { API_KEY: 'public-demo-key' };
    const failing = minimalStack({ backend: { env } }).stack;
    const { stack } = minimalStack({
      backend: { env, suppressions: [{ rule: 'SO-SECRET', reason: 'a published demo key, not a secret' }] },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-SECRET')).toEqual([]);
    expect(suppressedOf(report, 'SO-SECRET')).toHaveLength(2);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes secret references and ordinary values', () => {
    const { stack } = minimalStack({
      backend: {
        env: {
          DB_PASSWORD: { secret: 'postgres_password' },
          LOG_LEVEL: 'info',
          CACHE_URL: 'redis://cache:6379/0',
          MAX_TOKENS: '4096',
        },
      },
    });
    expect(findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-SECRET')).toEqual([]);
  });
});
