/**
 * Compose services of the Monitoring construct: Prometheus, Grafana and one exporter per
 * scraped dependency. Only added when the stack has Monitoring.
 */
import { POSTGRES_PORT } from '../../model/postgres.js';
import { REDIS_PORT } from '../../model/redis.js';
import { EXPORTER_PORTS, MONITORING_SERVICES, type ResolvedMonitoring } from '../../model/monitoring.js';
import type { ResolvedNginx } from '../../model/nginx.js';
import type { ResolvedPgBouncer } from '../../model/pgbouncer.js';
import type { ResolvedPostgres } from '../../model/postgres.js';
import type { ResolvedRedis } from '../../model/redis.js';
import { GRAFANA_DASHBOARDS_DIR } from '../../render/grafana-provisioning.js';
import { resolveResources } from '../../model/resources.js';
import { APP_NETWORK, DATA_NETWORK, deploy, secretPath, type ComposeService } from './services.js';

/** Where the rendered Prometheus files are, inside its container. */
export const PROMETHEUS_CONFIG_DIR = '/etc/prometheus';

/** Limits every exporter runs with. */
export const EXPORTER_RESOURCES = resolveResources({ limits: { cpu: 0.25, memory: '128Mi' }, requests: { cpu: 0.05, memory: '32Mi' } });

/** Networks of a service reachable by a fixed DNS name even when its compose name gets a profile suffix. */
function aliased(name: string, base: string, networks: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(networks.map((n) => [n, name === base ? {} : { aliases: [base] }]));
}

/** Prometheus: mounts its directory, keeps its TSDB in a volume, reaches app and data networks. */
export function prometheusService(m: ResolvedMonitoring, dir: string, name: string, dependencies: Record<string, unknown>): ComposeService {
  const p = m.prometheus;
  return {
    image: p.image,
    command: [
      `--config.file=${PROMETHEUS_CONFIG_DIR}/prometheus.yml`,
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${p.retention}`,
      `--web.listen-address=:${p.port}`,
    ],
    ports: [`${p.port}:${p.port}`],
    volumes: [`./${dir}:${PROMETHEUS_CONFIG_DIR}:ro`, `${name}-data:/prometheus`],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    // busybox wget is in the prom/prometheus image.
    healthcheck: {
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${p.port}/-/ready`],
      interval: '10s',
      timeout: '5s',
      retries: 5,
      start_period: '10s',
    },
    deploy: deploy(p.resources),
    networks: aliased(name, MONITORING_SERVICES.prometheus, [APP_NETWORK, DATA_NETWORK]),
  };
}

/** Grafana on host port `grafana.port` (3000 inside); the admin password is read from a secret file. */
/** `name` is the compose service name; each Grafana variant keeps its own data volume. */
export function grafanaService(m: ResolvedMonitoring, dir: string, name: string, dependencies: Record<string, unknown>): ComposeService {
  const g = m.grafana;
  return {
    image: g.image,
    environment: {
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_SECURITY_ADMIN_USER: g.adminUser,
      // Only ever the secret: a literal adminPassword is refused (SO-GRAFANA-ADMIN) and, if
      // suppressed, still never written.
      GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath(g.adminPasswordSecret),
      GF_USERS_ALLOW_SIGN_UP: 'false',
    },
    ports: [`${g.port}:3000`],
    volumes: [
      `./${dir}/provisioning:/etc/grafana/provisioning:ro`,
      `./${dir}/dashboards:${GRAFANA_DASHBOARDS_DIR}:ro`,
      `${name}-data:/var/lib/grafana`,
    ],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    healthcheck: {
      test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:3000/api/health'],
      interval: '10s',
      timeout: '5s',
      retries: 5,
      start_period: '30s',
    },
    deploy: deploy(g.resources),
    networks: [APP_NETWORK],
    secrets: [g.adminPasswordSecret],
  };
}

/** nginx-prometheus-exporter reading nginx's stub_status server. */
export function nginxExporterService(
  m: ResolvedMonitoring,
  n: ResolvedNginx,
  nginxHost: string,
  name: string,
  dependencies: Record<string, unknown>,
): ComposeService {
  void n;
  return {
    image: m.exporters.nginx,
    command: [`--nginx.scrape-uri=http://${nginxHost}:${m.nginxStatusPort}/stub_status`, `--web.listen-address=:${EXPORTER_PORTS.nginx}`],
    expose: [String(EXPORTER_PORTS.nginx)],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    deploy: deploy(EXPORTER_RESOURCES),
    networks: aliased(name, MONITORING_SERVICES.nginxExporter, [APP_NETWORK]),
  };
}

/** postgres_exporter on the data network; the password comes from the Postgres secret file. */
export function postgresExporterService(
  m: ResolvedMonitoring,
  pg: ResolvedPostgres,
  pgHost: string,
  name: string,
  dependencies: Record<string, unknown>,
): ComposeService {
  return {
    image: m.exporters.postgres,
    environment: {
      DATA_SOURCE_PASS_FILE: secretPath(pg.passwordSecret),
      DATA_SOURCE_URI: `${pgHost}:${POSTGRES_PORT}/${pg.database}?sslmode=disable`,
      DATA_SOURCE_USER: pg.user,
    },
    expose: [String(EXPORTER_PORTS.postgres)],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    deploy: deploy(EXPORTER_RESOURCES),
    networks: aliased(name, MONITORING_SERVICES.postgresExporter, [DATA_NETWORK]),
    secrets: [pg.passwordSecret],
  };
}

/** redis_exporter (alpine image: a shell reads the password secret) on the data network. */
export function redisExporterService(
  m: ResolvedMonitoring,
  r: ResolvedRedis,
  redisHost: string,
  name: string,
  dependencies: Record<string, unknown>,
): ComposeService {
  return {
    image: m.exporters.redis,
    entrypoint: ['/bin/sh', '-c'],
    command: [`REDIS_PASSWORD="$(cat ${secretPath(r.passwordSecret)})" exec /redis_exporter`],
    environment: { REDIS_ADDR: `redis://${redisHost}:${REDIS_PORT}`, REDIS_EXPORTER_WEB_LISTEN_ADDRESS: `:${EXPORTER_PORTS.redis}` },
    expose: [String(EXPORTER_PORTS.redis)],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    deploy: deploy(EXPORTER_RESOURCES),
    networks: aliased(name, MONITORING_SERVICES.redisExporter, [DATA_NETWORK]),
    secrets: [r.passwordSecret],
  };
}

/**
 * pgbouncer_exporter on the data network. It logs in to the `pgbouncer` admin database as the
 * Postgres user, which the rendered pgbouncer.ini lists in `stats_users`.
 */
export function pgbouncerExporterService(
  m: ResolvedMonitoring,
  p: ResolvedPgBouncer,
  pg: ResolvedPostgres,
  poolerHost: string,
  name: string,
  dependencies: Record<string, unknown>,
): ComposeService {
  const dsn = `postgres://${pg.user}:$(cat ${secretPath(pg.passwordSecret)})@${poolerHost}:${p.port}/pgbouncer?sslmode=disable`;
  return {
    image: m.exporters.pgbouncer,
    entrypoint: ['/bin/sh', '-c'],
    command: [`exec /bin/pgbouncer_exporter --pgBouncer.connectionString="${dsn}" --web.listen-address=:${EXPORTER_PORTS.pgbouncer}`],
    expose: [String(EXPORTER_PORTS.pgbouncer)],
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    deploy: deploy(EXPORTER_RESOURCES),
    networks: aliased(name, MONITORING_SERVICES.pgbouncerExporter, [DATA_NETWORK]),
    secrets: [pg.passwordSecret],
  };
}
