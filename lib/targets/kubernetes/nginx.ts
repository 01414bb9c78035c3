import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ResolvedBackend } from '../../model/backend.js';
import { renderNginxConf } from '../../render/nginx-conf.js';
import type { RuleContext } from '../../rules/rule.js';
import { labeledDeployment, podDisruptionBudget, preStopSleep, selectPods } from './workload.js';
import { dropAddressLabel, mountSecrets, PULL, scratch, securityContext, setResources } from './container.js';
import { appLabels, secretFile, selectorLabels } from './names.js';
import { KUBERNETES_NGINX_PORTS } from '../../model/nginx.js';

/** The objects nginx becomes; exposed so users can patch them. */
export interface NginxResources {
  /** nginx's Deployment. */
  readonly deployment: kplus.Deployment;
  /** The ConfigMap holding nginx.conf. */
  readonly configMap: kplus.ConfigMap;
  /** The Service clients reach nginx through. */
  readonly service: kplus.Service;
  /** Keeps at most one nginx pod down during voluntary disruptions. */
  readonly disruptionBudget: kplus.k8s.KubePodDisruptionBudget;
  /** The nginx.conf the ConfigMap holds. */
  readonly conf: string;
}

/** How nginx reaches backends inside the cluster. */
export interface NginxClusterOptions {
  readonly serviceType: kplus.ServiceType;
  /** DNS name of backend `b` that nginx should resolve. */
  readonly upstreamHost: (b: ResolvedBackend) => string;
  /** Resolver for runtime re-resolution (cluster DNS), used from nginx 1.27.3 on. */
  readonly resolver: string;
}

// The unprivileged image runs as uid 101 and listens on 8080: the stock image needs root
// for port 80 and writes /var/cache/nginx, which a read-only root filesystem forbids. Our
// nginx.conf keeps pid and temp files in /tmp, an emptyDir.
const NGINX_USER = { user: 101, group: 101 };
export const [
  /** Port nginx listens on for HTTP in its pod (unprivileged; its Service maps the public port to it). */
  NGINX_HTTP_PORT,
  /** Port nginx listens on for HTTPS in its pod (unprivileged; its Service maps the public port to it). */
  NGINX_HTTPS_PORT,
] = KUBERNETES_NGINX_PORTS as [number, number];

/**
 * `nginx:1.28.0-alpine` → `nginxinc/nginx-unprivileged:1.28.0-alpine` (same version and
 * variant). A digest names the official image's bytes, not the unprivileged one's, so it is
 * dropped and the tag kept; other images are used as given.
 */
export function unprivilegedImage(image: string): string {
  const m = /^(?:docker\.io\/)?(?:library\/)?nginx:([^@]+)(@sha256:[0-9a-f]+)?$/.exec(image);
  return m ? `nginxinc/nginx-unprivileged:${m[1]}` : image;
}

export function nginxResources(scope: Construct, ctx: RuleContext, opts: NginxClusterOptions): NginxResources {
  const n = ctx.nginx!;
  const name = n.id;
  const stack = ctx.stack.stackName;
  const labels = appLabels(stack, ctx.profile, name, 'load-balancer');
  const selector = selectorLabels(stack, ctx.profile, name);
  const conf = renderNginxConf(n, ctx.backends, {
    stackName: stack,
    upstreamHost: opts.upstreamHost,
    resolver: opts.resolver,
    secretPath: secretFile,
    listenPort: NGINX_HTTP_PORT,
    tlsListenPort: NGINX_HTTPS_PORT,
    ...(ctx.monitoring ? { stubStatusPort: ctx.monitoring.nginxStatusPort } : {}),
  });
  const configMap = new kplus.ConfigMap(scope, `${name}-conf`, {
    metadata: { name: `${name}-conf`, labels },
    data: { 'nginx.conf': conf },
  });
  const deployment = labeledDeployment(scope, {
    name,
    labels,
    selector,
    runAs: NGINX_USER,
    config: [conf],
    // Two replicas in production so a node loss or a rollout never drops the entry point.
    replicas: ctx.production ? 2 : 1,
  });
  const probe = (failureThreshold: number) =>
    kplus.Probe.fromHttpGet('/nginx-health', {
      port: NGINX_HTTP_PORT,
      periodSeconds: Duration.seconds(10),
      timeoutSeconds: Duration.seconds(5),
      failureThreshold,
    });
  const ports = [
    { number: NGINX_HTTP_PORT, name: 'http' },
    ...(n.tls ? [{ number: NGINX_HTTPS_PORT, name: 'https' }] : []),
    ...(ctx.monitoring ? [{ number: ctx.monitoring.nginxStatusPort, name: 'status' }] : []),
  ];
  const container = deployment.addContainer({
    name: 'nginx',
    image: unprivilegedImage(n.image),
    imagePullPolicy: PULL,
    ports,
    resources: {},
    securityContext: securityContext(NGINX_USER),
    readiness: probe(3),
    startup: probe(6),
  });
  setResources(deployment, n.resources);
  dropAddressLabel(deployment);
  preStopSleep(deployment, n.preStopDelay);
  container.mount('/etc/nginx/nginx.conf', kplus.Volume.fromConfigMap(scope, `${name}-conf-vol`, configMap), {
    subPath: 'nginx.conf',
    readOnly: true,
  });
  scratch(scope, `${name}-tmp`, container, '/tmp');
  if (n.tls) mountSecrets(scope, name, container, [n.tls.certificateSecret, n.tls.keySecret].sort());
  const service = new kplus.Service(scope, `${name}-service`, {
    metadata: { name, labels },
    type: opts.serviceType,
    ports: [
      { name: 'http', port: n.port, targetPort: NGINX_HTTP_PORT },
      ...(n.tls ? [{ name: 'https', port: n.tls.port, targetPort: NGINX_HTTPS_PORT }] : []),
    ],
  });
  selectPods(service, selector);
  const disruptionBudget = podDisruptionBudget(scope, name, labels, selector);
  return { deployment, configMap, service, disruptionBudget, conf };
}
