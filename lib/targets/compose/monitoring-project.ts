import { MONITORING_SERVICES } from '../../model/monitoring.js';
import type { Stack } from '../../model/stack.js';
import { renderAlertRules } from '../../render/alert-rules.js';
import { renderDashboards } from '../../render/grafana-dashboards.js';
import { renderGrafanaDashboardProvider, renderGrafanaDatasource } from '../../render/grafana-provisioning.js';
import { renderPrometheusConfig } from '../../render/prometheus-config.js';
import type { RuleContext } from '../../rules/rule.js';
import {
  grafanaSpec,
  nginxExporterSpec,
  pgbouncerExporterSpec,
  postgresExporterSpec,
  prometheusSpec,
  PROMETHEUS_CONFIG_DIR,
  redisExporterSpec,
} from '../../render/docker-monitoring-services.js';
import type { ServiceVariant } from './project.js';
import type { ComposeDependencies } from './services.js';

/** The parts of the project builder the monitoring services plug into. */
export interface ProjectHooks {
  readonly add: (path: string, specFor: (ctx: RuleContext, name?: string) => ServiceVariant) => void;
  readonly healthy: (ctx: RuleContext, paths: readonly string[], gated: (path: string) => boolean) => ComposeDependencies;
  readonly names: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly mountedFiles: Map<string, string>;
  /** Where the role setup that postgres_exporter's role needs is registered, by Postgres path. */
  readonly roleSetupPath: (postgresPath: string) => string;
}

/**
 * Adds Prometheus, Grafana and the exporters, and the files they mount: `prometheus/` and
 * `grafana/`, one directory per distinct rendering (`prometheus-<profile>/` when a profile's
 * thresholds differ).
 */
export function addMonitoring(stack: Stack, contexts: readonly RuleContext[], h: ProjectHooks): void {
  const first = contexts[0]!;
  const path = first.monitoring!.path;
  const dirs = new Map<string, string>();
  const bundle = (base: string, profile: string, files: ReadonlyMap<string, string>): string => {
    const key = `${base}\u0000${JSON.stringify([...files])}`;
    let dir = dirs.get(key);
    if (dir === undefined) {
      const taken = [...dirs.values()].includes(base);
      dir = taken ? `${base}-${profile}` : base;
      dirs.set(key, dir);
      for (const [f, text] of files) h.mountedFiles.set(`${dir}/${f}`, text);
    }
    return dir;
  };
  const promDir = new Map<string, string>();
  const grafanaDir = new Map<string, string>();
  for (const c of contexts) {
    const m = c.monitoring!;
    promDir.set(
      c.profile,
      bundle(
        'prometheus',
        c.profile,
        new Map([
          ['prometheus.yml', renderPrometheusConfig(c, { stackName: stack.stackName, discovery: { kind: 'dns' }, rulesFile: `${PROMETHEUS_CONFIG_DIR}/alerts.yml` })],
          ['alerts.yml', renderAlertRules(c, stack.stackName)],
        ]),
      ),
    );
    grafanaDir.set(
      c.profile,
      bundle(
        'grafana',
        c.profile,
        new Map([
          ['provisioning/datasources/prometheus.yml', renderGrafanaDatasource(`http://${MONITORING_SERVICES.prometheus}:${m.prometheus.port}`)],
          ['provisioning/dashboards/scaleout.yml', renderGrafanaDashboardProvider(stack.stackName)],
          ...[...renderDashboards(c, stack.stackName)].map(([f, t]) => [`dashboards/${f}`, t] as [string, string]),
        ]),
      ),
    );
  }

  const nameOf = (c: RuleContext, p: string) => h.names.get(c.profile)!.get(p)!;
  const sub = (id: string) => `${path}/${id}`;

  const S = MONITORING_SERVICES;

  if (first.nginx) {
    h.add(sub(S.nginxExporter), (c) => ({
      base: S.nginxExporter,
      spec: nginxExporterSpec(c.monitoring!, nameOf(c, c.nginx!.path)),
      dependsOn: h.healthy(c, [c.nginx!.path], () => true),
    }));
  }
  if (first.postgres) {
    h.add(sub(S.postgresExporter), (c) => ({
      base: S.postgresExporter,
      spec: postgresExporterSpec(c.monitoring!, c.postgres!, nameOf(c, c.postgres!.path)),
      dependsOn: h.healthy(c, [c.postgres!.path, h.roleSetupPath(c.postgres!.path)], () => true),
    }));
  }
  if (first.pooler && first.postgres) {
    h.add(sub(S.pgbouncerExporter), (c) => ({
      base: S.pgbouncerExporter,
      spec: pgbouncerExporterSpec(c.monitoring!, c.pooler!, nameOf(c, c.pooler!.path)),
      dependsOn: h.healthy(c, [c.pooler!.path], () => true),
    }));
  }
  if (first.redis) {
    h.add(sub(S.redisExporter), (c) => ({
      base: S.redisExporter,
      spec: redisExporterSpec(c.monitoring!, c.redis!, nameOf(c, c.redis!.path)),
      dependsOn: h.healthy(c, [c.redis!.path], () => true),
    }));
  }
  const promPath = sub(S.prometheus);
  // Each variant keeps its own data volume, named after the service.
  h.add(promPath, (c, name) => ({ base: S.prometheus, spec: prometheusSpec(c.monitoring!, promDir.get(c.profile)!, name ?? S.prometheus) }));
  h.add(sub(S.grafana), (c, name) => ({
    base: S.grafana,
    spec: grafanaSpec(c.monitoring!, grafanaDir.get(c.profile)!, name ?? S.grafana),
    dependsOn: h.healthy(c, [promPath], () => true),
  }));
}
