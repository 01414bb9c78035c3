/**
 * The Monitoring construct's props: Prometheus, Grafana, the alert thresholds, the exporters
 * and the prometheus-operator mode, each with its TSDoc and `@default` (the API docs and the
 * JSON Schema descriptions come from here; monitoring.ts holds the schema and the construct).
 */
import type { ResourcesProps } from './common.js';

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
