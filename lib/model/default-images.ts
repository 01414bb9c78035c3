/**
 * The one place every default image lives, each pinned to an exact patch version (a
 * floating tag such as `postgres:16-alpine` changes under a running stack on its next pull).
 * The model files read these; README "Default images" lists them, and
 * test/model/default-images.test.ts checks both. scripts/compose-up/setup.sh tags its
 * stand-ins with the same names.
 */
export const DEFAULT_IMAGES = {
  /** nginx; Kubernetes runs the nginxinc/nginx-unprivileged image of the same version. */
  nginx: 'nginx:1.28.0-alpine',
  /** PostgreSQL 16. */
  postgres: 'postgres:16.10-alpine',
  /** Redis 7.2. */
  redis: 'redis:7.2.11-alpine',
  /** PgBouncer. */
  pgbouncer: 'edoburu/pgbouncer:v1.23.1-p2',
  /** Prometheus. */
  prometheus: 'prom/prometheus:v2.53.0',
  /** Grafana. */
  grafana: 'grafana/grafana:11.1.0',
  /** postgres_exporter. */
  postgresExporter: 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0',
  /** redis_exporter (the alpine variant: a shell reads the password secret). */
  redisExporter: 'oliver006/redis_exporter:v1.62.0-alpine',
  /** nginx-prometheus-exporter. */
  nginxExporter: 'nginx/nginx-prometheus-exporter:1.3.0',
  /** pgbouncer_exporter. */
  pgbouncerExporter: 'prometheuscommunity/pgbouncer-exporter:v0.9.0',
} as const;
