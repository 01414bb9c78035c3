/**
 * The Monitoring construct's Docker services as `ServiceSpec`s: Prometheus, Grafana and one
 * exporter per scraped dependency. Each is reachable by its fixed name (MONITORING_SERVICES),
 * which the Prometheus config and the Grafana datasource use.
 */
import { EXPORTER_PORTS, MONITORING_SERVICES, type ResolvedMonitoring } from '../model/monitoring.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import { POSTGRES_PORT, type ResolvedPostgres } from '../model/postgres.js';
import { REDIS_PORT, type ResolvedRedis } from '../model/redis.js';
import { resolveResources } from '../model/resources.js';
import { EXPORTER_ROLE, PGBOUNCER_EXPORTER_USER, rolePasswordSecret } from '../plan/roles.js';
import { Duration } from '../units/index.js';
import { APP_NETWORK, DATA_NETWORK, secretPath, type ServiceNetwork, type ServiceRestart, type ServiceSpec } from './docker-services.js';
import { GRAFANA_DASHBOARDS_DIR } from './grafana-provisioning.js';

/** Where the rendered Prometheus files are, inside its container. */
export const PROMETHEUS_CONFIG_DIR = '/etc/prometheus';

/** Where Grafana reads its provisioning files. */
export const GRAFANA_PROVISIONING_DIR = '/etc/grafana/provisioning';

/** Limits every exporter runs with. */
export const EXPORTER_RESOURCES = resolveResources({ limits: { cpu: 0.25, memory: '128Mi' }, requests: { cpu: 0.05, memory: '32Mi' } });

const ALWAYS: ServiceRestart = { condition: 'any' };
const s = (n: number): Duration => Duration.seconds(n);

/** The fixed name `alias` on each of `networks`. */
const aliased = (alias: string, networks: readonly string[]): ServiceNetwork[] => networks.map((name) => ({ name, aliases: [alias] }));

/** Prometheus: its config directory mounted, its TSDB in a volume, on the app and data networks. */
export function prometheusSpec(m: ResolvedMonitoring, dir: string, name: string): ServiceSpec {
  const p = m.prometheus;
  return {
    image: p.image,
    command: [
      `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${p.retention}`,
      `--web.listen-address=:${p.port}`,
    ],
    ports: [{ host: p.port, container: p.port }],
    files: [{ file: dir, path: PROMETHEUS_CONFIG_DIR }],
    volumes: [{ name: `${name}-data`, path: '/prometheus', readOnly: false }],
    // busybox wget is in the prom/prometheus image.
    health: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${p.port}/-/ready`], interval: s(10), timeout: s(5), retries: 5, startPeriod: s(10) },
    resources: p.resources,
    restart: ALWAYS,
    networks: aliased(MONITORING_SERVICES.prometheus, [APP_NETWORK, DATA_NETWORK]),
  };
}

/**
 * Grafana on host port `grafana.port` (3000 inside); the admin password is read from a secret
 * file. `name` is the service's own name; each Grafana variant keeps its own data volume.
 */
export function grafanaSpec(m: ResolvedMonitoring, dir: string, name: string): ServiceSpec {
  const g = m.grafana;
  return {
    image: g.image,
    env: {
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_SECURITY_ADMIN_USER: g.adminUser,
      // Only ever the secret: a literal adminPassword is refused (SO-GRAFANA-ADMIN) and, if
      // suppressed, still never written.
      GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath(g.adminPasswordSecret),
      GF_USERS_ALLOW_SIGN_UP: 'false',
    },
    ports: [{ host: g.port, container: 3000 }],
    files: [
      { file: `${dir}/provisioning`, path: GRAFANA_PROVISIONING_DIR },
      { file: `${dir}/dashboards`, path: GRAFANA_DASHBOARDS_DIR },
    ],
    volumes: [{ name: `${name}-data`, path: '/var/lib/grafana', readOnly: false }],
    health: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:3000/api/health'], interval: s(10), timeout: s(5), retries: 5, startPeriod: s(30) },
    resources: g.resources,
    restart: ALWAYS,
    networks: [{ name: APP_NETWORK, aliases: [] }],
    secrets: [g.adminPasswordSecret],
  };
}

/** What every exporter shares: its port exposed, fixed limits, no healthcheck. */
function exporter(image: string, port: number, alias: string, network: string): Pick<ServiceSpec, 'image' | 'expose' | 'resources' | 'restart' | 'networks'> {
  return { image, expose: [port], resources: EXPORTER_RESOURCES, restart: ALWAYS, networks: aliased(alias, [network]) };
}

/** nginx-prometheus-exporter reading nginx's stub_status server at `nginxHost`. */
export function nginxExporterSpec(m: ResolvedMonitoring, nginxHost: string): ServiceSpec {
  return {
    ...exporter(m.exporters.nginx, EXPORTER_PORTS.nginx, MONITORING_SERVICES.nginxExporter, APP_NETWORK),
    command: [`--nginx.scrape-uri=http://${nginxHost}:${m.nginxStatusPort}/stub_status`, `--web.listen-address=:${EXPORTER_PORTS.nginx}`],
  };
}

/** postgres_exporter on the data network, as its own role (`pg_monitor`, CONNECTION LIMIT 2). */
export function postgresExporterSpec(m: ResolvedMonitoring, pg: ResolvedPostgres, pgHost: string): ServiceSpec {
  const secret = rolePasswordSecret(EXPORTER_ROLE);
  return {
    ...exporter(m.exporters.postgres, EXPORTER_PORTS.postgres, MONITORING_SERVICES.postgresExporter, DATA_NETWORK),
    env: {
      DATA_SOURCE_PASS_FILE: secretPath(secret),
      DATA_SOURCE_URI: `${pgHost}:${POSTGRES_PORT}/${pg.database}?sslmode=disable`,
      DATA_SOURCE_USER: EXPORTER_ROLE,
    },
    secrets: [secret],
  };
}

/** redis_exporter (alpine image: a shell reads the password secret) on the data network. */
export function redisExporterSpec(m: ResolvedMonitoring, r: ResolvedRedis, redisHost: string): ServiceSpec {
  return {
    ...exporter(m.exporters.redis, EXPORTER_PORTS.redis, MONITORING_SERVICES.redisExporter, DATA_NETWORK),
    entrypoint: ['/bin/sh', '-c'],
    command: [`REDIS_PASSWORD="$(cat ${secretPath(r.passwordSecret)})" exec /redis_exporter`],
    env: { REDIS_ADDR: `redis://${redisHost}:${REDIS_PORT}`, REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${EXPORTER_PORTS.redis}` },
    secrets: [r.passwordSecret],
  };
}

/**
 * pgbouncer_exporter on the data network. It logs in to the `pgbouncer` admin database as a
 * user of its own, which the rendered pgbouncer.ini lists in `stats_users`. The DSN holds the
 * password, so it goes in the exporter's environment (its PGBOUNCER_EXPORTER_CONNECTION_STRING),
 * never on a command line that `ps` or `docker top` shows.
 */
export function pgbouncerExporterSpec(m: ResolvedMonitoring, p: ResolvedPgBouncer, poolerHost: string): ServiceSpec {
  const secret = rolePasswordSecret(PGBOUNCER_EXPORTER_USER);
  const dsn = `postgres://${PGBOUNCER_EXPORTER_USER}:$(cat ${secretPath(secret)})@${poolerHost}:${p.port}/pgbouncer?sslmode=disable`;
  return {
    ...exporter(m.exporters.pgbouncer, EXPORTER_PORTS.pgbouncer, MONITORING_SERVICES.pgbouncerExporter, DATA_NETWORK),
    entrypoint: ['/bin/sh', '-c'],
    command: [`PGBOUNCER_EXPORTER_CONNECTION_STRING="${dsn}" exec /bin/pgbouncer_exporter --web.listen-address=:${EXPORTER_PORTS.pgbouncer}`],
    secrets: [secret],
  };
}
