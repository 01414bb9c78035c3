import { describe, expect, it } from 'vitest';
import { ConfigError, Redis, Stack } from '../../lib/index.js';

describe('Redis', () => {
  it('resolves defaults: redis:7.2.11-alpine, maxclients 10000, rdb, 1Gi volume', () => {
    const r = new Redis(new Stack(undefined, 'uns'), 'redis').resolve('dev');
    expect([r.image, r.maxClients, r.persistence, r.storage.toKubernetes(), r.passwordSecret]).toEqual([
      'redis:7.2.11-alpine',
      10000,
      'rdb',
      '1Gi',
      'redis_password',
    ]);
    expect(r.resources.limits.memory?.toKubernetes()).toBe('512Mi');
  });

  it('refuses maxClients 0 and an unknown persistence mode, naming path and value', () => {
    const stack = new Stack(undefined, 'uns');
    let err: unknown;
    try {
      new Redis(stack, 'redis', { maxClients: 0, persistence: 'aol' as 'aof' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      "[uns/redis] maxClients: 0 is out of range, it must be ≥ 1; set 'maxClients' ≥ 1",
      "[uns/redis] persistence: 'aol' is not one of none | rdb | aof; did you mean 'aof'?",
    ]);
  });

  it('refuses a decimal storage size', () => {
    expect(() => new Redis(new Stack(undefined, 'uns'), 'redis', { storage: '1GB' })).toThrow(
      "[uns/redis] storage: memory '1GB' is ambiguous",
    );
  });
});
