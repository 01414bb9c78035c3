/**
 * Reads PostgreSQL's connection facts with one query: the settings that make up `available`,
 * every login role's CONNECTION LIMIT, and the client connections per role and
 * application_name. The same query runs through `pg` (`--postgres-url`) or through psql in
 * the db container (Docker API exec), so both paths parse one JSON answer.
 */
import * as z from 'zod';
import type { PostgresFacts } from './facts.js';
import { UnreachableError } from './facts.js';

/**
 * The facts as one JSON text. `reserved_connections` exists from PostgreSQL 16 on;
 * `current_setting(name, true)` gives NULL for it on 15. Only client backends count: the
 * server's own processes take no ordinary slot.
 */
export const FACTS_SQL = `SELECT json_build_object(
  'serverVersion', current_setting('server_version_num')::int,
  'maxConnections', current_setting('max_connections')::int,
  'superuserReservedConnections', current_setting('superuser_reserved_connections')::int,
  'reservedConnections', current_setting('reserved_connections', true)::int,
  'roles', COALESCE((SELECT json_agg(json_build_object('name', rolname, 'connectionLimit', rolconnlimit) ORDER BY rolname)
    FROM pg_roles WHERE rolcanlogin), '[]'::json),
  'connections', COALESCE((SELECT json_agg(json_build_object('role', r, 'applicationName', a, 'count', n) ORDER BY r, a)
    FROM (SELECT usename AS r, COALESCE(application_name, '') AS a, count(*)::int AS n FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND usename IS NOT NULL GROUP BY 1, 2) c), '[]'::json)
)::text AS facts`;

const int = z.number().int();
const factsSchema = z.object({
  serverVersion: int,
  maxConnections: int,
  superuserReservedConnections: int,
  reservedConnections: int.nullish(),
  roles: z.array(z.object({ name: z.string(), connectionLimit: int })),
  connections: z.array(z.object({ role: z.string(), applicationName: z.string(), count: int })),
});

/** The query's JSON answer → facts; a malformed answer names what it was. */
export function parseFacts(text: string, source: string): PostgresFacts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UnreachableError(`${source}: the facts query did not answer JSON: ${JSON.stringify(text.slice(0, 120))}`);
  }
  const r = factsSchema.safeParse(data);
  if (!r.success) throw new UnreachableError(`${source}: unexpected answer to the facts query: ${z.prettifyError(r.error).split('\n')[0]}`);
  const { reservedConnections, ...rest } = r.data;
  return { ...rest, ...(reservedConnections === null || reservedConnections === undefined ? {} : { reservedConnections }) };
}

/** `postgres://user:secret@host/db` → `postgres://***@host/db`, for messages. */
export function maskPostgresUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/**
 * Reads the facts through `pg` over `url` (a port-forward, or a route to the server). It
 * first connects as a walsender (`replication=database`): that session counts against
 * max_wal_senders, not max_connections, so a saturated server (the case check is for) is
 * still read. A role without REPLICATION is refused that, and check connects as an ordinary
 * client, taking one slot.
 */
export async function readPostgresUrl(url: string, timeoutMs = 10_000): Promise<PostgresFacts> {
  const { default: pg } = await import('pg');
  const where = maskPostgresUrl(url);
  const connect = async (replication: boolean) => {
    const client = new pg.Client({
      connectionString: url,
      application_name: 'scaleout check --live',
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
      ...(replication ? { replication: 'database' } : {}),
    });
    // A dropped connection after connect() emits 'error' on the client; without a listener it would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  let client;
  try {
    client = await connect(true).catch((e: Error & { code?: string }) => {
      // 42501: the role may not start a walsender; 08P01/28000: the server refuses replication here.
      if (e.code === '42501' || e.code === '28000' || /replication|walsender/i.test(e.message)) return connect(false);
      throw e;
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    const saturated = err.code === '53300' ? ' (no free connection slot: the server is saturated; give the monitoring role REPLICATION so check reads it without a slot)' : '';
    throw new UnreachableError(`cannot reach PostgreSQL at ${where}: ${err.code && !err.message.includes(err.code) ? `${err.code} ` : ''}${err.message}${saturated}`);
  }
  try {
    // Simple query protocol (no parameters): the only one a walsender session speaks.
    const res = await client.query<{ facts: string }>(FACTS_SQL);
    return parseFacts(res.rows[0]!.facts, `PostgreSQL at ${where}`);
  } catch (e) {
    if (e instanceof UnreachableError) throw e;
    throw new UnreachableError(`PostgreSQL at ${where}: the facts query failed: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
