import { stringify } from 'yaml';
import type { ResolvedBackend } from '../model/backend.js';
import type { RuleContext } from '../rules/rule.js';
import { EXPORTER_JOBS } from './prometheus-config.js';

/** A number as PromQL writes it: at most 3 decimals, no float noise (0.8 × 197 → 157.6). */
export function promNumber(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

/** The fewest healthy replicas a profile runs with: autoscale.min, or replicas. */
export function minReplicas(b: ResolvedBackend): number {
  return b.autoscale ? Math.min(b.autoscale.min, b.replicas) : b.replicas;
}

/** Thresholds the capacity alerts use, computed from the model; tests check them. */
export interface AlertThresholds {
  /** nearBudget × Postgres available connections. */
  readonly postgresConnections?: number;
  /** nearBudget × Redis maxclients. */
  readonly redisClients?: number;
  /** nearBudget × PgBouncer max_client_conn (per instance). */
  readonly pgbouncerClients?: number;
}

export function alertThresholds(ctx: RuleContext): AlertThresholds {
  const f = ctx.monitoring!.alerts.nearBudget;
  return {
    ...(ctx.postgres ? { postgresConnections: ctx.postgres.available * f } : {}),
    ...(ctx.redis ? { redisClients: ctx.redis.maxClients * f } : {}),
    ...(ctx.pooler ? { pgbouncerClients: ctx.pooler.maxClientConn * f } : {}),
  };
}

interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Renders the alert rules file for one profile, with thresholds computed from the model. */
export function renderAlertRules(ctx: RuleContext, stackName: string): string {
  const m = ctx.monitoring;
  if (!m) throw new Error('renderAlertRules: the stack has no Monitoring');
  const a = m.alerts;
  const pct = `${promNumber(a.nearBudget * 100)}%`;
  const t = alertThresholds(ctx);

  const availability: AlertRule[] = ctx.backends.flatMap((b) => [
    {
      alert: 'BackendInstanceDown',
      expr: `up{job="${b.id}"} == 0`,
      for: a.backendDownFor.toString(),
      labels: { severity: 'critical', backend: b.id },
      annotations: {
        summary: 'Backend instance is down',
        description: `{{ $labels.instance }} of ${b.id} has failed its scrapes for ${a.backendDownFor.toString()}.`,
      },
    },
    {
      alert: 'BackendReplicasBelowMinimum',
      // A stopped replica leaves DNS (and a deleted pod leaves discovery): its target goes
      // away instead of reporting up == 0, so this rule, not BackendInstanceDown, sees it.
      // `or vector(0)`: with every replica gone, count() is empty and would never fire.
      expr: `(count(up{job="${b.id}"} == 1) or vector(0)) < ${minReplicas(b)}`,
      for: a.backendDownFor.toString(),
      labels: { severity: 'critical', backend: b.id },
      annotations: {
        summary: `Fewer healthy ${b.id} replicas than the profile's minimum`,
        description: `{{ $value }} healthy ${b.id} replicas; profile ${ctx.profile} runs at least ${minReplicas(b)}.`,
      },
    },
  ]);
  availability.push({
    alert: 'HighErrorRate',
    expr: `rate(http_requests_total{status=~"5.."}[5m]) > ${promNumber(a.errorRate)}`,
    for: a.errorRateFor.toString(),
    labels: { severity: 'warning' },
    annotations: {
      summary: 'High error rate detected',
      description: '{{ $labels.instance }} answers {{ $value }} 5xx responses per second on {{ $labels.path }}.',
    },
  });

  const capacity: AlertRule[] = [];
  const capFor = a.capacityFor.toString();
  if (ctx.postgres && t.postgresConnections !== undefined) {
    const pg = ctx.postgres;
    capacity.push({
      alert: 'PostgresConnectionsNearBudget',
      expr: `sum(pg_stat_activity_count{job="${EXPORTER_JOBS.postgres}"}) > ${promNumber(t.postgresConnections)}`,
      for: capFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: `PostgreSQL connections above ${pct} of the budget`,
        description: `{{ $value }} connections; available ${pg.available} (max_connections ${pg.maxConnections} − superuser_reserved ${pg.superuserReservedConnections} − reserved ${pg.reservedConnections}).`,
      },
    });
  }
  if (ctx.pooler && t.pgbouncerClients !== undefined) {
    capacity.push({
      alert: 'PgBouncerClientsNearLimit',
      expr: `sum by (instance) (pgbouncer_pools_client_active_connections{job="${EXPORTER_JOBS.pgbouncer}"}) + sum by (instance) (pgbouncer_pools_client_waiting_connections{job="${EXPORTER_JOBS.pgbouncer}"}) > ${promNumber(t.pgbouncerClients)}`,
      for: capFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: `PgBouncer client connections above ${pct} of max_client_conn`,
        description: `{{ $value }} client connections on {{ $labels.instance }}; max_client_conn ${ctx.pooler.maxClientConn}.`,
      },
    });
  }
  if (ctx.redis && t.redisClients !== undefined) {
    capacity.push({
      alert: 'RedisClientsNearLimit',
      expr: `sum(redis_connected_clients{job="${EXPORTER_JOBS.redis}"}) > ${promNumber(t.redisClients)}`,
      for: capFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: `Redis clients above ${pct} of maxclients`,
        description: `{{ $value }} clients; maxclients ${ctx.redis.maxClients}.`,
      },
    });
  }

  const nginx: AlertRule[] = ctx.nginx
    ? [
        {
          alert: 'NginxUpstreamErrors',
          // stub_status has no upstream status codes: nginx down, or connections it accepted
          // but could not handle (worker_connections exhausted), are what it can see.
          expr: `nginx_up{job="${EXPORTER_JOBS.nginx}"} == 0 or (rate(nginx_connections_accepted{job="${EXPORTER_JOBS.nginx}"}[5m]) - rate(nginx_connections_handled{job="${EXPORTER_JOBS.nginx}"}[5m])) > 0`,
          for: capFor,
          labels: { severity: 'warning' },
          annotations: {
            summary: 'nginx is down or dropping connections',
            description: 'nginx_up is 0, or nginx accepts connections it does not handle (worker_connections exhausted).',
          },
        },
      ]
    : [];

  const groups = [
    { name: `${stackName}-availability`, rules: availability },
    ...(capacity.length ? [{ name: `${stackName}-capacity`, rules: capacity }] : []),
    ...(nginx.length ? [{ name: `${stackName}-nginx`, rules: nginx }] : []),
  ];
  const header = `# Generated by scaleout for stack '${stackName}' (profile ${ctx.profile}). Thresholds come from the model.`;
  return [header, stringify({ groups }, { lineWidth: 0 })].join('\n');
}
