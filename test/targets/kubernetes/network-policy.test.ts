/**
 * NetworkPolicies allow exactly the edges the model implies, and nothing more. The allowed
 * edges are read back from the rendered policies (each ingress rule: from-peer → the policy's
 * pods on a port; each egress rule: the policy's pods → to-peer on a port; an ipBlock is the
 * world) and compared with edges computed here from the model:
 * - world → nginx:8080 (+ 8443 with TLS): the unprivileged nginx image listens there;
 * - nginx → each backend on its port;
 * - each backend → postgres:5432 when it uses the database, → redis:6379 when redisPool > 0;
 * - the role-setup Job → postgres:5432 (issue 15);
 * - every pod → kube-dns:53 over UDP and TCP.
 * With default deny both ways, a pod-to-pod edge needs the egress and the ingress side.
 */
import { describe, expect, it } from 'vitest';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../../lib/index.js';
import { byKind, exampleCharts, podLabelsOf, render, selects, workloads, type LabelSelector, type Manifest } from '../../helpers/k8s.js';
import { BACKEND } from '../../helpers/stacks.js';

const WORLD = 'world';
const ALL = '*';
const KUBE_DNS = 'kube-dns';
const WORLD_CIDRS = ['0.0.0.0/0', '::/0'];

/** `from->to:port/PROTO` */
type Edge = string;

interface ReadBack {
  readonly ingress: Set<Edge>;
  readonly egress: Set<Edge>;
  /** Every ipBlock CIDR seen, with its exceptions. */
  readonly cidrs: Set<string>;
}

const isEmpty = (s: LabelSelector | undefined) =>
  s !== undefined && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;

/** Reads the allowed edges back from a chart's NetworkPolicies. */
function readEdges(manifests: readonly Manifest[]): ReadBack {
  // By the workload name its pods carry: a Job's object name adds its content hash.
  const pods = workloads(manifests).map((w) => ({ name: podLabelsOf(w)['app.kubernetes.io/name'] ?? w.metadata.name, labels: podLabelsOf(w) }));
  const cidrs = new Set<string>();
  /** The workload a same-namespace pod selector means; it must select exactly one. */
  const workloadOf = (sel: LabelSelector): string => {
    const hit = pods.filter((p) => selects(sel, p.labels));
    if (hit.length !== 1) throw new Error(`selector ${JSON.stringify(sel)} selects ${hit.length} workloads`);
    return hit[0]!.name;
  };
  const peerName = (peer: any): string => {
    if (peer.ipBlock) {
      cidrs.add(`${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : ''}`);
      return WORLD;
    }
    if (peer.namespaceSelector) {
      const ns = peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'];
      const app = peer.podSelector?.matchLabels?.['k8s-app'];
      return ns === 'kube-system' && app === 'kube-dns' && Object.keys(peer.podSelector.matchLabels).length === 1
        ? KUBE_DNS
        : `other-namespace:${JSON.stringify(peer)}`;
    }
    return workloadOf(peer.podSelector);
  };
  const portsOf = (rule: any): string[] =>
    rule.ports?.length ? rule.ports.map((p: any) => `${p.port ?? 'any'}/${p.protocol ?? 'TCP'}`) : ['any/any'];
  const peersOf = (list: any[] | undefined): string[] => (list?.length ? list.map(peerName) : ['anyone']);

  const ingress = new Set<Edge>();
  const egress = new Set<Edge>();
  for (const np of byKind(manifests, 'NetworkPolicy')) {
    const sel: LabelSelector = np.spec.podSelector;
    // default-deny and allow-dns select every pod of the stack (and no other): `*` here.
    const targets = isEmpty(sel) || !sel.matchLabels?.['app.kubernetes.io/name'] ? [ALL] : pods.filter((p) => selects(sel, p.labels)).map((p) => p.name);
    const types: string[] = np.spec.policyTypes ?? ['Ingress', ...(np.spec.egress ? ['Egress'] : [])];
    for (const t of targets) {
      if (types.includes('Ingress')) {
        for (const rule of np.spec.ingress ?? []) {
          for (const from of peersOf(rule.from)) for (const port of portsOf(rule)) ingress.add(`${from}->${t}:${port}`);
        }
      }
      if (types.includes('Egress')) {
        for (const rule of np.spec.egress ?? []) {
          for (const to of peersOf(rule.to)) for (const port of portsOf(rule)) egress.add(`${t}->${to}:${port}`);
        }
      }
    }
  }
  return { ingress, egress, cidrs };
}

/** The edges the model implies for one profile, computed from the resolved model. */
function expectedEdges(stack: Stack, profile: string): { ingress: Set<Edge>; egress: Set<Edge> } {
  const nginx = stack.nginx?.resolve(profile);
  const pg = stack.postgres?.resolve(profile);
  const redis = stack.redis?.resolve(profile);
  const pooler = stack.pooler?.resolve(profile);
  const edges: [string, string, number][] = [];
  if (pg && pooler) edges.push([pooler.id, pg.id, 5432]);
  // The role-setup Job runs psql against Postgres (lib/targets/kubernetes/role-setup.ts).
  if (pg) edges.push([`${pg.id}-role-setup`, pg.id, 5432]);
  if (nginx) {
    edges.push([WORLD, nginx.id, 8080]);
    if (nginx.tls) edges.push([WORLD, nginx.id, 8443]);
  }
  for (const b of stack.backends.map((x) => x.resolve(profile))) {
    if (nginx) edges.push([nginx.id, b.serviceName, b.port]);
    // behind a pooler, the backends reach Postgres only through it
    if (pg && b.pool) edges.push(pooler ? [b.serviceName, pooler.id, pooler.port] : [b.serviceName, pg.id, 5432]);
    if (redis && b.redisPool > 0) edges.push([b.serviceName, redis.id, 6379]);
  }
  const str = ([f, t, p]: [string, string, number]) => `${f}->${t}:${p}/TCP`;
  return {
    ingress: new Set(edges.map(str)),
    egress: new Set([...edges.filter(([f]) => f !== WORLD).map(str), `${ALL}->${KUBE_DNS}:53/UDP`, `${ALL}->${KUBE_DNS}:53/TCP`]),
  };
}

const sorted = (s: Set<string>) => [...s].sort();

/** What the rendered policies allow beyond the model, and what they miss, per direction. */
function edgeDiff(stack: Stack, profile: string, manifests: readonly Manifest[]) {
  const got = readEdges(manifests);
  const want = expectedEdges(stack, profile);
  const minus = (a: Set<Edge>, b: Set<Edge>) => sorted(a).filter((e) => !b.has(e));
  return {
    extra: [...minus(got.ingress, want.ingress).map((e) => `ingress ${e}`), ...minus(got.egress, want.egress).map((e) => `egress ${e}`)],
    missing: [...minus(want.ingress, got.ingress).map((e) => `ingress ${e}`), ...minus(want.egress, got.egress).map((e) => `egress ${e}`)],
    // The world is any address, v4 and v6, without carve-outs.
    badCidrs: sorted(got.cidrs).filter((c) => !WORLD_CIDRS.includes(c)),
  };
}

function expectExactEdges(stack: Stack, profile: string, manifests: readonly Manifest[]) {
  expect(edgeDiff(stack, profile, manifests)).toEqual({ extra: [], missing: [], badCidrs: [] });
  // Both address families wherever the world is let in.
  const cidrs = readEdges(manifests).cidrs;
  if (cidrs.size > 0) expect(sorted(cidrs)).toEqual(WORLD_CIDRS);
}

const charts = exampleCharts().filter((c) => ['reference', 'multi-tier', 'pooled'].includes(c.example));

describe('NetworkPolicy edges behind PgBouncer', () => {
  it('backends → pgbouncer:6432 → db:5432, and no backend reaches db directly', () => {
    const c = charts.find((x) => x.example === 'pooled' && x.profile === 'prod')!;
    const { ingress } = readEdges(c.manifests);
    expect(ingress.has('backend-prod->pgbouncer:6432/TCP')).toBe(true);
    expect(ingress.has('pgbouncer->db:5432/TCP')).toBe(true);
    expect(sorted(ingress).filter((e) => e.endsWith('->db:5432/TCP'))).toEqual(['db-role-setup->db:5432/TCP', 'pgbouncer->db:5432/TCP']);
  });
});

describe('NetworkPolicy edges of the examples', () => {
  for (const c of charts) {
    it(`${c.example} (${c.profile}): exactly the model's edges`, () => {
      expectExactEdges(c.stack, c.profile, c.manifests);
    });
  }

  it('spells out the multi-tier prod edges (TLS, two tiers, both data services)', () => {
    const c = charts.find((x) => x.example === 'multi-tier' && x.profile === 'prod')!;
    expect(sorted(readEdges(c.manifests).ingress)).toEqual([
      'api->db:5432/TCP',
      'api->redis:6379/TCP',
      'db-role-setup->db:5432/TCP',
      'jobs->db:5432/TCP',
      'jobs->redis:6379/TCP',
      'nginx->api:8000/TCP',
      'nginx->jobs:8001/TCP',
      'world->nginx:8080/TCP',
      'world->nginx:8443/TCP',
    ]);
  });

  it('DNS: every pod of the stack may reach kube-dns on 53 over UDP and TCP, and nothing else stack-wide', () => {
    for (const c of charts) {
      const wide = byKind(c.manifests, 'NetworkPolicy').filter((p) => !p.spec.podSelector.matchLabels?.['app.kubernetes.io/name']);
      expect(wide.map((p) => p.metadata.name).sort()).toEqual(['allow-dns', 'default-deny']);
      const rules = wide.flatMap((p) => [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]);
      expect(rules, `${c.example} ${c.profile}`).toEqual([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
            },
          ],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ]);
    }
  });
});

describe('a stack where one backend uses neither database nor Redis', () => {
  function twoTiers(): Stack {
    const stack = new Stack(undefined, 'site');
    new Backend(stack, 'api', { ...BACKEND, routes: ['/api/'] });
    new Backend(stack, 'web', { ...BACKEND, image: 'ghcr.io/acme/web:1.0.0', port: 3000, database: false, redisPool: 0, routes: ['/'] });
    new Nginx(stack, 'lb');
    new Postgres(stack, 'pg');
    new Redis(stack, 'cache');
    return stack;
  }

  for (const profile of ['dev', 'prod']) {
    it(`${profile}: web gets only nginx's traffic and no data edges`, () => {
      const stack = twoTiers();
      const { manifests } = render(stack, profile);
      expectExactEdges(stack, profile, manifests);
      const got = readEdges(manifests);
      expect(sorted(got.egress).filter((e) => e.startsWith('web->'))).toEqual([]);
      expect(sorted(got.ingress).filter((e) => e.endsWith('->web:3000/TCP'))).toEqual(['lb->web:3000/TCP']);
    });
  }
});

describe('the read-back catches extra and missing edges', () => {
  const c = charts.find((x) => x.example === 'reference' && x.profile === 'prod')!;
  const fresh = () => structuredClone(c.manifests) as Manifest[];
  const policy = (ms: Manifest[], name: string) => ms.find((m) => m.kind === 'NetworkPolicy' && m.metadata.name === name)!;

  it('an extra ingress port on the database', () => {
    const ms = fresh();
    policy(ms, 'db').spec.ingress[0].ports.push({ port: 5433, protocol: 'TCP' });
    expect(edgeDiff(c.stack, c.profile, ms)).toEqual({ extra: ['ingress backend-prod->db:5433/TCP'], missing: [], badCidrs: [] });
  });

  it('a missing egress rule from the backend to Redis', () => {
    const ms = fresh();
    policy(ms, 'backend-prod').spec.egress.pop();
    expect(edgeDiff(c.stack, c.profile, ms)).toEqual({ extra: [], missing: ['egress backend-prod->redis:6379/TCP'], badCidrs: [] });
  });

  it('a rule that allows any source', () => {
    const ms = fresh();
    delete policy(ms, 'redis').spec.ingress[0].from;
    expect(edgeDiff(c.stack, c.profile, ms)).toEqual({
      extra: ['ingress anyone->redis:6379/TCP'],
      missing: ['ingress backend-prod->redis:6379/TCP'],
      badCidrs: [],
    });
  });

  it('world reaching a backend directly', () => {
    const ms = fresh();
    policy(ms, 'backend-prod').spec.ingress.push({ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 8000, protocol: 'TCP' }] });
    expect(edgeDiff(c.stack, c.profile, ms).extra).toEqual(['ingress world->backend-prod:8000/TCP']);
  });

  it('a narrowed world CIDR', () => {
    const ms = fresh();
    policy(ms, 'nginx').spec.ingress[0].from[0].ipBlock.cidr = '10.0.0.0/8';
    expect(edgeDiff(c.stack, c.profile, ms).badCidrs).toEqual(['10.0.0.0/8']);
  });

  it('DNS egress dropped', () => {
    const ms = fresh().filter((m) => m.metadata.name !== 'allow-dns');
    expect(edgeDiff(c.stack, c.profile, ms).missing).toEqual(['egress *->kube-dns:53/TCP', 'egress *->kube-dns:53/UDP']);
  });
});
