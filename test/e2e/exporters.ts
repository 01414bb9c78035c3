/**
 * The stack's exporters on loopback, with the settings of their compose services (read from
 * the synthesized docker-compose.yml; only hosts, ports and secret paths are rewritten, as the
 * harness does for backends).
 *
 * - postgres_exporter and redis_exporter are Debian's builds of the programs the compose file
 *   runs (0.11.1 and 1.45, where the file pins v0.15.0 and the oliver006 image).
 * - The compose file runs prometheuscommunity/pgbouncer-exporter v0.9.0 (Go, lib/pq, one
 *   connection: `SetMaxOpenConns(1)`). Debian packages a different, Python exporter (1.7),
 *   which holds one psycopg2 connection to the admin console; pgbouncer_exporter_debian.py
 *   runs it without the one collector that breaks on PgBouncer 1.18.
 *
 * Each exporter's sessions carry its compose service name as application_name (PGAPPNAME, read
 * by lib/pq and libpq), so the server side can tell them from the app's.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { MONITORING_SERVICES } from '../../lib/model/monitoring.js';
import { loopbackUrl } from './compose-file.js';
import { PYTHON, type E2eStack } from './harness.js';
import { freePorts, requireBinary, sleep, spawnGroup, tcpOpen, waitFor, type Group } from './processes.js';

export const POSTGRES_EXPORTER_BIN = process.env['POSTGRES_EXPORTER_BIN'] ?? '/usr/bin/prometheus-postgres-exporter';
export const REDIS_EXPORTER_BIN = process.env['REDIS_EXPORTER_BIN'] ?? '/usr/bin/prometheus-redis-exporter';
/** The Debian package's Python module, which the stand-in imports. */
export const PGBOUNCER_EXPORTER_MODULE = '/usr/lib/python3/dist-packages/prometheus_pgbouncer_exporter/utils.py';
const PGBOUNCER_STANDIN = fileURLToPath(new URL('./pgbouncer_exporter_debian.py', import.meta.url));

export interface Exporter {
  /** Its compose service name, also its sessions' application_name. */
  readonly service: string;
  readonly port: number;
  readonly group: Group;
  /** One scrape, as Prometheus does it; throws unless the body shows the exporter reached its server (`upMetric`). */
  scrape(): Promise<string>;
}

export interface Exporters {
  readonly postgres?: Exporter;
  readonly redis?: Exporter;
  readonly pgbouncer?: Exporter;
}

/**
 * Starts every exporter compose enables under the harness's profile that holds a connection
 * (postgres, redis, pgbouncer), and hands them to `h` to stop.
 */
export async function startExporters(h: E2eStack): Promise<Exporters> {
  const enabled = h.enabled();
  const find = (id: string) => enabled.find((n) => n === id || n.startsWith(`${id}-`));
  const pg = find(MONITORING_SERVICES.postgresExporter);
  const redis = find(MONITORING_SERVICES.redisExporter);
  const bouncer = find(MONITORING_SERVICES.pgbouncerExporter);
  const [pgPort, redisPort, bouncerPort] = await freePorts(3);
  const [postgres, r, b] = await Promise.all([
    pg ? startPostgresExporter(h, pg, pgPort!) : undefined,
    redis ? startRedisExporter(h, redis, redisPort!) : undefined,
    bouncer ? startPgBouncerExporter(h, bouncer, bouncerPort!) : undefined,
  ]);
  return { ...(postgres ? { postgres } : {}), ...(r ? { redis: r } : {}), ...(b ? { pgbouncer: b } : {}) };
}

function environmentOf(h: E2eStack, service: string): Record<string, string> {
  return h.compose.services[service]!.environment ?? {};
}

/** The secret a compose shell command reads with `$(cat /run/secrets/<name>)`. */
function catSecret(h: E2eStack, service: string): string {
  const text = [h.compose.services[service]!.command ?? []].flat().join(' ');
  const name = /cat \/run\/secrets\/([^)\s"]+)/.exec(text)?.[1];
  const value = name === undefined ? undefined : h.secrets.get(name);
  if (value === undefined) throw new Error(`${service}: no secret read in its command: ${text}`);
  return value;
}

async function run(h: E2eStack, service: string, cmd: string, args: string[], env: Record<string, string>, port: number, upMetric: RegExp): Promise<Exporter> {
  const group = spawnGroup(service, cmd, args, join(h.dir, 'logs', `${service}.log`), {
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', PGAPPNAME: service, ...env },
  });
  h.adopt(group);
  await waitFor(`${service} listening`, async () => ((await tcpOpen(port)) ? true : undefined), 20_000, group);
  return {
    service,
    port,
    group,
    async scrape() {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
      const body = await res.text();
      if (!res.ok || !upMetric.test(body)) throw new Error(`${service}: scrape ${res.status} without ${upMetric}:\n${body.slice(0, 400)}`);
      return body;
    },
  };
}

function startPostgresExporter(h: E2eStack, service: string, port: number): Promise<Exporter> {
  requireBinary(POSTGRES_EXPORTER_BIN, 'apt-get install -y prometheus-postgres-exporter');
  const env = environmentOf(h, service);
  // DATA_SOURCE_URI is `host:port/db?…`, without a scheme.
  const uri = loopbackUrl(`postgresql://${env['DATA_SOURCE_URI']}`, h.hosts).slice('postgresql://'.length);
  return run(
    h,
    service,
    POSTGRES_EXPORTER_BIN,
    [`--web.listen-address=127.0.0.1:${port}`],
    { DATA_SOURCE_URI: uri, DATA_SOURCE_USER: env['DATA_SOURCE_USER']!, DATA_SOURCE_PASS_FILE: h.secretFile(env['DATA_SOURCE_PASS_FILE']!) },
    port,
    /^pg_up 1$/m,
  );
}

function startRedisExporter(h: E2eStack, service: string, port: number): Promise<Exporter> {
  requireBinary(REDIS_EXPORTER_BIN, 'apt-get install -y prometheus-redis-exporter');
  const env = environmentOf(h, service);
  return run(
    h,
    service,
    REDIS_EXPORTER_BIN,
    [],
    { REDIS_ADDR: loopbackUrl(env['REDIS_ADDR']!, h.hosts), REDIS_PASSWORD: catSecret(h, service), REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `127.0.0.1:${port}` },
    port,
    /^redis_up 1$/m,
  );
}

function startPgBouncerExporter(h: E2eStack, service: string, port: number): Promise<Exporter> {
  requireBinary(PYTHON, 'apt-get install -y python3');
  requireBinary(PGBOUNCER_EXPORTER_MODULE, 'apt-get install -y prometheus-pgbouncer-exporter');
  const text = [h.compose.services[service]!.command ?? []].flat().join(' ');
  const dsn = /PGBOUNCER_EXPORTER_CONNECTION_STRING="([^"]+)"/.exec(text)?.[1];
  if (!dsn) throw new Error(`${service}: no PGBOUNCER_EXPORTER_CONNECTION_STRING in ${text}`);
  const u = new URL(loopbackUrl(dsn.replace(/:\$\$\(cat [^)]+\)@/, '@'), h.hosts));
  // The Debian exporter always opens the admin console, `pgbouncer`, as the DSN does.
  if (u.pathname !== '/pgbouncer') throw new Error(`${service}: expected the pgbouncer admin database in ${dsn}`);
  return run(h, service, PYTHON, [PGBOUNCER_STANDIN, String(port), u.hostname, u.port, decodeURIComponent(u.username)], { PGPASSWORD: catSecret(h, service) }, port, /^pgbouncer_databases \d/m);
}

export interface ScrapePeak {
  /** Most connections seen at once, during and between the scrapes. */
  readonly peak: number;
  /** Connections held once the scrapes are over. */
  readonly held: number;
  readonly samples: number;
  readonly scrapes: number;
}

/**
 * Scrapes `e` `times` times, one after another as a Prometheus does, while `count` samples the
 * server side back to back (an exporter that connects per scrape is seen while it scrapes).
 */
export async function peakWhileScraping(e: Exporter, count: () => Promise<number>, times = 6): Promise<ScrapePeak> {
  let peak = await count();
  let samples = 1;
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      peak = Math.max(peak, await count());
      samples++;
    }
  })();
  try {
    for (let i = 0; i < times; i++) {
      await e.scrape();
      await sleep(100);
    }
  } finally {
    stop = true;
    await sampler;
  }
  return { peak, held: await count(), samples, scrapes: times };
}

/** Scrapes `e` every `everyMs` ms in the background, as Prometheus would, until `stop()`. */
export function scrapeEvery(e: Exporter, everyMs = 250): { stop(): Promise<{ scrapes: number; failures: string[] }> } {
  let stop = false;
  let scrapes = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (!stop) {
      await e.scrape().then(
        () => scrapes++,
        (err: unknown) => failures.push(String(err)),
      );
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      return { scrapes, failures };
    },
  };
}
