import { POSTGRES_PORT } from '../../model/postgres.js';
import { REDIS_PORT } from '../../model/redis.js';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { RuleContext } from '../../rules/rule.js';

/** Every pod of another namespace, as the source of an edge (the operator's Prometheus). */
export interface NamespacePeer {
  /** The namespace's name. */
  readonly namespace: string;
}

/** One allowed connection: `from` (a workload name, `world`, or a namespace) to a workload's port. */
export interface Edge {
  /** The client: a workload name, {@link WORLD}, or every pod of a namespace. */
  readonly from: string | NamespacePeer;
  /** The workload that accepts the connection (or {@link WORLD} for egress). */
  readonly to: string;
  /** TCP port on `to`. */
  readonly port: number;
}

/** Anyone, inside or outside the cluster: the source of edges to nginx. */
export const WORLD = 'world';

/**
 * The connections the model implies, and nothing more: clients → nginx, nginx → each
 * backend, backends → postgres (or → pgbouncer → postgres) and redis when they use them.
 */
export function modelEdges(ctx: RuleContext, nginxPorts: readonly number[]): Edge[] {
  const edges: Edge[] = [];
  const n = ctx.nginx;
  if (n) for (const port of nginxPorts) edges.push({ from: WORLD, to: n.id, port });
  const pooler = ctx.pooler && ctx.postgres ? ctx.pooler : undefined;
  if (pooler) edges.push({ from: pooler.id, to: ctx.postgres!.id, port: POSTGRES_PORT });
  const migrates = ctx.postgres !== undefined && ctx.backends.some((b) => b.migration);
  for (const b of ctx.backends) {
    // nginx reaches web backends only; a worker has no ingress but Prometheus' scrape.
    if (n && b.kind === 'web') edges.push({ from: n.id, to: b.serviceName, port: b.port });
    // Migration init containers connect to Postgres directly, also behind a pooler.
    if (b.pool && migrates && pooler) edges.push({ from: b.serviceName, to: ctx.postgres!.id, port: POSTGRES_PORT });
    // Behind a pooler, backends reach Postgres only through it.
    if (b.pool && pooler) edges.push({ from: b.serviceName, to: pooler.id, port: pooler.port });
    else if (b.pool && ctx.postgres) edges.push({ from: b.serviceName, to: ctx.postgres.id, port: POSTGRES_PORT });
    if (b.redisPool > 0 && ctx.redis) edges.push({ from: b.serviceName, to: ctx.redis.id, port: REDIS_PORT });
  }
  return edges;
}

/**
 * Default deny for the stack's own pods, DNS for them, then one policy per workload allowing
 * exactly its edges in and out. `owned` are the labels every pod of the stack's profile
 * carries (its `app.kubernetes.io/instance` and `managed-by`), so no policy touches a pod
 * the stack does not own, even in a namespace shared with the user's other workloads.
 */
export function networkPolicies(
  scope: Construct,
  workloads: ReadonlyMap<string, Record<string, string>>,
  edges: readonly Edge[],
  labels: Record<string, string>,
  owned: Record<string, string>,
): kplus.NetworkPolicy[] {
  // Pods are matched by their app.kubernetes.io labels, as the Services match them.
  const pods = new Map([...workloads].map(([name, labels]) => [name, kplus.Pods.select(scope, `${name}-pods`, { labels })]));
  const all = kplus.Pods.select(scope, 'stack-pods', { labels: owned });
  const deny = new kplus.NetworkPolicy(scope, 'default-deny', {
    metadata: { name: 'default-deny', labels },
    selector: all,
    ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    egress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
  });
  const dns = new kplus.NetworkPolicy(scope, 'allow-dns', { metadata: { name: 'allow-dns', labels }, selector: all });
  const kubeDns = kplus.Pods.select(scope, 'kube-dns', {
    labels: { 'k8s-app': 'kube-dns' },
    namespaces: kplus.Namespaces.select(scope, 'kube-system', { names: ['kube-system'] }),
  });
  dns.addEgressRule(kubeDns, [kplus.NetworkPolicyPort.udp(53), kplus.NetworkPolicyPort.tcp(53)]);

  const policies = [deny, dns];
  const world = [kplus.NetworkPolicyIpBlock.anyIpv4(scope, 'any-ipv4'), kplus.NetworkPolicyIpBlock.anyIpv6(scope, 'any-ipv6')];
  const namespaces = new Map<string, kplus.Pods>();
  const inNamespace = (ns: string) => {
    if (!namespaces.has(ns)) {
      const selected = kplus.Namespaces.select(scope, `${ns}-namespace`, { names: [ns] });
      namespaces.set(ns, kplus.Pods.all(scope, `${ns}-namespace-pods`, { namespaces: selected }));
    }
    return namespaces.get(ns)!;
  };
  // Grouped once: filtering every edge per workload would make large stacks quadratic.
  const into = groupBy(edges, (e) => e.to);
  const outOf = groupBy(edges, (e) => (typeof e.from === 'string' ? e.from : undefined));
  for (const [name, selector] of pods) {
    const ingress = into.get(name) ?? [];
    const egress = outOf.get(name) ?? [];
    if (ingress.length + egress.length === 0) continue;
    const policy = new kplus.NetworkPolicy(scope, `${name}-netpol`, { metadata: { name, labels }, selector });
    for (const e of ingress) {
      const peers = typeof e.from === 'object' ? [inNamespace(e.from.namespace)] : e.from === WORLD ? world : [pods.get(e.from)!];
      for (const peer of peers) policy.addIngressRule(peer, [kplus.NetworkPolicyPort.tcp(e.port)]);
    }
    for (const e of egress) {
      const peers = e.to === WORLD ? world : [pods.get(e.to)!];
      for (const peer of peers) policy.addEgressRule(peer, [kplus.NetworkPolicyPort.tcp(e.port)]);
    }
    policies.push(policy);
  }
  return policies;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(x);
    else out.set(k, [x]);
  }
  return out;
}
