/**
 * The Monitoring construct on a Docker engine: Prometheus, Grafana and the exporters as
 * containers, their files uploaded in place. The container specs come from lib/render's
 * builders, as compose's do, so both targets run the same images the same way.
 */
import type * as docker from '@pulumi/docker';
import { MONITORING_SERVICES } from '../../model/monitoring.js';
import { renderAlertRules } from '../../render/alert-rules.js';
import {
  GRAFANA_PROVISIONING_DIR,
  grafanaSpec,
  nginxExporterSpec,
  pgbouncerExporterSpec,
  postgresExporterSpec,
  prometheusSpec,
  PROMETHEUS_CONFIG_DIR,
  redisExporterSpec,
} from '../../render/docker-monitoring-services.js';
import { DATA_NETWORK, type ServiceSpec } from '../../render/docker-services.js';
import { renderDashboards } from '../../render/grafana-dashboards.js';
import { GRAFANA_DASHBOARDS_DIR, renderGrafanaDashboardProvider, renderGrafanaDatasource } from '../../render/grafana-provisioning.js';
import { renderPrometheusConfig } from '../../render/prometheus-config.js';
import type { RuleContext } from '../../rules/rule.js';
import { containerArgs, type ContainerRefs } from './containers.js';

/** Files to upload, by absolute path in the container. */
export interface MonitoringFiles {
  /** prometheus.yml and the alert rules, for the Prometheus container. */
  readonly prometheus: ReadonlyMap<string, string>;
  /** Datasource and dashboard provisioning and the dashboards, for the Grafana container. */
  readonly grafana: ReadonlyMap<string, string>;
}

/** Prometheus config and rules (DNS discovery on the backends' aliases) and Grafana provisioning. */
export function monitoringFiles(ctx: RuleContext, stackName: string): MonitoringFiles {
  const m = ctx.monitoring!;
  return {
    prometheus: new Map([
      [`${PROMETHEUS_CONFIG_DIR}/prometheus.yml`, renderPrometheusConfig(ctx, { stackName, discovery: { kind: 'dns' }, rulesFile: `${PROMETHEUS_CONFIG_DIR}/alerts.yml` })],
      [`${PROMETHEUS_CONFIG_DIR}/alerts.yml`, renderAlertRules(ctx, stackName)],
    ]),
    grafana: new Map([
      [`${GRAFANA_PROVISIONING_DIR}/datasources/prometheus.yml`, renderGrafanaDatasource(`http://${MONITORING_SERVICES.prometheus}:${m.prometheus.port}`)],
      [`${GRAFANA_PROVISIONING_DIR}/dashboards/scaleout.yml`, renderGrafanaDashboardProvider(stackName)],
      ...[...renderDashboards(ctx, stackName)].map(([f, t]) => [`${GRAFANA_DASHBOARDS_DIR}/${f}`, t] as [string, string]),
    ]),
  };
}

const uploadsOf = (files: ReadonlyMap<string, string>) => [...files].map(([file, content]) => ({ file, content }));

/** One monitoring container to create: its resource name suffix and args. */
export interface MonitoringContainer {
  readonly id: string;
  readonly args: docker.ContainerArgs;
}

/** One monitoring service: the fixed name the Prometheus config scrapes, and its spec. */
export interface MonitoringSpec {
  readonly id: string;
  readonly spec: ServiceSpec;
}

/** The exporters, Prometheus and Grafana of one profile, as specs (their files are added per container). */
export function monitoringSpecs(ctx: RuleContext): MonitoringSpec[] {
  const m = ctx.monitoring!;
  const S = MONITORING_SERVICES;
  return [
    ...(ctx.nginx ? [{ id: S.nginxExporter, spec: nginxExporterSpec(m, ctx.nginx.id) }] : []),
    ...(ctx.postgres ? [{ id: S.postgresExporter, spec: postgresExporterSpec(m, ctx.postgres, ctx.postgres.id) }] : []),
    ...(ctx.pooler && ctx.postgres ? [{ id: S.pgbouncerExporter, spec: pgbouncerExporterSpec(m, ctx.pooler, ctx.pooler.id) }] : []),
    ...(ctx.redis ? [{ id: S.redisExporter, spec: redisExporterSpec(m, ctx.redis, ctx.redis.id) }] : []),
    { id: S.prometheus, spec: prometheusSpec(m, 'prometheus', S.prometheus) },
    { id: S.grafana, spec: grafanaSpec(m, 'grafana', S.grafana) },
  ];
}

/**
 * The monitoring containers of one profile. `refsOf(image, id)` gives the refs (image,
 * networks, volumes, secrets) for a container; `prefix` names them like the others.
 */
export function monitoringContainerArgs(
  ctx: RuleContext,
  files: MonitoringFiles,
  prefix: string,
  refsOf: (image: string, id: string) => ContainerRefs,
  specs: readonly MonitoringSpec[],
): MonitoringContainer[] {
  const m = ctx.monitoring!;
  const S = MONITORING_SERVICES;
  const out: MonitoringContainer[] = [];
  /** Each container answers to its fixed name `id`, the one the Prometheus config scrapes. */
  const add = (id: string, spec: ServiceSpec, uploads?: ReadonlyMap<string, string>) => {
    const refs = refsOf(spec.image, id);
    // Prometheus also scrapes on the data network, where the stack has one; an exporter needs it.
    const optional = spec.networks.length > 1 && refs.networks.data === undefined;
    const networks = optional ? spec.networks.filter((n) => n.name !== DATA_NETWORK) : spec.networks;
    const args = containerArgs({ ...spec, networks }, {
      name: `${prefix}-${id}`,
      hostname: id,
      who: m.path,
      refs,
      ...(uploads ? { uploads: uploadsOf(uploads) } : {}),
    });
    out.push({ id, args });
  };

  const uploads = new Map<string, ReadonlyMap<string, string>>([[S.prometheus, files.prometheus], [S.grafana, files.grafana]]);
  for (const { id, spec } of specs) add(id, spec, uploads.get(id));
  return out;
}
