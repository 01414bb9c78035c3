/**
 * The Postgres login roles the model plans, for `check --live`. This is the ONE adapter to
 * the shared roles contract (issue 15, `lib/plan/roles.ts` `postgresRoles`): until that
 * lands here it computes the same names and limits itself; at merge it becomes a call to
 * `postgresRoles(ctx, target)`.
 */
import { EXPORTER_CONNECTIONS } from '../../model/monitoring.js';
import { poolerServerShare } from '../../capacity/pooler-budget.js';
import { databaseShares } from '../../capacity/postgres-budget.js';
import type { TargetKind } from '../../capacity/target.js';
import type { ResolvedProfile } from '../../plan/profile.js';

/** A login role the comparison checks: the structural part of the contract's `PostgresRole`. */
export interface PlannedRole {
  readonly name: string;
  readonly kind: 'backend' | 'exporter' | 'pooler' | 'monitor' | 'migration';
  /** Construct path of what connects as this role. */
  readonly consumer: string;
  /** The planned `CONNECTION LIMIT`: that consumer's share of the budget at its peak. */
  readonly connectionLimit: number;
}

/** The role `check --live` itself connects as (member of pg_monitor, CONNECTION LIMIT 1). */
export const MONITOR_ROLE = 'scaleout_monitor';

/** A compose service name as a role name: every char outside `[a-z0-9_]` becomes `_`. */
export function roleName(serviceName: string): string {
  return serviceName.replace(/[^a-z0-9_]/g, '_');
}

/** The planned login roles of one profile under `target` semantics, sorted by name. */
export function plannedRoles(ctx: ResolvedProfile, target: TargetKind): PlannedRole[] {
  const roles: PlannedRole[] = [];
  if (!ctx.postgres) return roles;
  if (ctx.pooler) {
    roles.push({ name: 'pgbouncer', kind: 'pooler', consumer: ctx.pooler.path, connectionLimit: poolerServerShare(ctx.pooler, target).demand });
  } else {
    for (const s of databaseShares(ctx.backends, target)) {
      roles.push({ name: roleName(s.backend.serviceName), kind: 'backend', consumer: s.backend.path, connectionLimit: s.demand });
    }
  }
  if (ctx.monitoring) {
    roles.push({ name: 'postgres_exporter', kind: 'exporter', consumer: ctx.monitoring.path, connectionLimit: EXPORTER_CONNECTIONS.postgres });
  }
  roles.push({ name: MONITOR_ROLE, kind: 'monitor', consumer: ctx.postgres.path, connectionLimit: 1 });
  return roles.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
