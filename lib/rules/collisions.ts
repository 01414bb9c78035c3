/**
 * Collisions the targets would reject or silently mis-wire, per profile: two listeners on
 * one port, two services publishing one host port, and two secret names that become one
 * Kubernetes Secret. Input mistakes: reported by checkStructure (exit 2).
 */
import { KUBERNETES_NGINX_PORTS } from '../model/nginx.js';
import { kubernetesSecretName } from '../model/schema-kit.js';
import type { ConfigIssueInit } from '../errors.js';
import type { RuleContext } from './rule.js';

/** A prop of a construct: where a port or a secret name is set. */
interface Site {
  /** Construct path. */
  readonly path: string;
  /** Prop path inside it. */
  readonly prop: string;
}

/** `uns/nginx port`, as a message names another site. */
const siteText = (s: Site) => `${s.path} ${s.prop}`;

/** Host ports each service of the profile publishes, with who publishes them. */
function publishedPorts(ctx: RuleContext): [number, Site][] {
  const out: [number, Site][] = [];
  if (ctx.nginx) {
    out.push([ctx.nginx.port, { path: ctx.nginx.path, prop: 'port' }]);
    if (ctx.nginx.tls) out.push([ctx.nginx.tls.port, { path: ctx.nginx.path, prop: 'tls.port' }]);
  }
  for (const b of ctx.backends) if (b.hostPort !== undefined) out.push([b.hostPort, { path: b.path, prop: 'hostPort' }]);
  if (ctx.monitoring) {
    out.push([ctx.monitoring.prometheus.port, { path: ctx.monitoring.path, prop: 'prometheus.port' }]);
    out.push([ctx.monitoring.grafana.port, { path: ctx.monitoring.path, prop: 'grafana.port' }]);
  }
  return out;
}

/** Every secret name the profile uses, with where. */
function secretNames(ctx: RuleContext): [string, Site][] {
  const out: [string, Site][] = [];
  for (const b of ctx.backends) {
    for (const [k, v] of Object.entries(b.env)) if (typeof v !== 'string') out.push([v.secret, { path: b.path, prop: `env.${k}` }]);
  }
  if (ctx.nginx?.tls) {
    out.push([ctx.nginx.tls.certificateSecret, { path: ctx.nginx.path, prop: 'tls.certificateSecret' }], [ctx.nginx.tls.keySecret, { path: ctx.nginx.path, prop: 'tls.keySecret' }]);
  }
  if (ctx.postgres) out.push([ctx.postgres.passwordSecret, { path: ctx.postgres.path, prop: 'passwordSecret' }]);
  if (ctx.redis) out.push([ctx.redis.passwordSecret, { path: ctx.redis.path, prop: 'passwordSecret' }]);
  if (ctx.pooler) out.push([ctx.pooler.userlistSecret, { path: ctx.pooler.path, prop: 'userlistSecret' }]);
  if (ctx.monitoring) out.push([ctx.monitoring.grafana.adminPasswordSecret, { path: ctx.monitoring.path, prop: 'grafana.adminPasswordSecret' }]);
  return out;
}

/** DNS label length: Service names, volume names and compose host names. */
const DNS_LABEL_MAX = 63;

/** Names scaleout derives from a backend's, which must stay DNS labels. */
function derivedNames(ctx: RuleContext, name: string, volumes: readonly { name: string }[]): [string, string][] {
  return [
    [`${name}-headless`, 'the Kubernetes headless Service'],
    [`${name}-${ctx.profile}`, 'the compose service of a profile that differs'],
    ...volumes.map((v): [string, string] => [`pvc-${name}-${v.name}`, `the Kubernetes volume of '${v.name}'`]),
  ];
}

/** One issue per collision in `ctx`. */
export function collisions(ctx: RuleContext): ConfigIssueInit[] {
  const problems: ConfigIssueInit[] = [];
  const problem = (at: Site, message: string) =>
    problems.push({ code: 'SO-CONFIG-STRUCTURE', constructPath: at.path, profiles: [ctx.profile], path: at.prop, message });
  for (const b of ctx.backends) {
    const long = derivedNames(ctx, b.serviceName, b.volumes).find(([n]) => n.length > DNS_LABEL_MAX);
    if (long) {
      problem(
        { path: b.path, prop: 'serviceName' },
        `'${b.serviceName}' makes ${long[1]} '${long[0]}', ${long[0].length} characters, over the ${DNS_LABEL_MAX} a DNS label allows; set a shorter serviceName`,
      );
    }
  }
  const ports = new Map<number, Site>();
  for (const [port, who] of publishedPorts(ctx)) {
    const other = ports.get(port);
    if (other !== undefined) problem(who, `port ${port} is also published by ${siteText(other)}; give each its own port`);
    else ports.set(port, who);
  }
  if (ctx.monitoring && ctx.nginx) {
    const s = ctx.monitoring.nginxStatusPort;
    const taken = [ctx.nginx.port, ctx.nginx.tls?.port, ...KUBERNETES_NGINX_PORTS].filter((p) => p !== undefined);
    if (taken.includes(s)) {
      problem(
        { path: ctx.monitoring.path, prop: 'nginxStatusPort' },
        `${s} is a port nginx already listens on (${[...new Set(taken)].join(', ')}, the last two on Kubernetes); choose another, e.g. 8081`,
      );
    }
  }
  const tls = ctx.nginx?.tls;
  if (tls && tls.certificateSecret === tls.keySecret) {
    problem({ path: ctx.nginx!.path, prop: 'tls.keySecret' }, `'${tls.keySecret}' is also tls.certificateSecret; the key and the certificate are two secrets`);
  }
  const secrets = new Map<string, [string, Site]>();
  for (const [name, who] of secretNames(ctx)) {
    const k8s = kubernetesSecretName(name);
    const other = secrets.get(k8s);
    if (other && other[0] !== name) {
      problem(who, `secret '${name}' and '${other[0]}' (${siteText(other[1])}) are both the Kubernetes Secret '${k8s}'; rename one`);
    } else if (!other) secrets.set(k8s, [name, who]);
  }
  return problems;
}
