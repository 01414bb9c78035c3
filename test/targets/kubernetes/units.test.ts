/**
 * Quantities are typed once and printed per target: compose `1g` is 1 GiB, so Kubernetes gets
 * `1Gi`, never `1G` (10^9 bytes) and never a raw byte count; cpu 0.5 is compose '0.5' and
 * Kubernetes `500m` (capacity-facts §6.1, §7.1).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { referenceStack } from '../../../examples/reference/stack.js';
import { Cpu, Memory } from '../../../lib/index.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { containersOf, exampleCharts, named, render, workloads, type Manifest } from '../../helpers/k8s.js';
import { minimalStack } from '../../helpers/stacks.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The conversion table: what the user writes, compose, Kubernetes, and the bytes meant. */
const MEMORY: [model: string, compose: string, kubernetes: string, bytes: number][] = [
  ['1Gi', '1g', '1Gi', GiB],
  ['512Mi', '512m', '512Mi', 512 * MiB],
  ['2Gi', '2g', '2Gi', 2 * GiB],
  ['1024Mi', '1g', '1Gi', GiB],
  ['1536Mi', '1536m', '1536Mi', 1536 * MiB],
  ['1.5Gi', '1536m', '1536Mi', 1.5 * GiB],
  ['64Ki', '64k', '64Ki', 64 * 1024],
];

const CPU: [model: number | string, compose: string, kubernetes: string, millis: number][] = [
  [0.5, '0.5', '500m', 500],
  ['500m', '0.5', '500m', 500],
  [1, '1', '1', 1000],
  [2, '2', '2', 2000],
  [0.25, '0.25', '250m', 250],
  ['250m', '0.25', '250m', 250],
  [1.5, '1.5', '1500m', 1500],
  [0.1, '0.1', '100m', 100],
];

/** Compose memory → Kubernetes, independently of lib: `512m` → `512Mi`, `1g` → `1Gi`. */
function composeMemoryToK8s(v: string): string {
  const m = /^(\d+)([kmg])$/.exec(v);
  if (!m) throw new Error(`not a compose memory value from scaleout: ${v}`);
  return `${m[1]}${m[2]!.toUpperCase()}i`;
}

/** Compose cpus → Kubernetes: `0.5` → `500m`, `2` → `2`. */
function composeCpuToK8s(v: string): string {
  const millis = Math.round(Number(v) * 1000);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

describe('conversion table compose ↔ kubernetes', () => {
  for (const [model, compose, k8s, bytes] of MEMORY) {
    it(`memory ${model}: compose ${compose} ↔ kubernetes ${k8s}`, () => {
      const m = Memory.parse(model);
      expect(m.bytes).toBe(bytes);
      expect(m.toCompose()).toBe(compose);
      expect(m.toKubernetes()).toBe(k8s);
      expect(composeMemoryToK8s(compose)).toBe(k8s);
      // The Kubernetes form reads back as the same amount.
      expect(Memory.parse(k8s).bytes).toBe(bytes);
    });
  }
  for (const [model, compose, k8s, millis] of CPU) {
    it(`cpu ${JSON.stringify(model)}: compose '${compose}' ↔ kubernetes ${k8s}`, () => {
      const c = Cpu.parse(model);
      expect(c.millis).toBe(millis);
      expect(c.toCompose()).toBe(compose);
      expect(c.toKubernetes()).toBe(k8s);
      expect(composeCpuToK8s(compose)).toBe(k8s);
      expect(Cpu.parse(k8s).millis).toBe(millis);
    });
  }

  it('decimal and ambiguous units are refused, never guessed', () => {
    for (const bad of ['1G', '1g', '512M', '512m', '1000000000', '1GB']) expect(() => Memory.parse(bad)).toThrow(/memory/);
  });
});

/** Every quantity in a chart: container resources and storage requests. */
function quantities(manifests: readonly Manifest[]): { where: string; kind: 'cpu' | 'memory' | 'storage'; value: unknown }[] {
  const out: { where: string; kind: 'cpu' | 'memory' | 'storage'; value: unknown }[] = [];
  for (const w of workloads(manifests)) {
    for (const { container } of containersOf(w)) {
      for (const side of ['limits', 'requests'] as const) {
        for (const r of ['cpu', 'memory'] as const) {
          const value = container.resources?.[side]?.[r];
          if (value !== undefined) out.push({ where: `${w.metadata.name}/${container.name} ${side}.${r}`, kind: r, value });
        }
      }
    }
    for (const t of (w.spec?.volumeClaimTemplates ?? []) as any[]) {
      out.push({ where: `${w.metadata.name} claim ${t.metadata.name}`, kind: 'storage', value: t.spec.resources.requests.storage });
    }
  }
  for (const c of manifests.filter((m) => m.kind === 'PersistentVolumeClaim')) {
    out.push({ where: `pvc ${c.metadata.name}`, kind: 'storage', value: c.spec.resources.requests.storage });
  }
  return out;
}

const BINARY = /^[1-9]\d*(Ki|Mi|Gi|Ti)$/;
const MILLICPU = /^([1-9]\d*m|[1-9]\d*)$/;

describe('rendered charts use exact quantities', () => {
  for (const c of exampleCharts()) {
    it(`${c.example} (${c.profile}): binary memory, milli or whole cpu, never bytes or G/M`, () => {
      const qs = quantities(c.manifests);
      expect(qs.filter((q) => q.kind === 'memory').length).toBeGreaterThanOrEqual(2 * workloads(c.manifests).length);
      for (const q of qs) {
        expect(typeof q.value, q.where).toBe('string');
        expect(q.value, q.where).toMatch(q.kind === 'cpu' ? MILLICPU : BINARY);
        // A bare number of bytes, or decimal k/M/G: exactly what must never appear for memory.
        if (q.kind !== 'cpu') expect(q.value, q.where).not.toMatch(/^\d+$|[kMGT]$|[KMGT]B$/);
      }
    });
  }

  it('the reference backend: exactly the declared strings, per profile', () => {
    const stack = referenceStack();
    const app = (name: string, profile: string) =>
      containersOf(named(render(stack, profile).manifests, 'Deployment', name))[0]!.container.resources;
    // examples/reference/stack.ts: dev 1 cpu / 1Gi limits, 0.5 / 512Mi requests; prod 2 / 2Gi, 1 / 1Gi.
    expect(app('backend', 'dev')).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } });
    expect(app('backend-prod', 'prod')).toEqual({ limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } });
  });

  it('storage requests in the unit declared: 10Gi Postgres, 20Gi uploads', () => {
    const ref = render(referenceStack(), 'prod').manifests;
    expect(named(ref, 'StatefulSet', 'db').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    const shop = exampleCharts().find((c) => c.example === 'multi-tier' && c.profile === 'prod')!.manifests;
    expect(named(shop, 'PersistentVolumeClaim', 'api-uploads').spec.resources.requests.storage).toBe('20Gi');
  });

  it('a memory that is not a whole GiB stays in Mi (1536Mi, not 1.5Gi or 1610612736)', () => {
    const { stack } = minimalStack({
      backend: { resources: { limits: { cpu: 1.5, memory: '1.5Gi' }, requests: { cpu: '250m', memory: '768Mi' } } },
    });
    const res = containersOf(named(render(stack, 'prod').manifests, 'Deployment', 'backend'))[0]!.container.resources;
    expect(res).toEqual({ limits: { cpu: '1500m', memory: '1536Mi' }, requests: { cpu: '250m', memory: '768Mi' } });
  });
});

describe('compose and kubernetes agree on every reference quantity', () => {
  const compose = parse(synthCompose(referenceStack()).files.get('docker-compose.yml')!) as { services: Record<string, any> };
  const stack = referenceStack();
  for (const profile of stack.profileNames) {
    it(`profile ${profile}`, () => {
      const k8s = render(stack, profile).manifests;
      const names = [...stack.backends.map((b) => b.resolve(profile).serviceName), stack.postgres!.node.id, stack.redis!.node.id];
      let compared = 0;
      for (const name of names) {
        const svc = compose.services[name];
        expect(svc, `compose service ${name}`).toBeDefined();
        const w = k8s.find((m) => m.metadata.name === name && (m.kind === 'Deployment' || m.kind === 'StatefulSet'))!;
        const res = containersOf(w)[0]!.container.resources;
        const c = svc.deploy.resources;
        for (const [composeSide, k8sSide] of [
          ['limits', 'limits'],
          ['reservations', 'requests'],
        ] as const) {
          expect(res[k8sSide].memory, `${name} ${k8sSide}.memory`).toBe(composeMemoryToK8s(c[composeSide].memory));
          expect(res[k8sSide].cpu, `${name} ${k8sSide}.cpu`).toBe(composeCpuToK8s(String(c[composeSide].cpus)));
          compared += 2;
        }
      }
      expect(compared).toBe(names.length * 4);
    });
  }
});
