/**
 * A prod profile that overrides postgres: and redis: gets its own db-prod and redis-prod
 * services; every prod consumer must reach those, every dev consumer the dev ones, and no two
 * services may mount one data volume.
 */
import { describe, expect, it } from 'vitest';
import { enabledIn, expectWiredWithin, PROFILE_OVERRIDE_FIXTURES as FIXTURES, synthFixture, volumeOwners } from '../../helpers/profile-wiring.js';

const MAX_CONNECTIONS = { dev: 50, prod: 300 } as const;

describe.each(FIXTURES)('compose: profile overrides of the data tier (%s)', (fixture) => {
  const { files, compose } = synthFixture(fixture);

  it.each(['dev', 'prod'] as const)('every %s consumer reaches its own profile’s providers', (profile) => {
    expectWiredWithin(compose, profile, enabledIn(compose, profile), { maxConnections: MAX_CONNECTIONS[profile] }, files);
  });

  it('emits one data tier per profile', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['db', 'db-prod', 'redis', 'redis-prod']));
  });

  it('gives every named volume one service', () => {
    const shared = [...volumeOwners(compose)].filter(([, owners]) => owners.length > 1);
    expect(shared).toEqual([]);
  });

  it('the wiring check can fail: a prod backend pointed at the dev server is caught', () => {
    const broken = structuredClone(compose) as any;
    broken.services['api-prod'].environment.DATABASE_URL = broken.services.api.environment.DATABASE_URL;
    expect(() => expectWiredWithin(broken, 'prod', enabledIn(broken, 'prod'), { maxConnections: 300 }, files)).toThrow(/not enabled under prod/);
  });
});
