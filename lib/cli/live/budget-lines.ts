/**
 * The connection budget of a profile at given (live) backend values, as SO-POOL words it:
 * one line per backend share, the fixed clients, and demand against available (or, behind
 * PgBouncer, against the pooler's client capacity).
 */
import { poolerClientBudget } from '../../capacity/pooler-budget.js';
import { postgresBudget, type BackendConnections } from '../../capacity/postgres-budget.js';
import type { TargetKind } from '../../capacity/target.js';
import type { ResolvedBackend } from '../../model/backend.js';
import type { ResolvedPostgres } from '../../model/postgres.js';
import type { ResolvedProfile } from '../../plan/profile.js';
import { fixedLine, plural } from '../../plan/report.js';

/** `backend-prod  4 replicas at peak (replicas 4) × 4 workers × (pool 5 + overflow 5) = 160`. */
export function shareLine(s: BackendConnections): string {
  return `${s.backend.serviceName}  ${plural(s.peak.total, 'replica')} at peak (${s.peak.explain}) × ${plural(s.workers, 'worker')} × (pool ${s.poolSize} + overflow ${s.maxOverflow}) = ${s.demand}`;
}

/** `available 197 (max_connections 200 − superuser_reserved 3)`, for any server settings. */
export function availableText(pg: Pick<ResolvedPostgres, 'maxConnections' | 'superuserReservedConnections' | 'reservedConnections'>): string {
  const reserved = pg.reservedConnections > 0 ? ` − reserved ${pg.reservedConnections}` : '';
  const available = pg.maxConnections - pg.superuserReservedConnections - pg.reservedConnections;
  return `available ${available} (max_connections ${pg.maxConnections} − superuser_reserved ${pg.superuserReservedConnections}${reserved})`;
}

/** The budget lines with `backends` in place of the profile's, and whether it holds. */
export function budgetLines(ctx: ResolvedProfile, backends: readonly ResolvedBackend[], target: TargetKind): { lines: string[]; ok: boolean } {
  if (!ctx.postgres) return { lines: [], ok: true };
  if (ctx.pooler) {
    const c = poolerClientBudget(backends, ctx.pooler, target);
    return {
      lines: [
        ...c.backends.map(shareLine),
        ...fixedLine(ctx.pooler.fixedClients, c.fixedClients),
        `demand ${c.demand} ${c.ok ? '≤' : '>'} capacity ${c.capacity} (max_client_conn ${ctx.pooler.maxClientConn} × ${plural(ctx.pooler.replicas, 'instance')})`,
      ],
      ok: c.ok,
    };
  }
  const b = postgresBudget(backends, ctx.postgres, target);
  return {
    lines: [...b.backends.map(shareLine), ...fixedLine(b.fixed, b.fixedClients), `demand ${b.demand} ${b.ok ? '≤' : '>'} ${availableText(ctx.postgres)}`],
    ok: b.ok,
  };
}
