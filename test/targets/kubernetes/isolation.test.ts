/**
 * Issue 15: Kubernetes profiles cannot hurt each other or their neighbours.
 * - Each profile renders into its own namespace (`<stack>-<profile>`, with its Namespace
 *   object) or one the user names (no Namespace object: it is theirs).
 * - `kubectl apply -f dist/` of every profile file never meets one (kind, namespace, name) twice.
 * - Every NetworkPolicy selects only pods the stack owns (never `podSelector: {}`), so a
 *   user's other workloads in a shared namespace are untouched, and the stack's pods get DNS.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../../lib/index.js';
import { stackFromConfig } from '../../../lib/config.js';
import { ConfigError } from '../../../lib/errors.js';
import { KubernetesChart } from '../../../lib/targets/kubernetes/index.js';
import { byKind, exampleCharts, podLabelsOf, render, selects, workloads, type LabelSelector, type Manifest } from '../../helpers/k8s.js';
import { BACKEND } from '../../helpers/stacks.js';

const CLUSTER_SCOPED = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass'];
const keyOf = (m: Manifest) => `${m.kind} ${CLUSTER_SCOPED.includes(m.kind) ? '(cluster)' : (m.metadata.namespace ?? '(none)')}/${m.metadata.name}`;
const charts = exampleCharts();
// The reference YAML declares the very stack of reference/stack.ts: a user applies one of them.
const applied = charts.filter((c) => c.example !== 'reference-yaml');

function duplicates(manifests: readonly Manifest[]): string[] {
  const seen = new Map<string, number>();
  for (const m of manifests) seen.set(keyOf(m), (seen.get(keyOf(m)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

describe('Kubernetes isolation (issue 15)', () => {
  it('every namespaced object names its namespace; only the stack-owned one is emitted as a Namespace', () => {
    for (const c of charts) {
      const ns = `${c.stack.stackName}-${c.profile}`;
      expect(c.stack.namespaceOf(c.profile)).toBe(ns);
      const namespaces = byKind(c.manifests, 'Namespace');
      expect(namespaces.map((n) => n.metadata.name), `${c.example} ${c.profile}`).toEqual([ns]);
      expect(namespaces[0]!.metadata.namespace).toBeUndefined();
      // First, so `kubectl apply -f` creates it before anything that lives in it.
      expect(c.manifests[0]!.kind).toBe('Namespace');
      for (const m of c.manifests.filter((m) => !CLUSTER_SCOPED.includes(m.kind))) expect(m.metadata.namespace, keyOf(m)).toBe(ns);
    }
  });

  // Several examples declare variants of the same `uns` stack; a user applies one of them.
  it('no (kind, namespace, name) appears twice across all profile files of each example', () => {
    for (const example of new Set(applied.map((c) => c.example))) {
      expect(duplicates(applied.filter((c) => c.example === example).flatMap((c) => c.manifests)), example).toEqual([]);
    }
    // Without the namespaces, the profiles of one stack would collide: the test can fail.
    const reference = applied.filter((c) => c.example === 'reference').flatMap((c) => c.manifests);
    expect(duplicates(reference.map((m) => ({ ...m, metadata: { ...m.metadata, namespace: 'default' } }))).length).toBeGreaterThan(0);
  });

  it('every NetworkPolicy selects only the stack profile’s own pods, never every pod', () => {
    // Pods a user runs beside the stack, in the same namespace: even one that borrows a name label.
    const foreign: Record<string, string>[] = [{}, { app: 'mine' }, { 'app.kubernetes.io/name': 'nginx' }, { 'app.kubernetes.io/name': 'db', 'app.kubernetes.io/part-of': 'uns' }];
    for (const c of charts) {
      const instance = `${c.stack.stackName}-${c.profile}`;
      const pods = workloads(c.manifests).map(podLabelsOf);
      const policies = byKind(c.manifests, 'NetworkPolicy');
      expect(policies.length).toBeGreaterThan(2);
      for (const p of policies) {
        const sel = p.spec.podSelector as LabelSelector;
        const at = `${c.example} ${c.profile} NetworkPolicy/${p.metadata.name}`;
        expect(Object.keys(sel.matchLabels ?? {}).length, at).toBeGreaterThan(0);
        expect(sel.matchLabels?.['app.kubernetes.io/instance'], at).toBe(instance);
        expect(pods.some((l) => selects(sel, l)), `${at} selects a pod of the stack`).toBe(true);
        for (const labels of foreign) expect(selects(sel, labels), `${at} selects ${JSON.stringify(labels)}`).toBe(false);
        // The other profile's pods are not its own either.
        expect(selects(sel, { ...pods[0], 'app.kubernetes.io/instance': `${c.stack.stackName}-other` }), at).toBe(false);
      }
      // Default deny covers every pod of the stack, and so does DNS.
      const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
      const dns = policies.find((p) => p.metadata.name === 'allow-dns')!;
      for (const labels of pods) {
        expect(selects(deny.spec.podSelector, labels)).toBe(true);
        expect(selects(dns.spec.podSelector, labels)).toBe(true);
      }
      const ports = dns.spec.egress.flatMap((r: any) => r.ports.map((pt: any) => `${pt.port}/${pt.protocol}`));
      expect(ports.sort()).toEqual(['53/TCP', '53/UDP']);
    }
  });

  it('a user-named namespace (YAML profiles.<name>.namespace) holds the objects and is not emitted', () => {
    const app = Testing.app();
    const stack = stackFromConfig(
      app,
      ['name: shop', 'backends:', '  api: { image: "ghcr.io/acme/api:1.0.0", healthcheck: { path: /health }, database: false, redisPool: 0 }', 'profiles:', '  staging: { namespace: shop }', ''].join('\n'),
    );
    expect(stack.namespaceOf('staging')).toBe('shop');
    expect(stack.namespaceOf('dev')).toBe('shop-dev');
    const staging = new KubernetesChart(app, 'shop-staging', { stack, profile: 'staging' }).toJson() as Manifest[];
    expect(byKind(staging, 'Namespace')).toEqual([]);
    expect(new Set(staging.map((m) => m.metadata.namespace))).toEqual(new Set(['shop']));
    const dev = new KubernetesChart(app, 'shop-dev', { stack, profile: 'dev' }).toJson() as Manifest[];
    expect(byKind(dev, 'Namespace').map((n) => n.metadata.name)).toEqual(['shop-dev']);
  });

  it('the chart prop names the namespace too, and no Namespace object is emitted for it', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', BACKEND);
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis');
    const { manifests } = render(stack, 'prod', { namespace: 'team-a' });
    expect(byKind(manifests, 'Namespace')).toEqual([]);
    expect(new Set(manifests.map((m) => m.metadata.namespace))).toEqual(new Set(['team-a']));
  });

  it('a user-named namespace equal to the default is still the user\'s: no Namespace object', () => {
    const stack = new Stack(undefined, 'uns', { profiles: { prod: { namespace: 'uns-prod' } } });
    new Backend(stack, 'backend', BACKEND);
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis');
    expect(stack.ownsNamespace('prod')).toBe(false);
    expect(stack.ownsNamespace('dev')).toBe(true);
    expect(byKind(render(stack, 'prod').manifests, 'Namespace')).toEqual([]);
  });

  it('refuses two profiles in one namespace, named or defaulted, naming both', () => {
    expect(() => new Stack(undefined, 'uns', { profiles: { prod: { namespace: 'shared' }, staging: { namespace: 'shared' } } })).toThrow(
      /profiles\.staging\.namespace: 'shared' is also profile prod's namespace.*give profile staging a namespace of its own/,
    );
    expect(() => new Stack(undefined, 'uns', { profiles: { staging: { namespace: 'uns-dev' } } })).toThrow(/profiles\.staging\.namespace: 'uns-dev' is also profile dev's namespace/);
  });

  it('refuses a namespace that is not a DNS label, naming the path', () => {
    expect(() => new Stack(undefined, 'uns', { profiles: { prod: { namespace: 'Team_A' } } })).toThrow(ConfigError);
    expect(() => new Stack(undefined, 'uns', { profiles: { prod: { namespace: 'Team_A' } } })).toThrow(/profiles\.prod\.namespace: 'Team_A' is not a DNS label/);
    expect(() => stackFromConfig(Testing.app(), 'name: x\nbackends:\n  api: { image: "a:1.0.0" }\nprofiles:\n  prod: { namespace: "Bad_NS" }\n')).toThrow(
      /profiles\.prod\.namespace/,
    );
  });
});
