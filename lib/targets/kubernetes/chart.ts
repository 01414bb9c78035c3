import { ApiObject, Chart, JsonPatch, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { ConfigError } from '../../errors.js';
import type { Backend, ResolvedBackend } from '../../model/backend.js';
import type { ModelConstruct } from '../../model/model-construct.js';
import type { Monitoring } from '../../model/monitoring.js';
import type { Nginx } from '../../model/nginx.js';
import type { PgBouncer } from '../../model/pgbouncer.js';
import { POSTGRES_PORT, type Postgres } from '../../model/postgres.js';
import type { Redis } from '../../model/redis.js';
import type { Stack } from '../../model/stack.js';
import { supportsResolve } from '../../render/nginx-conf.js';
import { gatedProfile } from '../../plan/report.js';
import { synthGate, type GateReport } from '../../rules/gate.js';
import { backendResources, type BackendResources } from './backend.js';
import { postgresResources, redisResources, type DataResources } from './data.js';
import { emitLiteralTextIn } from './literal-text.js';
import { selectorLabels } from './names.js';
import { monitoringResources, type MonitoringResources } from './monitoring.js';
import { modelEdges, networkPolicies } from './network-policies.js';
import { pgbouncerResources, type PoolerResources } from './pgbouncer.js';
import { roleSetupResources, type RoleSetupResources } from './role-setup.js';
import { NGINX_HTTP_PORT, NGINX_HTTPS_PORT, nginxResources, type NginxResources } from './nginx.js';

/** Props of a {@link KubernetesChart}. */
export interface KubernetesChartProps extends ChartProps {
  /** The model to render. */
  readonly stack: Stack;
  /** The profile to render; one chart per profile. */
  readonly profile: string;
  /**
   * Service type of the nginx entry point.
   *
   * @default kplus.ServiceType.LOAD_BALANCER
   */
  readonly nginxServiceType?: kplus.ServiceType;
  /**
   * Cluster DNS domain, for the FQDNs nginx resolves (its resolver ignores search domains).
   *
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * DNS server nginx re-resolves backends with (nginx 1.27.3+).
   *
   * @default - kube-dns.kube-system.svc.<clusterDomain>
   */
  readonly dnsResolver?: string;
  /**
   * A gate report that already covers the kubernetes target and this profile (from
   * `synthGate`), so an app with one chart per profile gates the stack once.
   *
   * @default - the chart runs the gate for its profile under Kubernetes semantics
   */
  readonly report?: GateReport;
  /**
   * The namespace of every object. Profiles share object names (nginx, db, …), so give
   * each profile its own. A namespace named here is yours: no Namespace object is emitted.
   *
   * @default - the profile's `namespace` (ProfileProps), else `<stack>-<profile>`, emitted as a Namespace object
   */
  readonly namespace?: string;
}

/** A Namespace object; cluster-scoped, so it carries no namespace of its own. */
function namespaceObject(scope: Construct, name: string, labels: Record<string, string>): kplus.Namespace {
  const ns = new kplus.Namespace(scope, 'namespace', { metadata: { name, labels } });
  ApiObject.of(ns).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return ns;
}

/**
 * One profile of a {@link Stack} as cdk8s-plus-27 objects. The synth gate runs first, with
 * Kubernetes semantics (autoscale max + surge + draining pods): a stack over budget adds
 * nothing and throws. The containers it adds emit `$` in command, args and env values as `$$`
 * (lib/targets/kubernetes/literal-text.ts); containers added after construction are not
 * rewritten.
 */
export class KubernetesChart extends Chart {
  /** The gate report this chart passed. */
  public readonly report: GateReport;
  /**
   * Per backend, keyed by construct id (as every per-construct collection a target
   * returns is; the model's own lists, like `stack.backends`, are arrays of constructs).
   */
  public readonly backends: ReadonlyMap<string, BackendResources>;
  /** nginx's Deployment, ConfigMap, Service and PodDisruptionBudget. */
  public readonly nginx?: NginxResources;
  /** Postgres' StatefulSet and Service, when the stack has Postgres. */
  public readonly postgres?: DataResources;
  /** The role-setup Job and its script, when the stack has Postgres. */
  public readonly roleSetup?: RoleSetupResources;
  /** PgBouncer's objects, when the stack has a pooler. */
  public readonly pooler?: PoolerResources;
  /** Redis' StatefulSet and Service, when the stack has Redis. */
  public readonly redis?: DataResources;
  /** Prometheus, Grafana and the exporters, when the stack has Monitoring. */
  public readonly monitoring?: MonitoringResources;
  /** The Namespace object, when the chart renders into the stack's own `<stack>-<profile>`. */
  public readonly namespaceObject?: kplus.Namespace;
  /** Default deny and DNS for the stack's own pods, and one policy per edge the model implies. */
  public readonly networkPolicies: readonly kplus.NetworkPolicy[];
  private readonly stack: Stack;

  constructor(scope: Construct, id: string, props: KubernetesChartProps) {
    // The gate runs before anything joins the tree, so a refused stack leaves no chart.
    const report = props.report ?? synthGate(props.stack, { targets: ['kubernetes'], profiles: [props.profile] });
    const ctx = gatedProfile(report, 'kubernetes', props.profile);
    // Every object names the namespace nginx's FQDNs point into, so `kubectl apply -n other`
    // fails loudly instead of leaving nginx resolving names that do not exist. Each profile
    // has its own, so profiles never share (kind, namespace, name).
    const namespace = props.namespace ?? props.stack.namespaceOf(props.profile);
    super(scope, id, { ...props, namespace });
    // The default namespace is the stack's own, so it is created here (first, so `kubectl
    // apply -f` creates it before its objects); a namespace the user names is theirs.
    if (props.namespace === undefined && props.stack.ownsNamespace(props.profile)) {
      this.namespaceObject = namespaceObject(this, namespace, {
        'app.kubernetes.io/instance': `${props.stack.stackName}-${props.profile}`,
        'app.kubernetes.io/managed-by': 'scaleout',
        'app.kubernetes.io/part-of': props.stack.stackName,
      });
    }
    this.report = report;
    this.stack = props.stack;
    const domain = props.clusterDomain ?? 'cluster.local';

    const backends = new Map<string, BackendResources>();
    // Workload name → the labels its pods carry, for network policy selectors.
    const workloads = new Map<string, Record<string, string>>();
    const podsOf = (name: string) => selectorLabels(props.stack.stackName, props.profile, name);
    for (const b of ctx.backends) {
      const res = backendResources(this, ctx, b);
      backends.set(b.id, res);
      workloads.set(b.serviceName, podsOf(b.serviceName));
    }
    this.backends = backends;
    if (ctx.postgres) {
      this.postgres = postgresResources(this, ctx);
      workloads.set(ctx.postgres.id, podsOf(ctx.postgres.id));
      this.roleSetup = roleSetupResources(this, ctx);
      workloads.set(this.roleSetup.workload, podsOf(this.roleSetup.workload));
    }
    if (ctx.pooler && ctx.postgres) {
      this.pooler = pgbouncerResources(this, ctx);
      workloads.set(ctx.pooler.id, podsOf(ctx.pooler.id));
    }
    if (ctx.redis) {
      this.redis = redisResources(this, ctx);
      workloads.set(ctx.redis.id, podsOf(ctx.redis.id));
    }
    if (ctx.nginx) {
      const resolve = supportsResolve(ctx.nginx.version);
      this.nginx = nginxResources(this, ctx, {
        serviceType: props.nginxServiceType ?? kplus.ServiceType.LOAD_BALANCER,
        // With `resolve`, nginx balances over every pod behind the headless Service. Older
        // nginx resolves once at start, so it gets the ClusterIP and kube-proxy balances.
        upstreamHost: (b: ResolvedBackend) =>
          `${b.serviceName}${resolve ? '-headless' : ''}.${namespace}.svc.${domain}`,
        resolver: props.dnsResolver ?? `kube-dns.kube-system.svc.${domain}`,
      });
      workloads.set(ctx.nginx.id, podsOf(ctx.nginx.id));
    }
    if (ctx.monitoring) {
      this.monitoring = monitoringResources(this, ctx, { namespace, nginxStatusPort: ctx.monitoring.nginxStatusPort });
      for (const [name, labels] of this.monitoring.workloads) workloads.set(name, labels);
    }
    const nginxPorts = ctx.nginx ? [NGINX_HTTP_PORT, ...(ctx.nginx.tls ? [NGINX_HTTPS_PORT] : [])] : [];
    const policyLabels = {
      'app.kubernetes.io/instance': `${props.stack.stackName}-${props.profile}`,
      'app.kubernetes.io/managed-by': 'scaleout',
      'app.kubernetes.io/part-of': props.stack.stackName,
    };
    const setupEdge = this.roleSetup && ctx.postgres ? [{ from: this.roleSetup.workload, to: ctx.postgres.id, port: POSTGRES_PORT }] : [];
    const edges = [...modelEdges(ctx, nginxPorts), ...setupEdge, ...(this.monitoring?.edges ?? [])];
    const owned = { 'app.kubernetes.io/instance': policyLabels['app.kubernetes.io/instance'], 'app.kubernetes.io/managed-by': 'scaleout' };
    this.networkPolicies = networkPolicies(this, workloads, edges, policyLabels, owned);
    // Last, so it covers every container above: `$` in their command, args and env values is
    // literal text, never a Kubernetes `$(VAR)` reference.
    emitLiteralTextIn(this);
  }

  /** The cdk8s-plus objects produced for `backend`, to patch them. */
  public resourcesOf(backend: Backend): BackendResources;
  /** The objects produced for nginx. */
  public resourcesOf(nginx: Nginx): NginxResources;
  /** The StatefulSet, Services and Secret references produced for Postgres or Redis. */
  public resourcesOf(data: Postgres | Redis): DataResources;
  /** The objects produced for the PgBouncer pooler. */
  public resourcesOf(pooler: PgBouncer): PoolerResources;
  /** Prometheus, Grafana and the exporters. */
  public resourcesOf(monitoring: Monitoring): MonitoringResources;
  public resourcesOf(
    c: Backend | Nginx | Postgres | Redis | PgBouncer | Monitoring,
  ): BackendResources | NginxResources | DataResources | PoolerResources | MonitoringResources {
    const m = c as ModelConstruct<object, unknown>;
    const res = m.stack === this.stack ? this.lookup(m) : undefined;
    if (!res) {
      throw new ConfigError([
        {
          code: 'SO-CONFIG-STRUCTURE',
          message: `${m.node.path} is not part of stack '${this.stack.stackName}', which chart '${this.node.id}' renders; pass a construct of that stack`,
        },
      ]);
    }
    return res;
  }

  private lookup(m: ModelConstruct<object, unknown>) {
    switch (m.kind) {
      case 'backend':
        return this.backends.get(m.node.id);
      case 'nginx':
        return this.nginx;
      case 'postgres':
        return this.postgres;
      case 'redis':
        return this.redis;
      case 'pgbouncer':
        return this.pooler;
      case 'monitoring':
        return this.monitoring;
    }
  }
}
