import { stringify } from 'yaml';
import type { ResolvedBackend } from '../model/backend.js';
import { EXPORTER_PORTS, MONITORING_SERVICES } from '../model/monitoring.js';
import type { ResolvedProfile } from '../plan/profile.js';

/** How Prometheus finds the replicas of a backend. */
export type BackendDiscovery =
  /** Compose: the backend's DNS alias (its id) resolves to one A record per replica. */
  | { readonly kind: 'dns' }
  /** Fixed `host:port` targets per backend, for placements without service DNS (replicas on loopback ports). */
  | { readonly kind: 'static'; readonly targets: (b: ResolvedBackend) => readonly string[] }
  /** Kubernetes: pod discovery, kept by the `app.kubernetes.io/{instance,name}` labels; one target per pod. */
  | {
      readonly kind: 'kubernetes';
      /** `app.kubernetes.io/instance` of the stack's pods (`<stack>-<profile>`). */
      readonly instance: string;
      /** `app.kubernetes.io/name` of a backend's pods. */
      readonly name: (b: ResolvedBackend) => string;
      /**
       * Namespaces to discover pods in.
       *
       * @default - every namespace the service account may list
       */
      readonly namespaces?: readonly string[];
    };

/** Where Prometheus finds what it scrapes on one target. */
export interface PrometheusRenderOptions {
  readonly stackName: string;
  readonly discovery: BackendDiscovery;
  /** Path of the alert rules file as Prometheus sees it. */
  readonly rulesFile: string;
  /**
   * Host (without port) of each exporter.
   *
   * @default - the service names in MONITORING_SERVICES
   */
  readonly exporterHost?: (service: string) => string;
  /**
   * `host:port` of an exporter job, replacing `exporterHost(job):<default port>`.
   *
   * @default - exporterHost and the exporter's default port
   */
  readonly exporterTarget?: (job: string) => string;
}

/** Scrape job names: the exporters' service names, reserved by the structure check. */
export const EXPORTER_JOBS = {
  nginx: MONITORING_SERVICES.nginxExporter,
  postgres: MONITORING_SERVICES.postgresExporter,
  redis: MONITORING_SERVICES.redisExporter,
  pgbouncer: MONITORING_SERVICES.pgbouncerExporter,
} as const;

/** The backends Prometheus scrapes: every web backend, and each worker with a metricsPort. */
export function scrapedBackends(backends: readonly ResolvedBackend[]): (ResolvedBackend & { readonly metricsPort: number })[] {
  return backends.filter((b): b is ResolvedBackend & { readonly metricsPort: number } => b.metricsPort !== undefined);
}

function backendJob(b: ResolvedBackend & { readonly metricsPort: number }, d: BackendDiscovery): Record<string, unknown> {
  if (d.kind === 'static') return { job_name: b.id, metrics_path: '/metrics', static_configs: [{ targets: [...d.targets(b)] }] };
  if (d.kind === 'dns') {
    return {
      job_name: b.id,
      metrics_path: '/metrics',
      // One A record per running replica: `--scale` is picked up at the next refresh.
      dns_sd_configs: [{ names: [b.id], type: 'A', port: b.metricsPort, refresh_interval: '15s' }],
    };
  }
  return {
    job_name: b.id,
    metrics_path: '/metrics',
    kubernetes_sd_configs: [{ role: 'pod', ...(d.namespaces ? { namespaces: { names: [...d.namespaces] } } : {}) }],
    relabel_configs: [
      {
        source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance', '__meta_kubernetes_pod_label_app_kubernetes_io_name'],
        regex: `${d.instance};${d.name(b)}`,
        action: 'keep',
      },
      // One target per pod: the container port serving /metrics.
      { source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: String(b.metricsPort), action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    ],
  };
}

/** The exporters a stack gets, by job: the data tier it has, nginx always. */
export function exporterJobs(ctx: ResolvedProfile): { job: string; port: number }[] {
  return [
    ...(ctx.nginx ? [{ job: EXPORTER_JOBS.nginx, port: EXPORTER_PORTS.nginx }] : []),
    ...(ctx.postgres ? [{ job: EXPORTER_JOBS.postgres, port: EXPORTER_PORTS.postgres }] : []),
    ...(ctx.pooler ? [{ job: EXPORTER_JOBS.pgbouncer, port: EXPORTER_PORTS.pgbouncer }] : []),
    ...(ctx.redis ? [{ job: EXPORTER_JOBS.redis, port: EXPORTER_PORTS.redis }] : []),
  ];
}

/** Renders prometheus.yml for one profile: same input, same bytes. */
export function renderPrometheusConfig(ctx: ResolvedProfile, opts: PrometheusRenderOptions): string {
  const m = ctx.monitoring;
  if (!m) throw new Error('renderPrometheusConfig: the stack has no Monitoring');
  const host = opts.exporterHost ?? ((s: string) => s);
  const interval = m.prometheus.scrapeInterval.toString();
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      external_labels: { stack: opts.stackName, profile: ctx.profile },
    },
    rule_files: [opts.rulesFile],
    scrape_configs: [
      { job_name: 'prometheus', static_configs: [{ targets: [`localhost:${m.prometheus.port}`] }] },
      ...scrapedBackends(ctx.backends).map((b) => backendJob(b, opts.discovery)),
      ...exporterJobs(ctx).map(({ job, port }) => ({
        job_name: job,
        static_configs: [{ targets: [opts.exporterTarget?.(job) ?? `${host(job)}:${port}`] }],
      })),
    ],
  };
  const header = [
    `# Generated by scaleout for stack '${opts.stackName}' (profile ${ctx.profile}). Edit the model, not this file.`,
    `# Retention (${m.prometheus.retention}) is a command-line flag: --storage.tsdb.retention.time.`,
  ];
  return [...header, stringify(config, { lineWidth: 0 })].join('\n');
}
