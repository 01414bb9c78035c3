/**
 * The Monitoring construct on Kubernetes: Prometheus (pod discovery, RBAC limited to listing
 * pods in its namespace), Grafana with provisioned datasource and dashboards (ConfigMaps, the
 * dashboards labelled `grafana_dashboard: "1"` for sidecar-based installs too), and one
 * exporter per scraped dependency. With `prometheusOperator`, the cluster's operator scrapes
 * and alerts instead (see prometheus-operator.ts), and its Grafana sidecar loads the
 * dashboards. Only rendered when the stack has Monitoring.
 */
import { POSTGRES_PORT } from '../../model/postgres.js';
import { REDIS_PORT } from '../../model/redis.js';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { labeledDeployment } from './workload.js';
import type { Construct } from 'constructs';
import type { ResolvedResources } from '../../model/common.js';
import { EXPORTER_PORTS, MONITORING_SERVICES } from '../../model/monitoring.js';
import { resolveResources } from '../../model/resources.js';
import { renderAlertRules } from '../../render/alert-rules.js';
import { renderDashboards } from '../../render/grafana-dashboards.js';
import { GRAFANA_DASHBOARDS_DIR, renderGrafanaDashboardProvider, renderGrafanaDatasource } from '../../render/grafana-provisioning.js';
import { renderPrometheusConfig, scrapedBackends } from '../../render/prometheus-config.js';
import { EXPORTER_ROLE, PGBOUNCER_EXPORTER_USER, rolePasswordSecret } from '../../plan/roles.js';
import type { RuleContext } from '../../rules/rule.js';
import { selectPods } from './workload.js';
import { dropAddressLabel, mountSecrets, PULL, scratch, secretEnv, securityContext, setResources, type RunAs } from './container.js';
import { appLabels, secretFile, selectorLabels, type Component } from './names.js';
import { kubernetesReferences } from './literal-text.js';
import type { Edge } from './network-policies.js';
import { WORLD } from './network-policies.js';
import { prometheusOperatorObjects, type OperatorObjects } from './prometheus-operator.js';

/** The objects Monitoring becomes; exposed so users can patch them. */
export interface MonitoringResources {
  /** Prometheus, Grafana and exporter Deployments, by workload name. */
  readonly deployments: ReadonlyMap<string, kplus.Deployment>;
  /** Their Services, by name. */
  readonly services: ReadonlyMap<string, kplus.Service>;
  /** Prometheus config, alert rules, Grafana provisioning and dashboards, by name. */
  readonly configMaps: ReadonlyMap<string, kplus.ConfigMap>;
  /** Workload name → the labels its pods carry, for network policies. */
  readonly workloads: ReadonlyMap<string, Record<string, string>>;
  /** The connections the monitoring workloads need. */
  readonly edges: readonly Edge[];
  /** With `prometheusOperator`: the PodMonitors, ServiceMonitors and PrometheusRule. */
  readonly operator?: OperatorObjects;
}

/** Where the dependencies are, by Service name. */
export interface MonitoringClusterOptions {
  readonly namespace: string;
  /** The nginx container port stub_status is served on. */
  readonly nginxStatusPort: number;
}

// The images' own users: prom/prometheus and the exporters run as nobody, Grafana as 472.
const NOBODY: RunAs = { user: 65534, group: 65534 };
const GRAFANA_USER: RunAs = { user: 472, group: 472 };
const GRAFANA_HTTP = 3000;
const EXPORTER_RESOURCES: ResolvedResources = resolveResources({
  limits: { cpu: 0.25, memory: '128Mi' },
  requests: { cpu: 0.05, memory: '32Mi' },
});
const SA_TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface WorkloadSpec {
  readonly name: string;
  readonly component: Component;
  readonly image: string;
  readonly port: number;
  /** The port the Service publishes (defaults to `port`). */
  readonly servicePort?: number;
  readonly runAs: RunAs;
  readonly resources: ResolvedResources;
  readonly probe: kplus.Probe;
  readonly startup: kplus.Probe;
  readonly args?: string[];
  readonly env?: Record<string, kplus.EnvValue>;
  /** Env vars whose values use Kubernetes' `$(VAR)` expansion on purpose (lib/targets/kubernetes/literal-text.ts). */
  readonly references?: readonly string[];
  /** Config texts the pods mount; their checksum rolls the pods on change. */
  readonly config?: readonly string[];
  readonly serviceAccount?: kplus.IServiceAccount;
}

const http = (path: string, port: number, failureThreshold: number) =>
  kplus.Probe.fromHttpGet(path, { port, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold });
const tcp = (port: number, failureThreshold: number) =>
  kplus.Probe.fromTcpSocket({ port, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(5), failureThreshold });

function workload(scope: Construct, ctx: RuleContext, spec: WorkloadSpec): { deployment: kplus.Deployment; service: kplus.Service; container: kplus.Container } {
  const stack = ctx.stack.stackName;
  const labels = appLabels(stack, ctx.profile, spec.name, spec.component);
  const selector = selectorLabels(stack, ctx.profile, spec.name);
  const deployment = labeledDeployment(scope, {
    name: spec.name,
    labels,
    selector,
    runAs: spec.runAs,
    replicas: 1,
    spread: false,
    ...(spec.config ? { config: spec.config } : {}),
    ...(spec.serviceAccount ? { serviceAccount: spec.serviceAccount } : {}),
  });
  const container = deployment.addContainer({
    name: spec.name,
    image: spec.image,
    imagePullPolicy: PULL,
    ports: [{ number: spec.port, name: 'http' }],
    resources: {},
    securityContext: securityContext(spec.runAs),
    readiness: spec.probe,
    startup: spec.startup,
    ...(spec.args ? { args: spec.args } : {}),
    ...(spec.env ? { envVariables: spec.env } : {}),
  });
  if (spec.references) kubernetesReferences(container, spec.references);
  setResources(deployment, spec.resources);
  dropAddressLabel(deployment);
  const service = new kplus.Service(scope, `${spec.name}-service`, {
    metadata: { name: spec.name, labels },
    ports: [{ name: 'http', port: spec.servicePort ?? spec.port, targetPort: spec.port }],
  });
  selectPods(service, selector);
  return { deployment, service, container };
}

export function monitoringResources(scope: Construct, ctx: RuleContext, opts: MonitoringClusterOptions): MonitoringResources {
  const m = ctx.monitoring!;
  const stack = ctx.stack.stackName;
  const S = MONITORING_SERVICES;
  const deployments = new Map<string, kplus.Deployment>();
  const services = new Map<string, kplus.Service>();
  const configMaps = new Map<string, kplus.ConfigMap>();
  const edges: Edge[] = [];
  const keep = (name: string, r: { deployment: kplus.Deployment; service: kplus.Service }) => {
    deployments.set(name, r.deployment);
    services.set(name, r.service);
  };
  const labelsOf = (name: string, component: Component) => appLabels(stack, ctx.profile, name, component);

  // Exporters, each next to what it reads.
  if (ctx.nginx) {
    const port = EXPORTER_PORTS.nginx;
    keep(S.nginxExporter, workload(scope, ctx, {
      name: S.nginxExporter, component: 'exporter', image: m.exporters.nginx, port, runAs: NOBODY, resources: EXPORTER_RESOURCES,
      probe: tcp(port, 3), startup: tcp(port, 6),
      args: [`--nginx.scrape-uri=http://${ctx.nginx.id}:${opts.nginxStatusPort}/stub_status`, `--web.listen-address=:${port}`],
    }));
    edges.push({ from: S.nginxExporter, to: ctx.nginx.id, port: opts.nginxStatusPort });
  }
  if (ctx.postgres) {
    const pg = ctx.postgres;
    const port = EXPORTER_PORTS.postgres;
    const r = workload(scope, ctx, {
      name: S.postgresExporter, component: 'exporter', image: m.exporters.postgres, port, runAs: NOBODY, resources: EXPORTER_RESOURCES,
      probe: tcp(port, 3), startup: tcp(port, 6),
      env: {
        DATA_SOURCE_URI: kplus.EnvValue.fromValue(`${pg.id}:${POSTGRES_PORT}/${pg.database}?sslmode=disable`),
        DATA_SOURCE_USER: kplus.EnvValue.fromValue(EXPORTER_ROLE),
        DATA_SOURCE_PASS_FILE: kplus.EnvValue.fromValue(secretFile(rolePasswordSecret(EXPORTER_ROLE))),
      },
    });
    mountSecrets(scope, S.postgresExporter, r.container, [rolePasswordSecret(EXPORTER_ROLE)]);
    keep(S.postgresExporter, r);
    edges.push({ from: S.postgresExporter, to: pg.id, port: POSTGRES_PORT });
  }
  if (ctx.pooler && ctx.postgres) {
    const p = ctx.pooler;
    const port = EXPORTER_PORTS.pgbouncer;
    keep(S.pgbouncerExporter, workload(scope, ctx, {
      name: S.pgbouncerExporter, component: 'exporter', image: m.exporters.pgbouncer, port, runAs: NOBODY, resources: EXPORTER_RESOURCES,
      probe: tcp(port, 3), startup: tcp(port, 6),
      // Kubernetes expands $(VAR) from an env entry listed before it: the password stays in the
      // Secret and reaches the process environment, never its argv.
      env: {
        PGBOUNCER_PASSWORD: secretEnv(scope, `${S.pgbouncerExporter}-password`, rolePasswordSecret(PGBOUNCER_EXPORTER_USER)),
        PGBOUNCER_EXPORTER_CONNECTION_STRING: kplus.EnvValue.fromValue(`postgres://${PGBOUNCER_EXPORTER_USER}:$(PGBOUNCER_PASSWORD)@${p.id}:${p.port}/pgbouncer?sslmode=disable`),
      },
      references: ['PGBOUNCER_EXPORTER_CONNECTION_STRING'],
      args: [`--web.listen-address=:${port}`],
    }));
    edges.push({ from: S.pgbouncerExporter, to: p.id, port: p.port });
  }
  if (ctx.redis) {
    const r = ctx.redis;
    const port = EXPORTER_PORTS.redis;
    keep(S.redisExporter, workload(scope, ctx, {
      name: S.redisExporter, component: 'exporter', image: m.exporters.redis, port, runAs: NOBODY, resources: EXPORTER_RESOURCES,
      probe: tcp(port, 3), startup: tcp(port, 6),
      env: {
        REDIS_ADDR: kplus.EnvValue.fromValue(`redis://${r.id}:${REDIS_PORT}`),
        REDIS_PASSWORD: secretEnv(scope, `${S.redisExporter}-password`, r.passwordSecret),
        REDIS_EXPORTER_WEB_LISTEN_ADDRESS: kplus.EnvValue.fromValue(`:${port}`),
      },
    }));
    edges.push({ from: S.redisExporter, to: r.id, port: REDIS_PORT });
  }

  const grafanaLabels = labelsOf(S.grafana, 'monitoring');
  const dashboards = Object.fromEntries(renderDashboards(ctx, stack));
  /** The dashboards, labelled for Grafana's sidecar as well as mounted by our Grafana. */
  const dashboardsConfigMap = () => {
    const cm = new kplus.ConfigMap(scope, `${S.grafana}-dashboards`, {
      metadata: { name: `${S.grafana}-dashboards`, labels: { ...grafanaLabels, grafana_dashboard: '1' } },
      data: dashboards,
    });
    configMaps.set(`${S.grafana}-dashboards`, cm);
    return cm;
  };
  const workloadsOf = () => new Map([...deployments.keys()].map((n) => [n, selectorLabels(stack, ctx.profile, n)]));

  if (m.prometheusOperator) {
    dashboardsConfigMap();
    const operator = prometheusOperatorObjects(scope, ctx, opts.namespace);
    return { deployments, services, configMaps, workloads: workloadsOf(), edges: [...edges, ...operator.edges], operator };
  }

  // Prometheus: config and rules in a ConfigMap; pod discovery in its own namespace.
  const promConf = renderPrometheusConfig(ctx, {
    stackName: stack,
    discovery: {
      kind: 'kubernetes',
      instance: `${stack}-${ctx.profile}`,
      name: (b) => b.serviceName,
      namespaces: [opts.namespace],
    },
    rulesFile: '/etc/prometheus/alerts.yml',
  });
  const rules = renderAlertRules(ctx, stack);
  const promLabels = labelsOf(S.prometheus, 'monitoring');
  const promCm = new kplus.ConfigMap(scope, `${S.prometheus}-conf`, {
    metadata: { name: `${S.prometheus}-conf`, labels: promLabels },
    data: { 'prometheus.yml': promConf, 'alerts.yml': rules },
  });
  configMaps.set(`${S.prometheus}-conf`, promCm);
  const sa = new kplus.ServiceAccount(scope, `${S.prometheus}-sa`, {
    metadata: { name: S.prometheus, labels: promLabels },
    automountToken: false,
  });
  const role = new kplus.Role(scope, `${S.prometheus}-role`, { metadata: { name: S.prometheus, labels: promLabels } });
  role.allowRead(kplus.ApiResource.PODS);
  const binding = new kplus.RoleBinding(scope, `${S.prometheus}-rolebinding`, { metadata: { name: S.prometheus, labels: promLabels }, role });
  binding.addSubjects(sa);
  const pp = m.prometheus.port;
  const prom = workload(scope, ctx, {
    name: S.prometheus, component: 'monitoring', image: m.prometheus.image, port: pp, runAs: NOBODY, resources: m.prometheus.resources,
    probe: http('/-/ready', pp, 3), startup: http('/-/ready', pp, 30),
    args: [
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${m.prometheus.retention}`,
      `--web.listen-address=:${pp}`,
    ],
    config: [promConf, rules],
    serviceAccount: sa,
  });
  prom.container.mount('/etc/prometheus', kplus.Volume.fromConfigMap(scope, `${S.prometheus}-conf-vol`, promCm, { name: 'config' }), { readOnly: true });
  scratch(scope, `${S.prometheus}-data`, prom.container, '/prometheus');
  // automountServiceAccountToken stays false; only Prometheus gets a token, explicitly.
  ApiObject.of(prom.deployment).addJsonPatch(
    JsonPatch.add('/spec/template/spec/volumes/-', {
      name: 'sa-token',
      projected: {
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }),
    JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'sa-token', mountPath: SA_TOKEN_DIR, readOnly: true }),
  );
  keep(S.prometheus, prom);
  for (const b of scrapedBackends(ctx.backends)) edges.push({ from: S.prometheus, to: b.serviceName, port: b.metricsPort });
  for (const [name, port] of [
    [S.nginxExporter, EXPORTER_PORTS.nginx],
    [S.postgresExporter, EXPORTER_PORTS.postgres],
    [S.pgbouncerExporter, EXPORTER_PORTS.pgbouncer],
    [S.redisExporter, EXPORTER_PORTS.redis],
  ] as const) {
    if (deployments.has(name)) edges.push({ from: S.prometheus, to: name, port });
  }
  // The Kubernetes API, for pod discovery: its address is not a pod, so any address on 443/6443.
  edges.push({ from: S.prometheus, to: WORLD, port: 443 }, { from: S.prometheus, to: WORLD, port: 6443 });
  edges.push({ from: WORLD, to: S.prometheus, port: pp });

  // Grafana: datasource and dashboard provider, and the dashboards (labelled for sidecars).
  const provisioning = {
    'datasource.yml': renderGrafanaDatasource(`http://${S.prometheus}:${pp}`),
    'dashboards.yml': renderGrafanaDashboardProvider(stack),
  };
  const provCm = new kplus.ConfigMap(scope, `${S.grafana}-provisioning`, {
    metadata: { name: `${S.grafana}-provisioning`, labels: grafanaLabels },
    data: provisioning,
  });
  configMaps.set(`${S.grafana}-provisioning`, provCm);
  const dashCm = dashboardsConfigMap();
  const g = m.grafana;
  const grafana = workload(scope, ctx, {
    name: S.grafana, component: 'monitoring', image: g.image, port: GRAFANA_HTTP, servicePort: g.port, runAs: GRAFANA_USER, resources: g.resources,
    probe: http('/api/health', GRAFANA_HTTP, 3), startup: http('/api/health', GRAFANA_HTTP, 30),
    env: {
      GF_AUTH_ANONYMOUS_ENABLED: kplus.EnvValue.fromValue('false'),
      GF_LOG_MODE: kplus.EnvValue.fromValue('console'),
      GF_SECURITY_ADMIN_USER: kplus.EnvValue.fromValue(g.adminUser),
      // Only ever the secret; a literal adminPassword is never written (SO-GRAFANA-ADMIN).
      GF_SECURITY_ADMIN_PASSWORD__FILE: kplus.EnvValue.fromValue(secretFile(g.adminPasswordSecret)),
      GF_USERS_ALLOW_SIGN_UP: kplus.EnvValue.fromValue('false'),
    },
    config: [...Object.values(provisioning), ...Object.values(dashboards)],
  });
  grafana.container.mount(
    '/etc/grafana/provisioning',
    kplus.Volume.fromConfigMap(scope, `${S.grafana}-provisioning-vol`, provCm, {
      name: 'provisioning',
      items: {
        'datasource.yml': { path: 'datasources/prometheus.yml' },
        'dashboards.yml': { path: 'dashboards/scaleout.yml' },
      },
    }),
    { readOnly: true },
  );
  grafana.container.mount(GRAFANA_DASHBOARDS_DIR, kplus.Volume.fromConfigMap(scope, `${S.grafana}-dashboards-vol`, dashCm, { name: 'dashboards' }), {
    readOnly: true,
  });
  scratch(scope, `${S.grafana}-data`, grafana.container, '/var/lib/grafana');
  scratch(scope, `${S.grafana}-tmp`, grafana.container, '/tmp');
  mountSecrets(scope, S.grafana, grafana.container, [g.adminPasswordSecret]);
  keep(S.grafana, grafana);
  edges.push({ from: S.grafana, to: S.prometheus, port: pp }, { from: WORLD, to: S.grafana, port: GRAFANA_HTTP });

  return { deployments, services, configMaps, workloads: workloadsOf(), edges };
}
