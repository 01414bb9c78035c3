/**
 * Collisions the targets would reject or silently mis-wire, per profile: two listeners on
 * one port, two services publishing one host port, and two secret names that become one
 * Kubernetes Secret. Input mistakes: reported by checkStructure (exit 2).
 */
import { KUBERNETES_NGINX_PORTS } from '../model/nginx.js';
import { kubernetesSecretName } from '../model/schema-kit.js';
import type { RuleContext } from './rule.js';

/** Host ports each service of the profile publishes, with who publishes them. */
function publishedPorts(ctx: RuleContext): [number, string][] {
  const out: [number, string][] = [];
  if (ctx.nginx) {
    out.push([ctx.nginx.port, `${ctx.nginx.path} port`]);
    if (ctx.nginx.tls) out.push([ctx.nginx.tls.port, `${ctx.nginx.path} tls.port`]);
  }
  for (const b of ctx.backends) if (b.hostPort !== undefined) out.push([b.hostPort, `${b.path} hostPort`]);
  if (ctx.monitoring) {
    out.push([ctx.monitoring.prometheus.port, `${ctx.monitoring.path} prometheus.port`]);
    out.push([ctx.monitoring.grafana.port, `${ctx.monitoring.path} grafana.port`]);
  }
  return out;
}

/** Every secret name the profile uses, with where. */
function secretNames(ctx: RuleContext): [string, string][] {
  const out: [string, string][] = [];
  for (const b of ctx.backends) {
    for (const [k, v] of Object.entries(b.env)) if (typeof v !== 'string') out.push([v.secret, `${b.path} env.${k}`]);
  }
  if (ctx.nginx?.tls) out.push([ctx.nginx.tls.certificateSecret, `${ctx.nginx.path} tls.certificateSecret`], [ctx.nginx.tls.keySecret, `${ctx.nginx.path} tls.keySecret`]);
  if (ctx.postgres) out.push([ctx.postgres.passwordSecret, `${ctx.postgres.path} passwordSecret`]);
  if (ctx.redis) out.push([ctx.redis.passwordSecret, `${ctx.redis.path} passwordSecret`]);
  if (ctx.pooler) out.push([ctx.pooler.userlistSecret, `${ctx.pooler.path} userlistSecret`]);
  if (ctx.monitoring) out.push([ctx.monitoring.grafana.adminPasswordSecret, `${ctx.monitoring.path} grafana.adminPasswordSecret`]);
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

/** One line per collision in `ctx`. */
export function collisions(ctx: RuleContext): string[] {
  const where = `(profile ${ctx.profile})`;
  const problems: string[] = [];
  for (const b of ctx.backends) {
    const long = derivedNames(ctx, b.serviceName, b.volumes).find(([n]) => n.length > DNS_LABEL_MAX);
    if (long) {
      problems.push(
        `[${b.path}] ${where} serviceName: '${b.serviceName}' makes ${long[1]} '${long[0]}', ${long[0].length} characters, over the ${DNS_LABEL_MAX} a DNS label allows; set a shorter serviceName`,
      );
    }
  }
  const ports = new Map<number, string>();
  for (const [port, who] of publishedPorts(ctx)) {
    const other = ports.get(port);
    if (other !== undefined) problems.push(`[${who.split(' ')[0]}] ${where} ${who.split(' ')[1]}: port ${port} is also published by ${other}; give each its own port`);
    else ports.set(port, who);
  }
  if (ctx.monitoring && ctx.nginx) {
    const s = ctx.monitoring.nginxStatusPort;
    const taken = [ctx.nginx.port, ctx.nginx.tls?.port, ...KUBERNETES_NGINX_PORTS].filter((p) => p !== undefined);
    if (taken.includes(s)) {
      problems.push(
        `[${ctx.monitoring.path}] ${where} nginxStatusPort: ${s} is a port nginx already listens on (${[...new Set(taken)].join(', ')}, the last two on Kubernetes); choose another, e.g. 8081`,
      );
    }
  }
  const tls = ctx.nginx?.tls;
  if (tls && tls.certificateSecret === tls.keySecret) {
    problems.push(`[${ctx.nginx!.path}] ${where} tls.keySecret: '${tls.keySecret}' is also tls.certificateSecret; the key and the certificate are two secrets`);
  }
  const secrets = new Map<string, [string, string]>();
  for (const [name, who] of secretNames(ctx)) {
    const k8s = kubernetesSecretName(name);
    const other = secrets.get(k8s);
    if (other && other[0] !== name) {
      problems.push(`[${who.split(' ')[0]}] ${where} ${who.split(' ')[1]}: secret '${name}' and '${other[0]}' (${other[1]}) are both the Kubernetes Secret '${k8s}'; rename one`);
    } else if (!other) secrets.set(k8s, [name, who]);
  }
  return problems;
}
