/**
 * The Monitoring construct on a Docker engine: Prometheus, Grafana and the exporters as
 * containers, their files uploaded in place. The container specs come from the compose
 * target's builders, so both targets run the same images the same way.
 */
import type * as docker from '@pulumi/docker';
import { MONITORING_SERVICES } from '../../model/monitoring.js';
import { renderAlertRules } from '../../render/alert-rules.js';
import { renderDashboards } from '../../render/grafana-dashboards.js';
import { GRAFANA_DASHBOARDS_DIR, renderGrafanaDashboardProvider, renderGrafanaDatasource } from '../../render/grafana-provisioning.js';
import { renderPrometheusConfig } from '../../render/prometheus-config.js';
import type { RuleContext } from '../../rules/rule.js';
import {
  grafanaService,
  nginxExporterService,
  pgbouncerExporterService,
  postgresExporterService,
  prometheusService,
  EXPORTER_RESOURCES,
  PROMETHEUS_CONFIG_DIR,
  redisExporterService,
} from '../compose/monitoring.js';
import type { ComposeService } from '../compose/services.js';
import {
  dataNetwork,
  envList,
  fromCompose,
  healthcheckArgs,
  resourceArgs,
  secretUploads,
  STOP_GRACE_SECONDS,
  unescapeCompose,
  volumesOf,
  type ContainerRefs,
} from './containers.js';

/** Files to upload, by absolute path in the container. */
export interface MonitoringFiles {
  readonly prometheus: ReadonlyMap<string, string>;
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
      ['/etc/grafana/provisioning/datasources/prometheus.yml', renderGrafanaDatasource(`http://${MONITORING_SERVICES.prometheus}:${m.prometheus.port}`)],
      ['/etc/grafana/provisioning/dashboards/scaleout.yml', renderGrafanaDashboardProvider(stackName)],
      ...[...renderDashboards(ctx, stackName)].map(([f, t]) => [`${GRAFANA_DASHBOARDS_DIR}/${f}`, t] as [string, string]),
    ]),
  };
}

const uploadsOf = (files: ReadonlyMap<string, string>) => [...files].map(([file, content]) => ({ file, content }));

/** Common container args from a compose service spec: command, env, health, resources. */
function fromSpec(spec: ComposeService, name: string, refs: ContainerRefs): docker.ContainerArgs {
  const env = spec.environment as Record<string, string> | undefined;
  const secrets = specSecrets(spec, refs);
  return {
    name,
    image: refs.image,
    ...(spec.entrypoint ? { entrypoints: spec.entrypoint as string[] } : {}),
    ...(spec.command ? { command: (spec.command as string[]).map(unescapeCompose) } : {}),
    ...(env ? { envs: envList(env) } : {}),
    ...(spec.healthcheck ? healthcheckArgs(fromCompose(spec)) : {}),
    ...(secrets.length ? { uploads: secrets } : {}),
    restart: 'always',
    destroyGraceSeconds: STOP_GRACE_SECONDS,
  };
}

/** The compose service's secrets, uploaded where compose would mount them. */
function specSecrets(spec: ComposeService, refs: ContainerRefs): docker.types.input.ContainerUpload[] {
  return secretUploads((spec.secrets as string[] | undefined) ?? [], refs);
}

/** One monitoring container to create: its resource name suffix and args. */
export interface MonitoringContainer {
  readonly id: string;
  readonly args: docker.ContainerArgs;
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
): MonitoringContainer[] {
  const m = ctx.monitoring!;
  const S = MONITORING_SERVICES;
  const out: MonitoringContainer[] = [];
  const add = (id: string, image: string, build: (refs: ContainerRefs, name: string) => docker.ContainerArgs) => {
    const name = `${prefix}-${id}`;
    out.push({ id, args: build(refsOf(image, id), name) });
  };
  const exporterResources = resourceArgs(EXPORTER_RESOURCES);

  if (ctx.nginx) {
    add(S.nginxExporter, m.exporters.nginx, (refs, name) => ({
      ...fromSpec(nginxExporterService(m, ctx.nginx!, ctx.nginx!.id, S.nginxExporter, {}), name, refs),
      networksAdvanced: [{ name: refs.networks.app, aliases: [S.nginxExporter] }],
      ...exporterResources,
    }));
  }
  if (ctx.postgres) {
    const pg = ctx.postgres;
    add(S.postgresExporter, m.exporters.postgres, (refs, name) => ({
      ...fromSpec(postgresExporterService(m, pg, pg.id, S.postgresExporter, {}), name, refs),
      networksAdvanced: [{ name: dataNetwork(refs, m.path), aliases: [S.postgresExporter] }],
      ...exporterResources,
    }));
  }
  if (ctx.pooler && ctx.postgres) {
    const p = ctx.pooler;
    const pg = ctx.postgres;
    add(S.pgbouncerExporter, m.exporters.pgbouncer, (refs, name) => ({
      ...fromSpec(pgbouncerExporterService(m, p, pg, p.id, S.pgbouncerExporter, {}), name, refs),
      networksAdvanced: [{ name: dataNetwork(refs, m.path), aliases: [S.pgbouncerExporter] }],
      ...exporterResources,
    }));
  }
  if (ctx.redis) {
    const r = ctx.redis;
    add(S.redisExporter, m.exporters.redis, (refs, name) => ({
      ...fromSpec(redisExporterService(m, r, r.id, S.redisExporter, {}), name, refs),
      networksAdvanced: [{ name: dataNetwork(refs, m.path), aliases: [S.redisExporter] }],
      ...exporterResources,
    }));
  }
  add(S.prometheus, m.prometheus.image, (refs, name) => {
    const spec = prometheusService(m, 'prometheus', S.prometheus, {});
    return {
      ...fromSpec(spec, name, refs),
      networksAdvanced: [
        { name: refs.networks.app, aliases: [S.prometheus] },
        ...(refs.networks.data ? [{ name: refs.networks.data, aliases: [S.prometheus] }] : []),
      ],
      ports: [{ internal: m.prometheus.port, external: m.prometheus.port }],
      uploads: uploadsOf(files.prometheus),
      // Only the named volume: the config directory is uploaded, not bind-mounted.
      volumes: volumesOf({ volumes: (spec.volumes as string[]).filter((v) => !v.startsWith('./')) }, refs),
      ...resourceArgs(m.prometheus.resources),
    };
  });
  add(S.grafana, m.grafana.image, (refs, name) => {
    const spec = grafanaService(m, 'grafana', S.grafana, {});
    return {
      ...fromSpec(spec, name, refs),
      networksAdvanced: [{ name: refs.networks.app, aliases: [S.grafana] }],
      ports: [{ internal: 3000, external: m.grafana.port }],
      uploads: [...uploadsOf(files.grafana), ...specSecrets(spec, refs)],
      volumes: volumesOf({ volumes: (spec.volumes as string[]).filter((v) => !v.startsWith('./')) }, refs),
      ...resourceArgs(m.grafana.resources),
    };
  });
  return out;
}

