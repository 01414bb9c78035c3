/**
 * The Postgres login roles `check --live` compares with the server: exactly the roles the
 * role setup creates (`postgresRoles` in lib/plan/roles.ts), so the check reads the same
 * names and limits the gate planned.
 */
import type { TargetKind } from '../../capacity/target.js';
import type { ResolvedProfile } from '../../plan/profile.js';
import { backendRoleName, MONITOR_ROLE, postgresRoles, type PostgresRole } from '../../plan/roles.js';

export { MONITOR_ROLE };

/** A login role the comparison checks. */
export type PlannedRole = Pick<PostgresRole, 'name' | 'kind' | 'consumer' | 'connectionLimit'>;

/** A compose service name as a role name: every char outside `[a-z0-9_]` becomes `_`. */
export const roleName = backendRoleName;

/** The planned login roles of one profile under `target` semantics, sorted by name. */
export function plannedRoles(ctx: ResolvedProfile, target: TargetKind): readonly PlannedRole[] {
  return postgresRoles(ctx, target);
}
