import type { ResolvedProfile } from '../plan/profile.js';
import { alertThresholds, promNumber } from './alert-rules.js';
import { PROMETHEUS_DATASOURCE_UID } from './grafana-provisioning.js';
import { EXPORTER_JOBS } from './prometheus-config.js';

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** A time-series panel: title, unit, queries. */
export interface PanelSpec {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
}

/** A dashboard before it becomes Grafana JSON. */
export interface DashboardSpec {
  /** File name, `<slug>.json`. */
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const DATASOURCE = { type: 'prometheus', uid: PROMETHEUS_DATASOURCE_UID } as const;
/** The Grafana dashboard schema version the JSON is written for (Grafana 11.1). */
export const DASHBOARD_SCHEMA_VERSION = 39;

/** `job=~"api|jobs"`: every backend tier of the stack. */
function backendsMatcher(ctx: ResolvedProfile): string {
  return ctx.backends.length === 1 ? `job="${ctx.backends[0]!.id}"` : `job=~"${ctx.backends.map((b) => b.id).join('|')}"`;
}

/** The three seed dashboards (Backend Performance, Infrastructure, Load Balancing) for one profile. */
export function dashboardSpecs(ctx: ResolvedProfile, stackName: string): DashboardSpec[] {
  const jobs = backendsMatcher(ctx);
  const t = alertThresholds(ctx);
  const performance: PanelSpec[] = [
    {
      title: 'Request rate per instance',
      unit: 'reqps',
      queries: [{ expr: `sum by (job, instance) (rate(http_requests_total{${jobs}}[5m]))`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'p95 latency per instance',
      unit: 's',
      queries: [
        {
          expr: `histogram_quantile(0.95, sum by (job, instance, le) (rate(http_request_duration_seconds_bucket{${jobs}}[5m])))`,
          legend: '{{job}} {{instance}}',
        },
      ],
    },
    {
      title: '5xx rate per instance',
      unit: 'reqps',
      queries: [{ expr: `sum by (job, instance) (rate(http_requests_total{${jobs},status=~"5.."}[5m]))`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Requests in flight per instance',
      unit: 'short',
      queries: [{ expr: `sum by (job, instance) (backend_connections_active{${jobs}})`, legend: '{{job}} {{instance}}' }],
    },
  ];
  if (ctx.postgres) {
    performance.push({
      title: 'DB connections used against budget',
      unit: 'short',
      queries: [
        { expr: `sum(pg_stat_activity_count{job="${EXPORTER_JOBS.postgres}"})`, legend: 'postgres connections' },
        { expr: `sum by (job) (backend_db_pool_checked_out{${jobs}})`, legend: '{{job}} checked out' },
        { expr: `vector(${ctx.postgres.available})`, legend: 'available (budget)' },
        { expr: `vector(${promNumber(t.postgresConnections!)})`, legend: 'alert threshold' },
      ],
    });
  }

  const infra: PanelSpec[] = [
    {
      title: 'CPU per instance',
      unit: 'percentunit',
      queries: [{ expr: `rate(process_cpu_seconds_total{${jobs}}[5m])`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Memory per instance',
      unit: 'bytes',
      queries: [{ expr: `process_resident_memory_bytes{${jobs}}`, legend: '{{job}} {{instance}}' }],
    },
    {
      title: 'Targets up',
      unit: 'short',
      queries: [{ expr: 'sum by (job) (up)', legend: '{{job}}' }],
    },
  ];
  if (ctx.postgres) {
    infra.push({
      title: 'PostgreSQL connections by state',
      unit: 'short',
      queries: [{ expr: `sum by (state) (pg_stat_activity_count{job="${EXPORTER_JOBS.postgres}"})`, legend: '{{state}}' }],
    });
  }
  if (ctx.pooler) {
    infra.push({
      title: 'PgBouncer clients',
      unit: 'short',
      queries: [
        { expr: `sum(pgbouncer_pools_client_active_connections{job="${EXPORTER_JOBS.pgbouncer}"})`, legend: 'active' },
        { expr: `sum(pgbouncer_pools_client_waiting_connections{job="${EXPORTER_JOBS.pgbouncer}"})`, legend: 'waiting' },
        { expr: `sum(pgbouncer_pools_server_active_connections{job="${EXPORTER_JOBS.pgbouncer}"})`, legend: 'server active' },
      ],
    });
  }
  if (ctx.redis) {
    infra.push({
      title: 'Redis clients against maxclients',
      unit: 'short',
      queries: [
        { expr: `sum(redis_connected_clients{job="${EXPORTER_JOBS.redis}"})`, legend: 'connected clients' },
        { expr: `vector(${ctx.redis.maxClients})`, legend: 'maxclients' },
      ],
    });
    infra.push({
      title: 'Redis memory',
      unit: 'bytes',
      queries: [{ expr: `redis_memory_used_bytes{job="${EXPORTER_JOBS.redis}"}`, legend: 'used' }],
    });
  }

  const lb: PanelSpec[] = [
    {
      title: 'Upstream distribution per replica',
      unit: 'percentunit',
      queries: [
        {
          expr: `sum by (job, instance) (rate(http_requests_total{${jobs}}[1m])) / ignoring(instance) group_left sum by (job) (rate(http_requests_total{${jobs}}[1m]))`,
          legend: '{{job}} {{instance}}',
        },
      ],
    },
    {
      title: 'Healthy replicas',
      unit: 'short',
      queries: [{ expr: `count by (job) (up{${jobs}} == 1)`, legend: '{{job}}' }],
    },
  ];
  if (ctx.nginx) {
    const nj = `job="${EXPORTER_JOBS.nginx}"`;
    lb.push(
      {
        title: 'nginx connections',
        unit: 'short',
        queries: [
          { expr: `nginx_connections_active{${nj}}`, legend: 'active' },
          { expr: `nginx_connections_reading{${nj}}`, legend: 'reading' },
          { expr: `nginx_connections_writing{${nj}}`, legend: 'writing' },
          { expr: `nginx_connections_waiting{${nj}}`, legend: 'waiting' },
        ],
      },
      {
        title: 'nginx requests per second',
        unit: 'reqps',
        queries: [{ expr: `rate(nginx_http_requests_total{${nj}}[5m])`, legend: 'requests' }],
      },
    );
  }

  const slug = (s: string) => `${stackName}-${s}`;
  return [
    { file: 'backend-performance.json', uid: slug('backend-performance'), title: `${stackName}: Backend Performance`, panels: performance },
    { file: 'infrastructure.json', uid: slug('infrastructure'), title: `${stackName}: Infrastructure`, panels: infra },
    { file: 'load-balancing.json', uid: slug('load-balancing'), title: `${stackName}: Load Balancing`, panels: lb },
  ];
}

/** Grafana dashboard JSON: uid, title, schemaVersion, panels with the datasource uid. Deterministic. */
export function renderDashboard(d: DashboardSpec, stackName: string): string {
  const panels = d.panels.map((p, i) => ({
    id: i + 1,
    type: 'timeseries',
    title: p.title,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } },
    targets: p.queries.map((q, j) => ({
      refId: String.fromCharCode(65 + j),
      datasource: DATASOURCE,
      expr: q.expr,
      legendFormat: q.legend,
    })),
  }));
  const json = {
    uid: d.uid,
    title: d.title,
    tags: ['scaleout', stackName],
    timezone: 'browser',
    editable: false,
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    panels,
  };
  return JSON.stringify(json, null, 2) + '\n';
}

/** Every dashboard of a profile: file name → JSON. */
export function renderDashboards(ctx: ResolvedProfile, stackName: string): Map<string, string> {
  return new Map(dashboardSpecs(ctx, stackName).map((d) => [d.file, renderDashboard(d, stackName)]));
}
