/**
 * The PostgreSQL login roles of one profile (issue 15): one per consumer that connects to
 * Postgres directly, each capped with `CONNECTION LIMIT` at its share of the budget at its
 * peak. The role-setup SQL (lib/render/postgres-roles-sql.ts) and every target's env and
 * secrets are rendered from this list, so the server enforces exactly what the gate checked.
 */
import { migrationConnections } from '../capacity/migration-budget.js';
import { databaseShares } from '../capacity/postgres-budget.js';
import { poolerServerShare } from '../capacity/pooler-budget.js';
import type { TargetKind } from '../capacity/target.js';
import type { ConfigIssueInit } from '../errors.js';
import type { ResolvedBackend } from '../model/backend.js';
import { EXPORTER_CONNECTIONS } from '../model/monitoring.js';
import type { ResolvedProfile } from './profile.js';

/** What connects as a role. */
export type PostgresRoleKind = 'backend' | 'exporter' | 'pooler' | 'monitor' | 'migration';

/** One PostgreSQL login role. */
export interface PostgresRole {
  /** Login role name. */
  readonly name: string;
  /** What connects as it: decides its memberships (the app group, or `pg_monitor`). */
  readonly kind: PostgresRoleKind;
  /** Construct path of what connects as this role. */
  readonly consumer: string;
  /** `CONNECTION LIMIT`: that consumer's share of the budget at its peak. */
  readonly connectionLimit: number;
  /** Secret (file) name holding its password. */
  readonly passwordSecret: string;
}

/** A backend's login on PgBouncer's client side (behind a pooler it never logs in to Postgres). */
export interface PoolerClientRole {
  /** The user name in PgBouncer's auth_file, the backend's role name. */
  readonly name: string;
  /** Construct path of the backend. */
  readonly consumer: string;
  /** The backend's client connections at its peak: replicas × workers × (pool.size + maxOverflow). */
  readonly maxClientConnections: number;
  /** Secret (file) name holding its password. */
  readonly passwordSecret: string;
}

/** The superuser: only the role setup and an admin log in as it; the backends never do. */
export const SUPERUSER = 'postgres';
/** The pooler's own server-side role (`user=` in pgbouncer.ini's `[databases]`). */
export const POOLER_ROLE = 'pgbouncer';
/** postgres_exporter's role. */
export const EXPORTER_ROLE = 'postgres_exporter';
/** The read-only monitoring role `scaleout check --live` uses (member of `pg_monitor`). */
export const MONITOR_ROLE = 'scaleout_monitor';
/** Connections the monitoring role may hold; counted as a fixed client of Postgres. */
export const MONITOR_CONNECTIONS = 1;
/**
 * The group role (NOLOGIN) that owns the app schema. Backend, migration and pooler roles are
 * its members and run as it, so what a migration creates every backend can use.
 */
export const APP_GROUP_ROLE = 'scaleout_app';

/**
 * pgbouncer_exporter's user on PgBouncer's admin console (`stats_users`). It is no Postgres
 * role: the admin console never reaches the server.
 */
export const PGBOUNCER_EXPORTER_USER = 'pgbouncer_exporter';

/** Role names scaleout gives to something other than a backend. */
const RESERVED = new Set([SUPERUSER, POOLER_ROLE, EXPORTER_ROLE, MONITOR_ROLE, APP_GROUP_ROLE, PGBOUNCER_EXPORTER_USER]);

/** A backend's role: its compose service name with every char outside `[a-z0-9_]` made `_`. */
export function backendRoleName(serviceName: string): string {
  return serviceName.replace(/[^a-z0-9_]/g, '_');
}

/** The secret holding a role's password: `pg_<role>_password`. */
export function rolePasswordSecret(role: string): string {
  return `pg_${role}_password`;
}

/** The role a migration of `backend` runs as (#16). */
export function migrationRoleName(backend: ResolvedBackend): string {
  return `${backendRoleName(backend.serviceName)}_migrate`;
}

/** The role each database-using backend logs in as, to Postgres or (behind a pooler) to PgBouncer. */
function backendRoles(ctx: ResolvedProfile, target: TargetKind): { name: string; consumer: string; share: number }[] {
  return databaseShares(ctx.backends, target).map((s) => ({ name: backendRoleName(s.backend.serviceName), consumer: s.backend.path, share: s.demand }));
}

/**
 * Problems with the login role names `ctx` would create: two consumers on one name (a
 * backend's role, or a migration's `<backend role>_migrate`, which another backend's service
 * name can spell too), or a name PostgreSQL or scaleout reserves. The gate reports them
 * (checkStructure) before anything renders a role.
 */
export function roleNameIssues(ctx: ResolvedProfile): ConfigIssueInit[] {
  if (!ctx.postgres) return [];
  const owners = new Map<string, string>();
  const issues: ConfigIssueInit[] = [];
  /** `what` says whose role it is in the message; `owner` names the claimant to a later one. */
  const claim = (name: string, b: ResolvedBackend, what: string, owner: string) => {
    const problem = (message: string) =>
      issues.push({ code: 'SO-CONFIG-STRUCTURE', constructPath: b.path, profiles: [ctx.profile], path: 'serviceName', message: `'${b.serviceName}' gives ${what} Postgres role '${name}', ${message}` });
    const other = owners.get(name);
    if (other !== undefined) problem(`as ${other} does; give one of them another serviceName`);
    else if (RESERVED.has(name) || name === ctx.postgres!.user || name.startsWith('pg_') || !/^[a-z_]/.test(name) || name.length > 63) {
      problem(`which is reserved or not a valid role name (not ${[...RESERVED].join(', ')}, no pg_ prefix, starts with a letter or _, at most 63 chars); give the backend another serviceName`);
    }
    owners.set(name, owner);
  };
  for (const b of ctx.backends) if (b.pool) claim(backendRoleName(b.serviceName), b, 'its', b.path);
  for (const b of ctx.backends) if (b.migration) claim(migrationRoleName(b), b, "its migration's", `${b.path}'s migration`);
  return issues;
}

/**
 * Every Postgres login role of `ctx` under `target`'s semantics, sorted by name. Directly
 * connected backends get their share; behind a pooler only the pooler's role reaches
 * Postgres (limit = its SO-POOL-SERVER demand) and the backends are its clients
 * ({@link poolerClientRoles}). postgres_exporter (with Monitoring) and the monitoring role
 * are always their own roles. Empty without Postgres.
 */
export function postgresRoles(ctx: ResolvedProfile, target: TargetKind): readonly PostgresRole[] {
  if (!ctx.postgres) return [];
  const role = (name: string, kind: PostgresRoleKind, consumer: string, connectionLimit: number): PostgresRole => ({
    name,
    kind,
    consumer,
    connectionLimit,
    passwordSecret: rolePasswordSecret(name),
  });
  const roles: PostgresRole[] = [];
  if (ctx.pooler) {
    roles.push(role(POOLER_ROLE, 'pooler', ctx.pooler.path, poolerServerShare(ctx.pooler, target).demand));
    backendRoles(ctx, target);
  } else {
    for (const b of backendRoles(ctx, target)) roles.push(role(b.name, 'backend', b.consumer, b.share));
  }
  // A migration connects to Postgres directly, also behind a pooler (DDL and advisory locks
  // need a session); its limit is what it holds at once under the target's semantics.
  for (const m of migrationConnections(ctx.backends, target)) {
    roles.push(role(migrationLogin(m.backend).user, 'migration', `${m.backend.path}/migrations`, m.demand));
  }
  if (ctx.monitoring) roles.push(role(EXPORTER_ROLE, 'exporter', ctx.monitoring.path, EXPORTER_CONNECTIONS.postgres));
  // `scaleout check --live` is not a construct: its consumer is the stack.
  roles.push(role(MONITOR_ROLE, 'monitor', ctx.stack.node.path, MONITOR_CONNECTIONS));
  return roles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Behind a pooler: each database-using backend's PgBouncer user and its peak client connections. */
export function poolerClientRoles(ctx: ResolvedProfile, target: TargetKind): readonly PoolerClientRole[] {
  if (!ctx.pooler || !ctx.postgres) return [];
  return backendRoles(ctx, target)
    .map((b) => ({ name: b.name, consumer: b.consumer, maxClientConnections: b.share, passwordSecret: rolePasswordSecret(b.name) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The role a backend logs in as (to Postgres, or to PgBouncer behind one), and its secret. */
export function backendLogin(b: ResolvedBackend): { readonly user: string; readonly passwordSecret: string } {
  const user = backendRoleName(b.serviceName);
  return { user, passwordSecret: rolePasswordSecret(user) };
}

/** The login a backend's migration uses: `<backend role>_migrate` and its password secret. */
export function migrationLogin(b: ResolvedBackend): { readonly user: string; readonly passwordSecret: string } {
  const user = migrationRoleName(b);
  return { user, passwordSecret: rolePasswordSecret(user) };
}

/** One `"user" "password"` line of PgBouncer's auth_file: the user and the secret with its password. */
export interface PoolerAuthUser {
  /** The user name PgBouncer authenticates. */
  readonly user: string;
  /** Secret (file) name holding its password. */
  readonly passwordSecret: string;
}

/**
 * Everyone PgBouncer's auth_file lists, sorted: each backend (client side), the pooler's own
 * role (PgBouncer logs in to Postgres with the password it finds here for the forced `user=`)
 * and, with Monitoring, the exporter's admin-console user.
 */
export function poolerAuthUsers(ctx: ResolvedProfile): readonly PoolerAuthUser[] {
  if (!ctx.pooler || !ctx.postgres) return [];
  const users = [
    ...ctx.backends.filter((b) => b.pool).map(backendLogin),
    { user: POOLER_ROLE, passwordSecret: rolePasswordSecret(POOLER_ROLE) },
    ...(ctx.monitoring ? [{ user: PGBOUNCER_EXPORTER_USER, passwordSecret: rolePasswordSecret(PGBOUNCER_EXPORTER_USER) }] : []),
  ];
  return users.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
}
