import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_SCHEMA_VERSION, renderDashboards } from '../../lib/render/grafana-dashboards.js';
import {
  PROMETHEUS_DATASOURCE_UID,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasource,
} from '../../lib/render/grafana-provisioning.js';
import { contextOf } from '../helpers/monitoring.js';
import { allDashboards, stacks, type Dashboard } from '../helpers/dashboards.js';

/**
 * Every metric name a panel may use: what the stack really exports.
 * - the reference backend, examples/backend/app.py (prometheus_client): http_requests_total
 *   {service,path,status}, http_request_duration_seconds (histogram), the pool gauges, and the
 *   client's default process collector;
 * - Prometheus itself: `up`;
 * - postgres_exporter (github.com/prometheus-community/postgres_exporter, pg_stat_activity collector);
 * - redis_exporter (github.com/oliver006/redis_exporter: INFO clients / memory);
 * - nginx-prometheus-exporter (github.com/nginxinc/nginx-prometheus-exporter, stub_status metrics);
 * - pgbouncer_exporter (github.com/prometheus-community/pgbouncer_exporter, SHOW POOLS).
 */
const BACKEND_METRICS = [
  'http_requests_total',
  'http_request_duration_seconds_bucket',
  'http_request_duration_seconds_sum',
  'http_request_duration_seconds_count',
  'backend_db_pool_checked_out',
  'backend_redis_pool_open',
  'backend_connections_active',
];
const ALLOWED_METRICS = new Set([
  ...BACKEND_METRICS,
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'process_virtual_memory_bytes',
  'process_open_fds',
  'up',
  'pg_up',
  'pg_stat_activity_count',
  'pg_settings_max_connections',
  'redis_up',
  'redis_connected_clients',
  'redis_config_maxclients',
  'redis_memory_used_bytes',
  'nginx_up',
  'nginx_connections_active',
  'nginx_connections_accepted',
  'nginx_connections_handled',
  'nginx_connections_reading',
  'nginx_connections_writing',
  'nginx_connections_waiting',
  'nginx_http_requests_total',
  'pgbouncer_up',
  'pgbouncer_pools_client_active_connections',
  'pgbouncer_pools_client_waiting_connections',
  'pgbouncer_pools_server_active_connections',
]);

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'or', 'and', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or strings. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => !m[2] && !KEYWORDS.has(m[1]!.toLowerCase()))
    .map((m) => m[1]!);
  return [...new Set(names)];
}

describe('Grafana dashboards', () => {
  const dashboards = allDashboards();

  it('are the three seed dashboards', () => {
    const titles = [...renderDashboards(contextOf(stacks.plain), 'uns').values()].map((t) => (JSON.parse(t) as Dashboard).title);
    expect(titles).toEqual(['uns: Backend Performance', 'uns: Infrastructure', 'uns: Load Balancing']);
  });

  it('have the provisioning fields Grafana needs: uid, title, schemaVersion, panels with the datasource uid', () => {
    for (const { name, d } of dashboards) {
      expect(d.uid, name).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect(d.title, name).toBeTruthy();
      expect(d.schemaVersion, name).toBe(DASHBOARD_SCHEMA_VERSION);
      expect(d.panels.length, name).toBeGreaterThan(0);
      expect(new Set(d.panels.map((p) => p.id)).size, name).toBe(d.panels.length);
      for (const p of d.panels) {
        expect(p.datasource.uid, `${name} ${p.title}`).toBe(PROMETHEUS_DATASOURCE_UID);
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.datasource.uid).toBe(PROMETHEUS_DATASOURCE_UID);
      }
    }
  });

  it('are deterministic', () => {
    expect(allDashboards().map((x) => x.text)).toEqual(dashboards.map((x) => x.text));
  });

  it('query only metrics the stack exports', () => {
    const used = new Set<string>();
    for (const { name, d } of dashboards) {
      for (const p of d.panels) {
        for (const t of p.targets) {
          for (const m of metricNames(t.expr)) {
            used.add(m);
            expect(ALLOWED_METRICS.has(m), `${name} '${p.title}' uses ${m}: ${t.expr}`).toBe(true);
          }
        }
      }
    }
    // The panels: request rate, p95, 5xx, CPU and memory, distribution, DB connections.
    expect([...used]).toEqual(
      expect.arrayContaining([
        'http_requests_total',
        'http_request_duration_seconds_bucket',
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'pg_stat_activity_count',
        'backend_db_pool_checked_out',
        'redis_connected_clients',
        'nginx_connections_active',
        'up',
      ]),
    );
  });

  it("takes the backend's metric names from the reference backend's code", () => {
    const app = join(import.meta.dirname, '..', '..', 'examples', 'backend', 'app.py');
    if (!existsSync(app)) return;
    const code = readFileSync(app, 'utf8');
    for (const m of BACKEND_METRICS) expect(code, m).toContain(`"${m.replace(/_(bucket|sum|count)$/, '')}"`);
  });

  it('metricNames finds metric names and skips functions, labels and keywords', () => {
    expect(
      metricNames('sum by (job, instance) (rate(http_requests_total{job="a",status=~"5.."}[5m])) / ignoring(instance) group_left sum by (job) (up)'),
    ).toEqual(['http_requests_total', 'up']);
  });
});

describe('Grafana provisioning', () => {
  it('provisions the Prometheus datasource with the uid the panels name, and a file dashboard provider', () => {
    expect(renderGrafanaDatasource('http://prometheus:9090')).toMatchInlineSnapshot(`
      "apiVersion: 1
      datasources:
        - name: Prometheus
          type: prometheus
          uid: prometheus
          access: proxy
          url: http://prometheus:9090
          isDefault: true
          editable: false
      "
    `);
    expect(renderGrafanaDashboardProvider('uns')).toMatchInlineSnapshot(`
      "apiVersion: 1
      providers:
        - name: scaleout
          folder: uns
          type: file
          disableDeletion: true
          allowUiUpdates: false
          options:
            path: /etc/grafana/dashboards
      "
    `);
  });
});
