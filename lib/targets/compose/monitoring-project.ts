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
import { composeService, type ComposeDependencies, type ComposeService } from './services.js';

/** The parts of the project builder the monitoring services plug into. */
export interface ProjectHooks {
  readonly add: (path: string, specFor: (ctx: RuleContext, name?: string) => { base: string; spec: ComposeService }) => void;
  readonly healthy: (ctx: RuleContext, paths: readonly string[], gated: (path: string) => boolean) => ComposeDependencies;
  readonly names: ReadonlyMap<string, ReadonlyMap<string, string>>;
  readonly mountedFiles: Map<string, string>;
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
  const own = (name: string | undefined, base: string) => name ?? base;

  if (first.nginx) {
    h.add(sub(S.nginxExporter), (c, name) => ({
      base: S.nginxExporter,
      spec: composeService(nginxExporterSpec(c.monitoring!, nameOf(c, c.nginx!.path)), own(name, S.nginxExporter), h.healthy(c, [c.nginx!.path], () => true)),
    }));
  }
  if (first.postgres) {
    h.add(sub(S.postgresExporter), (c, name) => ({
      base: S.postgresExporter,
      spec: composeService(
        postgresExporterSpec(c.monitoring!, c.postgres!, nameOf(c, c.postgres!.path)),
        own(name, S.postgresExporter),
        h.healthy(c, [c.postgres!.path], () => true),
      ),
    }));
  }
  if (first.pooler && first.postgres) {
    h.add(sub(S.pgbouncerExporter), (c, name) => ({
      base: S.pgbouncerExporter,
      spec: composeService(
        pgbouncerExporterSpec(c.monitoring!, c.pooler!, c.postgres!, nameOf(c, c.pooler!.path)),
        own(name, S.pgbouncerExporter),
        h.healthy(c, [c.pooler!.path], () => true),
      ),
    }));
  }
  if (first.redis) {
    h.add(sub(S.redisExporter), (c, name) => ({
      base: S.redisExporter,
      spec: composeService(redisExporterSpec(c.monitoring!, c.redis!, nameOf(c, c.redis!.path)), own(name, S.redisExporter), h.healthy(c, [c.redis!.path], () => true)),
    }));
  }
  const promPath = sub(S.prometheus);
  h.add(promPath, (c, name) => {
    const n = own(name, S.prometheus);
    return { base: S.prometheus, spec: composeService(prometheusSpec(c.monitoring!, promDir.get(c.profile)!, n), n) };
  });
  h.add(sub(S.grafana), (c, name) => {
    const n = own(name, S.grafana);
    return { base: S.grafana, spec: composeService(grafanaSpec(c.monitoring!, grafanaDir.get(c.profile)!, n), n, h.healthy(c, [promPath], () => true)) };
  });
}
