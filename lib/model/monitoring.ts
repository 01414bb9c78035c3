import type { Construct } from 'constructs';
import * as z from 'zod';
import { Duration } from '../units/index.js';
import type { DeepPartial, ResolvedResources } from './common.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';
import { dnsLabel, durationSchema, labelsSchema, portSchema, resourcesSchema, secretName, suppressionsSchema, imageRef } from './schema-kit.js';
import { DEFAULT_IMAGES } from './default-images.js';
import type { AlertsProps, GrafanaProps, MonitoringProps, PrometheusProps } from './monitoring-props.js';

export type { AlertsProps, ExportersProps, GrafanaProps, MonitoringProps, PrometheusOperatorProps, PrometheusProps } from './monitoring-props.js';

const promDuration = z
  .string()
  .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { error: "expected a Prometheus duration like '15d', '2w' or '12h'" });

const fraction = z.number().gt(0, { error: 'expected a fraction above 0' }).lte(1, { error: 'expected a fraction of at most 1' });

/**
 * The zod schema of {@link MonitoringProps}, also the YAML `monitoring` section.
 *
 * @internal
 */
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
  /** Construct id. */
  readonly id: string;
  /** Construct path in the tree; names it in findings. */
  readonly path: string;
  /** Prometheus, as {@link PrometheusProps} with defaults applied. */
  readonly prometheus: {
    /** Image reference. */
    readonly image: string;
    /** Port of its UI and API (published on the host by compose). */
    readonly port: number;
    /** `global.scrape_interval` (and `evaluation_interval`). */
    readonly scrapeInterval: Duration;
    /** `--storage.tsdb.retention.time`, kept in Prometheus units (`15d`). */
    readonly retention: string;
    /** Container resources. */
    readonly resources: ResolvedResources;
  };
  /** Grafana, as {@link GrafanaProps} with defaults applied. */
  readonly grafana: {
    /** Image reference. */
    readonly image: string;
    /** Host port it is published on (3000 inside its container). */
    readonly port: number;
    /** Admin user name. */
    readonly adminUser: string;
    /** Secret holding the admin password. */
    readonly adminPasswordSecret: string;
    /** A literal password, kept only so SO-GRAFANA-ADMIN can refuse it; never written out. */
    readonly adminPassword?: string;
    /** Container resources. */
    readonly resources: ResolvedResources;
  };
  /** Alert thresholds, as {@link AlertsProps} with defaults applied. */
  readonly alerts: {
    /** `for:` of `BackendInstanceDown` and `BackendReplicasBelowMinimum`. */
    readonly backendDownFor: Duration;
    /** `for:` of `HighErrorRate`. */
    readonly errorRateFor: Duration;
    /** 5xx responses per second, per series, above which `HighErrorRate` fires. */
    readonly errorRate: number;
    /** Fraction (0–1] of a capacity above which the near-budget alerts fire. */
    readonly nearBudget: number;
    /** `for:` of the capacity and nginx alerts. */
    readonly capacityFor: Duration;
  };
  /** Exporter images. */
  readonly exporters: {
    /** postgres_exporter image. */
    readonly postgres: string;
    /** redis_exporter image. */
    readonly redis: string;
    /** nginx-prometheus-exporter image. */
    readonly nginx: string;
    /** pgbouncer_exporter image, used when the stack has a pooler. */
    readonly pgbouncer: string;
  };
  /** Port nginx serves `stub_status` on for its exporter (never published). */
  readonly nginxStatusPort: number;
  /** Set when a cluster's prometheus-operator scrapes and alerts instead (Kubernetes only). */
  readonly prometheusOperator?: {
    /** Labels on every PodMonitor, ServiceMonitor and PrometheusRule, for the operator to select them. */
    readonly labels: Readonly<Record<string, string>>;
    /** Namespace the operator's Prometheus runs in; NetworkPolicies admit scrapes from it. */
    readonly namespace: string;
  };
}

/** Overrides a profile may give {@link Monitoring}. */
export type MonitoringOverrides = DeepPartial<MonitoringProps>;
export interface MonitoringConstructProps extends MonitoringProps, ModelCommonProps<MonitoringOverrides> {}

/** The one place each {@link MonitoringProps} default lives (the TSDoc `@default`s say the same). */
const MONITORING_DEFAULTS = {
  prometheus: {
    image: DEFAULT_IMAGES.prometheus,
    port: 9090,
    scrapeInterval: '15s',
    retention: '15d',
    resources: { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: 0.1, memory: '256Mi' } },
  },
  grafana: {
    image: DEFAULT_IMAGES.grafana,
    port: 3001,
    adminUser: 'admin',
    adminPasswordSecret: 'grafana_admin_password',
    resources: { limits: { cpu: 0.5, memory: '512Mi' }, requests: { cpu: 0.1, memory: '128Mi' } },
  },
  alerts: { backendDownFor: '1m', errorRateFor: '5m', errorRate: 0.05, nearBudget: 0.8, capacityFor: '5m' },
  exporters: {
    postgres: DEFAULT_IMAGES.postgresExporter,
    redis: DEFAULT_IMAGES.redisExporter,
    nginx: DEFAULT_IMAGES.nginxExporter,
    pgbouncer: DEFAULT_IMAGES.pgbouncerExporter,
  },
  nginxStatusPort: 8081,
  prometheusOperatorNamespace: 'monitoring',
} as const;

/** Prometheus (scrape config, alert rules) and Grafana (datasource, dashboards) for the stack. */
export class Monitoring extends ModelConstruct<MonitoringProps, ResolvedMonitoring> {
  /** Always `'monitoring'`: see {@link ModelConstruct.kind}. */
  public readonly kind = 'monitoring' as const;

  constructor(scope: Construct, id: string, props: MonitoringConstructProps = {}) {
    super(scope, id, props, monitoringSchema);
  }

  protected build(p: MonitoringProps): ResolvedMonitoring {
    const d = MONITORING_DEFAULTS;
    const pr = p.prometheus ?? {};
    const gr = p.grafana ?? {};
    const al = p.alerts ?? {};
    const ex = p.exporters ?? {};
    return {
      id: this.node.id,
      path: this.node.path,
      prometheus: {
        image: pr.image ?? d.prometheus.image,
        port: pr.port ?? d.prometheus.port,
        scrapeInterval: Duration.parse(pr.scrapeInterval ?? d.prometheus.scrapeInterval),
        retention: pr.retention ?? d.prometheus.retention,
        resources: resolveResources(pr.resources ?? d.prometheus.resources),
      },
      grafana: {
        image: gr.image ?? d.grafana.image,
        port: gr.port ?? d.grafana.port,
        adminUser: gr.adminUser ?? d.grafana.adminUser,
        adminPasswordSecret: gr.adminPasswordSecret ?? d.grafana.adminPasswordSecret,
        ...(gr.adminPassword !== undefined ? { adminPassword: gr.adminPassword } : {}),
        resources: resolveResources(gr.resources ?? d.grafana.resources),
      },
      alerts: {
        backendDownFor: Duration.parse(al.backendDownFor ?? d.alerts.backendDownFor),
        errorRateFor: Duration.parse(al.errorRateFor ?? d.alerts.errorRateFor),
        errorRate: al.errorRate ?? d.alerts.errorRate,
        nearBudget: al.nearBudget ?? d.alerts.nearBudget,
        capacityFor: Duration.parse(al.capacityFor ?? d.alerts.capacityFor),
      },
      exporters: {
        postgres: ex.postgres ?? d.exporters.postgres,
        redis: ex.redis ?? d.exporters.redis,
        nginx: ex.nginx ?? d.exporters.nginx,
        pgbouncer: ex.pgbouncer ?? d.exporters.pgbouncer,
      },
      nginxStatusPort: p.nginxStatusPort ?? d.nginxStatusPort,
      ...(p.prometheusOperator
        ? { prometheusOperator: { labels: { ...p.prometheusOperator.labels }, namespace: p.prometheusOperator.namespace ?? d.prometheusOperatorNamespace } }
        : {}),
    };
  }
}

/** Service names of the monitoring workloads, the same on every target (scrape targets use them). */
export const MONITORING_SERVICES = {
  /** Prometheus. */
  prometheus: 'prometheus',
  /** Grafana. */
  grafana: 'grafana',
  /** postgres_exporter. */
  postgresExporter: 'postgres-exporter',
  /** redis_exporter. */
  redisExporter: 'redis-exporter',
  /** nginx-prometheus-exporter. */
  nginxExporter: 'nginx-exporter',
  /** pgbouncer_exporter (only with a pooler). */
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
export const EXPORTER_CONNECTIONS = {
  /** postgres_exporter's connections to Postgres. */
  postgres: 2,
  /** redis_exporter's connections to Redis. */
  redis: 1,
  /** pgbouncer-exporter's connections to PgBouncer's admin console. */
  pgbouncer: 1,
} as const;

/** A client the stack itself creates, counted in a budget as a fixed client. */
export interface StackClient {
  /** The client's service name (an exporter's, say); names it in budgets and findings. */
  readonly name: string;
  /** Connections it holds at its peak. */
  readonly count: number;
}

/** The clients monitoring adds to each provider: its exporters. */
export function exporterClients(): {
  /** postgres_exporter, a client of Postgres. */
  readonly postgres: StackClient;
  /** redis_exporter, a client of Redis. */
  readonly redis: StackClient;
  /** pgbouncer-exporter, a client of PgBouncer. */
  readonly pgbouncer: StackClient;
} {
  return {
    postgres: { name: MONITORING_SERVICES.postgresExporter, count: EXPORTER_CONNECTIONS.postgres },
    redis: { name: MONITORING_SERVICES.redisExporter, count: EXPORTER_CONNECTIONS.redis },
    pgbouncer: { name: MONITORING_SERVICES.pgbouncerExporter, count: EXPORTER_CONNECTIONS.pgbouncer },
  };
}

/** Ports the exporters serve `/metrics` on (their defaults). */
export const EXPORTER_PORTS = {
  /** postgres_exporter. */
  postgres: 9187,
  /** redis_exporter. */
  redis: 9121,
  /** nginx-prometheus-exporter. */
  nginx: 9113,
  /** pgbouncer_exporter. */
  pgbouncer: 9127,
} as const;
