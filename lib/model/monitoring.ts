import type { Construct } from 'constructs';
import { z } from 'zod';
import { Duration } from '../units/index.js';
import type { DeepPartial, ResolvedResources, ResourcesProps } from './common.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';
import { dnsLabel, durationSchema, labelsSchema, portSchema, resourcesSchema, secretName, suppressionsSchema, imageRef } from './schema-kit.js';
import { DEFAULT_IMAGES } from './default-images.js';

/** Prometheus settings. */
export interface PrometheusProps {
  /**
   * Image reference.
   *
   * @default 'prom/prometheus:v2.53.0'
   */
  readonly image?: string;
  /**
   * Port Prometheus serves its UI and API on (published on the host by compose).
   *
   * @default 9090
   */
  readonly port?: number;
  /**
   * `global.scrape_interval` (and `evaluation_interval`).
   *
   * @default '15s'
   */
  readonly scrapeInterval?: string;
  /**
   * `--storage.tsdb.retention.time`, in Prometheus units (`15d`, `2w`, `12h`).
   *
   * @default '15d'
   */
  readonly retention?: string;
  /**
   * Container resources.
   *
   * @default - limits 1 cpu / 1Gi, requests 0.1 cpu / 256Mi
   */
  readonly resources?: ResourcesProps;
}

/** Grafana settings. */
export interface GrafanaProps {
  /**
   * Image reference.
   *
   * @default 'grafana/grafana:11.1.0'
   */
  readonly image?: string;
  /**
   * Host port Grafana is published on (it listens on 3000 inside its container).
   *
   * @default 3001
   */
  readonly port?: number;
  /**
   * Admin user name.
   *
   * @default 'admin'
   */
  readonly adminUser?: string;
  /**
   * Secret holding the admin password.
   *
   * @default 'grafana_admin_password'
   */
  readonly adminPasswordSecret?: string;
  /**
   * A literal admin password. Accepted only so SO-GRAFANA-ADMIN can refuse it (in every
   * profile) with a clear fix; it is never written to any output. Use `adminPasswordSecret`.
   *
   * @default - none (the secret is used)
   */
  readonly adminPassword?: string;
  /**
   * Container resources.
   *
   * @default - limits 0.5 cpu / 512Mi, requests 0.1 cpu / 128Mi
   */
  readonly resources?: ResourcesProps;
}

/** Thresholds and `for:` durations of the alert rules. */
export interface AlertsProps {
  /**
   * How long a backend replica is down before `BackendInstanceDown` fires (also the `for:`
   * of `BackendReplicasBelowMinimum`).
   *
   * @default '1m'
   */
  readonly backendDownFor?: string;
  /**
   * `for:` of `HighErrorRate`.
   *
   * @default '5m'
   */
  readonly errorRateFor?: string;
  /**
   * 5xx responses per second, per series, above which `HighErrorRate` fires (the seed's 0.05).
   *
   * @default 0.05
   */
  readonly errorRate?: number;
  /**
   * Fraction of a capacity (Postgres available connections, Redis maxclients, PgBouncer
   * client connections) above which the near-budget alerts fire.
   *
   * @default 0.8
   */
  readonly nearBudget?: number;
  /**
   * `for:` of the capacity and nginx alerts.
   *
   * @default '5m'
   */
  readonly capacityFor?: string;
}

/** Exporter images. */
export interface ExportersProps {
  /**
   * postgres_exporter image.
   *
   * @default 'quay.io/prometheuscommunity/postgres-exporter:v0.15.0'
   */
  readonly postgres?: string;
  /**
   * redis_exporter image (the alpine variant: a shell reads the password secret).
   *
   * @default 'oliver006/redis_exporter:v1.62.0-alpine'
   */
  readonly redis?: string;
  /**
   * nginx-prometheus-exporter image (reads nginx's stub_status).
   *
   * @default 'nginx/nginx-prometheus-exporter:1.3.0'
   */
  readonly nginx?: string;
  /**
   * pgbouncer_exporter image, used when the stack has a pooler.
   *
   * @default 'prometheuscommunity/pgbouncer-exporter:v0.9.0'
   */
  readonly pgbouncer?: string;
}

/**
 * Hands scraping and alerting to a cluster's prometheus-operator (kube-prometheus-stack and
 * the like). Kubernetes only: compose and Pulumi run their own Prometheus either way.
 */
export interface PrometheusOperatorProps {
  /**
   * Labels on every PodMonitor, ServiceMonitor and PrometheusRule: the ones the operator's
   * Prometheus selects (kube-prometheus-stack: `release: <its release name>`).
   *
   * @default {}
   */
  readonly labels?: Record<string, string>;
  /**
   * Namespace the operator's Prometheus runs in. The NetworkPolicies let scrapes in from
   * there, and from nowhere else.
   *
   * @default 'monitoring'
   */
  readonly namespace?: string;
}

/** Props of {@link Monitoring}. */
export interface MonitoringProps {
  /**
   * Prometheus settings.
   *
   * @default {}
   */
  readonly prometheus?: PrometheusProps;
  /**
   * Grafana settings.
   *
   * @default {}
   */
  readonly grafana?: GrafanaProps;
  /**
   * Alert thresholds.
   *
   * @default {}
   */
  readonly alerts?: AlertsProps;
  /**
   * Exporter images.
   *
   * @default {}
   */
  readonly exporters?: ExportersProps;
  /**
   * Port nginx serves `stub_status` on for the nginx exporter (never published).
   *
   * @default 8081
   */
  readonly nginxStatusPort?: number;
  /**
   * On Kubernetes, emit PodMonitor, ServiceMonitor and PrometheusRule objects for the
   * cluster's prometheus-operator, and the dashboards as ConfigMaps for its Grafana sidecar,
   * instead of running Prometheus and Grafana in the stack's namespace.
   *
   * @default - none: the stack runs its own Prometheus (pod discovery) and Grafana
   */
  readonly prometheusOperator?: PrometheusOperatorProps;
}

/** A Prometheus duration: `15d`, `2w`, `12h`, `1h30m`. */
const promDuration = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { error: "expected a Prometheus duration like '15d', '2w' or '12h'" });

const fraction = z.number().gt(0, { error: 'expected a fraction above 0' }).lte(1, { error: 'expected a fraction of at most 1' });

export const monitoringSchema = z.strictObject({
  prometheus: z
    .strictObject({
      image: imageRef.optional(),
      port: portSchema.optional(),
      scrapeInterval: durationSchema.optional(),
      retention: promDuration.optional(),
      resources: resourcesSchema.optional(),
    })
    .optional(),
  grafana: z
    .strictObject({
      image: imageRef.optional(),
      port: portSchema.optional(),
      adminUser: z.string().min(1).optional(),
      adminPasswordSecret: secretName.optional(),
      adminPassword: z.string().optional(),
      resources: resourcesSchema.optional(),
    })
    .optional(),
  alerts: z
    .strictObject({
      backendDownFor: durationSchema.optional(),
      errorRateFor: durationSchema.optional(),
      errorRate: z.number().gt(0).optional(),
      nearBudget: fraction.optional(),
      capacityFor: durationSchema.optional(),
    })
    .optional(),
  exporters: z
    .strictObject({
      postgres: imageRef.optional(),
      redis: imageRef.optional(),
      nginx: imageRef.optional(),
      pgbouncer: imageRef.optional(),
    })
    .optional(),
  nginxStatusPort: portSchema.optional(),
  prometheusOperator: z.strictObject({ labels: labelsSchema.optional(), namespace: dnsLabel.optional() }).optional(),
  suppressions: suppressionsSchema.optional(),
});

/** Monitoring values for one profile. */
export interface ResolvedMonitoring {
  readonly id: string;
  readonly path: string;
  readonly prometheus: {
    readonly image: string;
    readonly port: number;
    readonly scrapeInterval: Duration;
    readonly retention: string;
    readonly resources: ResolvedResources;
  };
  readonly grafana: {
    readonly image: string;
    readonly port: number;
    readonly adminUser: string;
    readonly adminPasswordSecret: string;
    readonly adminPassword?: string;
    readonly resources: ResolvedResources;
  };
  readonly alerts: {
    readonly backendDownFor: Duration;
    readonly errorRateFor: Duration;
    readonly errorRate: number;
    readonly nearBudget: number;
    readonly capacityFor: Duration;
  };
  readonly exporters: { readonly postgres: string; readonly redis: string; readonly nginx: string; readonly pgbouncer: string };
  readonly nginxStatusPort: number;
  readonly prometheusOperator?: { readonly labels: Readonly<Record<string, string>>; readonly namespace: string };
}

export type MonitoringOverrides = DeepPartial<MonitoringProps>;
export interface MonitoringConstructProps extends MonitoringProps, ModelCommonProps<MonitoringOverrides> {}

/** Prometheus (scrape config, alert rules) and Grafana (datasource, dashboards) for the stack. */
export class Monitoring extends ModelConstruct<MonitoringProps, ResolvedMonitoring> {
  public readonly kind = 'monitoring' as const;

  constructor(scope: Construct, id: string, props: MonitoringConstructProps = {}) {
    super(scope, id, props, monitoringSchema);
  }

  protected build(p: MonitoringProps): ResolvedMonitoring {
    const pr = p.prometheus ?? {};
    const gr = p.grafana ?? {};
    const al = p.alerts ?? {};
    const ex = p.exporters ?? {};
    return {
      id: this.node.id,
      path: this.node.path,
      prometheus: {
        image: pr.image ?? DEFAULT_IMAGES.prometheus,
        port: pr.port ?? 9090,
        scrapeInterval: Duration.parse(pr.scrapeInterval ?? '15s'),
        retention: pr.retention ?? '15d',
        resources: resolveResources(
          pr.resources ?? { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: 0.1, memory: '256Mi' } },
        ),
      },
      grafana: {
        image: gr.image ?? DEFAULT_IMAGES.grafana,
        port: gr.port ?? 3001,
        adminUser: gr.adminUser ?? 'admin',
        adminPasswordSecret: gr.adminPasswordSecret ?? 'grafana_admin_password',
        ...(gr.adminPassword !== undefined ? { adminPassword: gr.adminPassword } : {}),
        resources: resolveResources(
          gr.resources ?? { limits: { cpu: 0.5, memory: '512Mi' }, requests: { cpu: 0.1, memory: '128Mi' } },
        ),
      },
      alerts: {
        backendDownFor: Duration.parse(al.backendDownFor ?? '1m'),
        errorRateFor: Duration.parse(al.errorRateFor ?? '5m'),
        errorRate: al.errorRate ?? 0.05,
        nearBudget: al.nearBudget ?? 0.8,
        capacityFor: Duration.parse(al.capacityFor ?? '5m'),
      },
      exporters: {
        postgres: ex.postgres ?? DEFAULT_IMAGES.postgresExporter,
        redis: ex.redis ?? DEFAULT_IMAGES.redisExporter,
        nginx: ex.nginx ?? DEFAULT_IMAGES.nginxExporter,
        pgbouncer: ex.pgbouncer ?? DEFAULT_IMAGES.pgbouncerExporter,
      },
      nginxStatusPort: p.nginxStatusPort ?? 8081,
      ...(p.prometheusOperator
        ? { prometheusOperator: { labels: { ...p.prometheusOperator.labels }, namespace: p.prometheusOperator.namespace ?? 'monitoring' } }
        : {}),
    };
  }
}

/** Service names of the monitoring workloads, the same on every target (scrape targets use them). */
export const MONITORING_SERVICES = {
  prometheus: 'prometheus',
  grafana: 'grafana',
  postgresExporter: 'postgres-exporter',
  redisExporter: 'redis-exporter',
  nginxExporter: 'nginx-exporter',
  pgbouncerExporter: 'pgbouncer-exporter',
} as const;

/**
 * Connections each exporter holds, at its peak, to what it watches. They count in the budgets
 * like any fixed client, so no one declares them by hand (test/e2e/exporters.test.ts measures
 * Debian's builds of the same exporters):
 * - postgres_exporter: 2 (the legacy exporter's own connection, plus the collector package's);
 * - redis_exporter: 1 (one connection per scrape);
 * - pgbouncer-exporter: 1, to PgBouncer's admin console, which counts against max_client_conn.
 */
export const EXPORTER_CONNECTIONS = { postgres: 2, redis: 1, pgbouncer: 1 } as const;

/** A client the stack itself creates, counted in a budget as a fixed client. */
export interface StackClient {
  readonly name: string;
  readonly count: number;
}

/** The clients monitoring adds to each provider: its exporters. */
export function exporterClients(): { readonly postgres: StackClient; readonly redis: StackClient; readonly pgbouncer: StackClient } {
  return {
    postgres: { name: MONITORING_SERVICES.postgresExporter, count: EXPORTER_CONNECTIONS.postgres },
    redis: { name: MONITORING_SERVICES.redisExporter, count: EXPORTER_CONNECTIONS.redis },
    pgbouncer: { name: MONITORING_SERVICES.pgbouncerExporter, count: EXPORTER_CONNECTIONS.pgbouncer },
  };
}

/** Ports the exporters serve `/metrics` on (their defaults). */
export const EXPORTER_PORTS = { postgres: 9187, redis: 9121, nginx: 9113, pgbouncer: 9127 } as const;
