import { describe, expect, it } from 'vitest';
import { ConfigError, Postgres, Stack, type PostgresConstructProps } from '../../lib/index.js';

function postgres(props: PostgresConstructProps = {}, stackName = 'uns'): Postgres {
  return new Postgres(new Stack(undefined, stackName), 'db', props);
}

describe('Postgres connection settings', () => {
  it('refuses maxConnections that are not above the reserved slots (PostgreSQL would not start)', () => {
    // GIVEN superuser_reserved defaults to 3, so max_connections 3 leaves nothing
    expect(() => postgres({ maxConnections: 3 })).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: [uns/db] maxConnections: maxConnections 3 is not above the reserved slots (superuserReservedConnections 3 + reservedConnections 0 = 3); PostgreSQL would not start. Set maxConnections ≥ 4]`,
    );
  });

  it('counts reserved_connections with superuser_reserved_connections', () => {
    // 10 ≤ 3 + 7
    expect(() => postgres({ maxConnections: 10, reservedConnections: 7 })).toThrow(ConfigError);
    expect(() => postgres({ maxConnections: 10, reservedConnections: 7 })).toThrow('Set maxConnections ≥ 11');
    // 11 > 3 + 7 leaves 1
    expect(postgres({ maxConnections: 11, reservedConnections: 7 }).resolve('dev').available).toBe(11 - 3 - 7);
  });

  it('accepts the smallest working maxConnections', () => {
    expect(postgres({ maxConnections: 4 }).resolve('dev').available).toBe(4 - 3);
  });

  it('refuses reservedConnections before PostgreSQL 16', () => {
    expect(() => postgres({ image: 'postgres:15-alpine', reservedConnections: 2 })).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: [uns/db] reservedConnections: reservedConnections needs PostgreSQL 16 or later, but the image is postgres:15-alpine; use a 16+ image or set it to 0]`,
    );
  });

  it('accepts reservedConnections on 16+ and subtracts them from what the app may use', () => {
    const pg = postgres({ image: 'postgres:17', maxConnections: 200, reservedConnections: 5 }).resolve('dev');
    expect(pg.available).toBe(200 - 3 - 5);
    expect(postgres({ image: 'postgres:15', reservedConnections: 0 }).resolve('dev').reservedConnections).toBe(0);
  });

  it('checks the merged profile: a prod image below 16 with reserved connections fails prod only', () => {
    // GIVEN
    const pg = postgres({ reservedConnections: 2, profiles: { prod: { image: 'postgres:15' } } });
    // THEN
    expect(pg.resolve('dev').reservedConnections).toBe(2);
    expect(() => pg.resolve('prod')).toThrow('[uns/db] (profile prod) reservedConnections: reservedConnections needs PostgreSQL 16');
  });

  it('sorts fixed clients by name and derives the database name from the stack name', () => {
    const pg = postgres({ fixedClients: { migrations: 1, exporter: 2 } }, 'my-app').resolve('dev');
    expect(pg.fixedClients).toEqual([
      { name: 'exporter', count: 2 },
      { name: 'migrations', count: 1 },
    ]);
    expect(pg.database).toBe('my_app');
  });

  it('refuses resource requests above limits', () => {
    expect(() => postgres({ resources: { limits: { memory: '1Gi' }, requests: { memory: '2Gi' } } })).toThrow(
      '[uns/db] resources.requests.memory: requests.memory "2Gi" is above limits.memory "1Gi"',
    );
  });
});
