import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import { POSTGRES_PORT, type ResolvedPostgres } from '../model/postgres.js';
import { REDIS_PORT, type ResolvedRedis } from '../model/redis.js';
import { backendLogin, migrationLogin } from '../plan/roles.js';

/** Where a target mounts a secret file. */
export type SecretPath = (name: string) => string;

/**
 * The host names a backend reaches its providers by. Compose names a provider whose spec
 * differs per profile `<id>-<profile>`, so each profile's consumers must be given its own.
 */
export interface ProviderHosts {
  /** @default - the Postgres construct id */
  readonly postgres?: string;
  /** @default - the PgBouncer construct id */
  readonly pooler?: string;
  /** @default - the Redis construct id */
  readonly redis?: string;
}

/**
 * The env contract every backend gets from the model, on every target: workers, pool and
 * where to connect. Passwords never appear: the app reads them from `*_PASSWORD_FILE`.
 */
export function backendEnv(
  b: ResolvedBackend,
  pg: ResolvedPostgres | undefined,
  redis: ResolvedRedis | undefined,
  secretPath: SecretPath,
  pooler?: ResolvedPgBouncer,
  hosts: ProviderHosts = {},
): Record<string, string> {
  const env: Record<string, string> = { WEB_CONCURRENCY: String(b.workers) };
  if (b.pool && pg) {
    env.DB_POOL_SIZE = String(b.pool.size);
    env.DB_MAX_OVERFLOW = String(b.pool.maxOverflow);
    // Each backend logs in as its own role (lib/plan/roles.ts), to Postgres or to the pooler,
    // which logs in to Postgres as its own role.
    const login = backendLogin(b);
    const host = pooler ? `${hosts.pooler ?? pooler.id}:${pooler.port}` : `${hosts.postgres ?? pg.id}:${POSTGRES_PORT}`;
    env.DATABASE_URL = `postgresql://${login.user}@${host}/${pg.database}`;
    env.DB_PASSWORD_FILE = secretPath(login.passwordSecret);
    // Apps that keep session state (server-side prepared statements, e.g. asyncpg) must
    // switch to a NullPool-style setup under transaction pooling; psycopg2 needs no change.
    if (pooler) env.PGBOUNCER_POOL_MODE = pooler.poolMode;
  }
  if (b.redisPool > 0 && redis) {
    env.REDIS_POOL_SIZE = String(b.redisPool);
    env.REDIS_URL = `redis://${hosts.redis ?? redis.id}:${REDIS_PORT}/0`;
    env.REDIS_PASSWORD_FILE = secretPath(redis.passwordSecret);
  }
  for (const [k, v] of Object.entries(b.env)) {
    // No target can put a secret into an env var without writing it somewhere; the app
    // reads `<NAME>_FILE` instead.
    if (typeof v === 'string') env[k] = v;
    else env[`${k}_FILE`] = secretPath(v.secret);
  }
  return env;
}

/**
 * The env of a backend's migration: the backend's own variables, a pool of `pool`
 * connections and no overflow, and DATABASE_URL straight to Postgres (never the pooler: DDL
 * and advisory locks need a session of their own). No Redis.
 */
export function migrationEnv(
  b: ResolvedBackend,
  pg: ResolvedPostgres,
  secretPath: SecretPath,
  hosts: ProviderHosts = {},
): Record<string, string> {
  const m = b.migration!;
  const env: Record<string, string> = {
    WEB_CONCURRENCY: '1',
    DB_POOL_SIZE: String(m.pool),
    DB_MAX_OVERFLOW: '0',
    // Its own login role, capped at what it holds (lib/plan/roles.ts); never the superuser.
    DATABASE_URL: `postgresql://${migrationLogin(b).user}@${hosts.postgres ?? pg.id}:${POSTGRES_PORT}/${pg.database}`,
    DB_PASSWORD_FILE: secretPath(migrationLogin(b).passwordSecret),
  };
  for (const [k, v] of Object.entries(b.env)) {
    if (typeof v === 'string') env[k] = v;
    else env[`${k}_FILE`] = secretPath(v.secret);
  }
  return env;
}

/** Secrets a migration mounts: the Postgres password and the backend's `{ secret }` env values. */
export function migrationSecrets(b: ResolvedBackend): string[] {
  const s = new Set<string>([migrationLogin(b).passwordSecret]);
  for (const v of Object.values(b.env)) if (typeof v !== 'string') s.add(v.secret);
  return [...s].sort();
}

/** Secrets a backend mounts: the data-tier passwords and any `{ secret }` env values. */
export function backendSecrets(b: ResolvedBackend, pg?: ResolvedPostgres, redis?: ResolvedRedis): string[] {
  const s = new Set<string>();
  if (b.pool && pg) s.add(backendLogin(b).passwordSecret);
  if (b.redisPool > 0 && redis) s.add(redis.passwordSecret);
  for (const v of Object.values(b.env)) if (typeof v !== 'string') s.add(v.secret);
  return [...s].sort();
}
