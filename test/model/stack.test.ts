import { describe, expect, it } from 'vitest';
import { Backend, ConfigError, Nginx, Postgres, Redis, Stack } from '../../lib/index.js';

describe('Stack', () => {
  it('has dev and prod, then user profiles in declaration order', () => {
    const stack = new Stack(undefined, 'uns', { profiles: { staging: {}, prod: {}, canary: {} } });
    expect(stack.profileNames).toEqual(['dev', 'prod', 'staging', 'canary']);
  });

  it('gives production severities to prod and production, and to profiles that ask', () => {
    const stack = new Stack(undefined, 'uns', { profiles: { production: {}, staging: { production: true }, qa: {} } });
    expect(['dev', 'prod', 'production', 'staging', 'qa'].map((p) => stack.isProduction(p))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });

  it('lets prod opt out of production severities', () => {
    expect(new Stack(undefined, 'uns', { profiles: { prod: { production: false } } }).isProduction('prod')).toBe(false);
  });

  it('refuses a name or profile that is not a DNS label', () => {
    let err: unknown;
    try {
      new Stack(undefined, 'Uns', { profiles: { Staging: {} } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toMatchInlineSnapshot(`
      [
        "[Uns] name: 'Uns' is not a DNS label; use lowercase letters, digits and '-'",
        "[Uns] profiles.Staging: 'Staging' is not a valid profile name; use lowercase letters, digits and '-'",
      ]
    `);
    expect((err as ConfigError).exitCode).toBe(2);
  });

  it('registers constructs by kind, in creation order', () => {
    const stack = new Stack(undefined, 'uns');
    const api = new Backend(stack, 'api', { image: 'x/api:1' });
    const db = new Postgres(stack, 'db');
    const worker = new Backend(stack, 'worker', { image: 'x/worker:1' });
    const lb = new Nginx(stack, 'lb');
    expect(stack.backends).toEqual([api, worker]);
    expect(stack.postgres).toBe(db);
    expect(stack.nginx).toBe(lb);
    expect(stack.redis).toBeUndefined();
    expect(stack.constructs).toEqual([api, db, worker, lb]);
    const redis = new Redis(stack, 'redis');
    expect(stack.redis).toBe(redis);
    expect(Stack.of(api)).toBe(stack);
  });
});
