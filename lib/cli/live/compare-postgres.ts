/**
 * Postgres drift: the server's connection settings against the model, each planned role's
 * CONNECTION LIMIT against its planned share, and each role's live connections against
 * that share.
 */
import { databaseShares, postgresBudget, type BackendConnections } from '../../capacity/postgres-budget.js';
import type { TargetKind } from '../../capacity/target.js';
import type { ResolvedProfile } from '../../plan/profile.js';
import { availableText, shareLine } from './budget-lines.js';
import type { PostgresFacts } from './facts.js';
import type { LiveCheck } from './live-check.js';
import type { PostgresRole } from '../../plan/roles.js';

/** What the Postgres comparison reads. */
export interface PostgresInput {
  readonly ctx: ResolvedProfile;
  readonly target: TargetKind;
  readonly roles: readonly PostgresRole[];
  readonly facts: PostgresFacts;
  /** How to restart the server so it takes the settings, per target (e.g. a compose command). */
  readonly restart: string;
}

/** `psql -c "…"` with the statement quoted for a POSIX shell. */
function psql(sql: string): string {
  return `psql -c "${sql.replace(/(["\\$`])/g, '\\$1')}"`;
}

const SETTINGS = [
  ['max_connections', 'maxConnections'],
  ['superuser_reserved_connections', 'superuserReservedConnections'],
  ['reserved_connections', 'reservedConnections'],
] as const;

function compareSettings(input: PostgresInput): LiveCheck[] {
  const pg = input.ctx.postgres!;
  const f = input.facts;
  const major = Math.floor(f.serverVersion / 10_000);
  const live = { maxConnections: f.maxConnections, superuserReservedConnections: f.superuserReservedConnections, reservedConnections: f.reservedConnections ?? 0 };
  const demand = input.ctx.pooler ? undefined : postgresBudget(input.ctx.backends, pg, input.target).demand;
  const liveAvailable = live.maxConnections - live.superuserReservedConnections - live.reservedConnections;
  return SETTINGS.map(([setting, key]): LiveCheck => {
    const planned = pg[key];
    const actual = key === 'reservedConnections' ? f.reservedConnections : f[key];
    if (actual === undefined) {
      // PostgreSQL 15 has no reserved_connections: it reserves nothing for pg_use_reserved_connections.
      const ok = planned === 0;
      return {
        kind: 'setting',
        subject: setting,
        status: ok ? 'ok' : 'drift',
        planned,
        live: null,
        arithmetic: [`PostgreSQL ${major} has no ${setting} (it needs 16 or later); counted as 0, the model ${planned}`],
        ...(ok ? {} : { fix: `run PostgreSQL 16 or later, or set postgres.reservedConnections: 0 in the model` }),
      };
    }
    const ok = actual === planned;
    const arithmetic = [
      `${setting} ${actual} ${ok ? '=' : '≠'} the model's ${planned}`,
      `live ${availableText(live)}; planned ${availableText(pg)}`,
      ...(demand === undefined ? [] : [`planned demand ${demand} ${demand <= liveAvailable ? '≤' : '>'} live available ${liveAvailable}`]),
    ];
    return {
      kind: 'setting',
      subject: setting,
      status: ok ? 'ok' : 'drift',
      planned,
      live: actual,
      arithmetic,
      ...(ok ? {} : { fix: `${psql(`ALTER SYSTEM SET ${setting} = ${planned}`)} && ${input.restart}` }),
    };
  });
}

/** `backend-prod (role backend_prod)`, or just the role for the stack's own clients. */
function roleSubject(r: PostgresRole, shares: ReadonlyMap<string, BackendConnections>): string {
  if (r.kind !== 'backend') return `${r.kind} (role ${r.name})`;
  return `${shares.get(r.consumer)?.backend.serviceName ?? r.consumer} (role ${r.name})`;
}

/** Why the role's share is what it is: the backend's SO-POOL line, or its fixed count. */
function shareText(r: PostgresRole, shares: ReadonlyMap<string, BackendConnections>): string {
  const s = r.kind === 'backend' ? shares.get(r.consumer) : undefined;
  return s ? `planned share: ${shareLine(s)}` : `planned share: ${r.kind} ${r.consumer} holds ${r.connectionLimit}`;
}

function compareRoles(input: PostgresInput): LiveCheck[] {
  const out: LiveCheck[] = [];
  // Each backend's share by construct path, worked out once for every role.
  const shares = new Map(databaseShares(input.ctx.backends, input.target).map((s) => [s.backend.path, s] as const));
  for (const r of input.roles) {
    const subject = roleSubject(r, shares);
    const share = shareText(r, shares);
    const role = input.facts.roles.find((x) => x.name === r.name);
    const limitText = (n: number) => (n < 0 ? 'no CONNECTION LIMIT (-1)' : `CONNECTION LIMIT ${n}`);
    if (!role) {
      out.push({
        kind: 'role-limit',
        subject,
        status: 'drift',
        planned: r.connectionLimit,
        live: null,
        arithmetic: [`no login role ${r.name} on the server`, share],
        fix: `${psql(`CREATE ROLE ${r.name} LOGIN CONNECTION LIMIT ${r.connectionLimit}`)} (then set its password from its secret)`,
      });
    } else {
      const ok = role.connectionLimit === r.connectionLimit;
      out.push({
        kind: 'role-limit',
        subject,
        status: ok ? 'ok' : 'drift',
        planned: r.connectionLimit,
        live: role.connectionLimit,
        arithmetic: [`role ${r.name}: ${limitText(role.connectionLimit)} ${ok ? '=' : '≠'} planned ${r.connectionLimit}`, share],
        ...(ok ? {} : { fix: psql(`ALTER ROLE ${r.name} CONNECTION LIMIT ${r.connectionLimit}`) }),
      });
    }
    const conns = input.facts.connections.filter((c) => c.role === r.name);
    const count = conns.reduce((s, c) => s + c.count, 0);
    const ok = count <= r.connectionLimit;
    const byApp = conns.map((c) => `${c.applicationName === '' ? "''" : c.applicationName} ${c.count}`).join(' + ');
    out.push({
      kind: 'role-connections',
      subject,
      status: ok ? 'ok' : 'drift',
      planned: r.connectionLimit,
      live: count,
      arithmetic: [
        `${count} connections as ${r.name}${conns.length ? ` (by application_name: ${byApp})` : ''} ${ok ? '≤' : '>'} limit ${r.connectionLimit}`,
        share,
      ],
      ...(ok
        ? {}
        : { fix: `stop the extra client; list them with ${psql(`SELECT pid, application_name, client_addr, backend_start FROM pg_stat_activity WHERE usename = '${r.name}' ORDER BY backend_start`)}` }),
    });
  }
  return out;
}

/** The setting lines, then two lines per planned role (its limit, its connections). */
export function comparePostgres(input: PostgresInput): LiveCheck[] {
  if (!input.ctx.postgres) return [];
  return [...compareSettings(input), ...compareRoles(input)];
}
