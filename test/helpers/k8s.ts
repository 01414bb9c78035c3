/**
 * Kubernetes test helpers: every example rendered through `KubernetesChart`, one chart per
 * profile, and small finders over the rendered manifests.
 *
 * Examples are the reference stack declared in TypeScript (`examples/reference/stack.ts`) and
 * every `examples/<name>/scaleout.yaml`. The reference YAML declares the same stack as the
 * TypeScript file, so it shares its golden name.
 */
import { Testing } from 'cdk8s';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { referenceStack } from '../../examples/reference/stack.js';
import { loadConfigFile } from '../../lib/cli/config.js';
import type { Stack } from '../../lib/index.js';
import { KubernetesChart, type KubernetesChartProps } from '../../lib/targets/kubernetes/index.js';

export const EXAMPLES_DIR = join(import.meta.dirname, '..', '..', 'examples');

/** Labels and annotations as Kubernetes keeps them. */
export type StringMap = Record<string, string>;

/** A rendered Kubernetes object. Fields below `metadata` are loosely typed on purpose. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: StringMap; annotations?: StringMap; [k: string]: unknown };
  spec?: any;
  data?: StringMap;
  [k: string]: unknown;
}

/** One profile of one example, rendered. */
export interface ExampleChart {
  /** `reference` (stack.ts), `reference-yaml`, or the directory name of a `scaleout.yaml`. */
  readonly example: string;
  /** Name its golden snapshots go under; the reference YAML shares the reference's. */
  readonly golden: string;
  readonly profile: string;
  readonly manifests: Manifest[];
  readonly stack: Stack;
  readonly chart: KubernetesChart;
}

interface ExampleSource {
  readonly example: string;
  readonly golden: string;
  readonly load: (app: ReturnType<typeof Testing.app>) => Stack;
}

/** The reference TS example, then every `examples/<dir>/scaleout.yaml` in name order. */
export function exampleSources(): ExampleSource[] {
  const yamls = readdirSync(EXAMPLES_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(EXAMPLES_DIR, d.name, 'scaleout.yaml')))
    .map((d) => d.name)
    .sort();
  return [
    { example: 'reference', golden: 'reference', load: (app) => referenceStack(app) },
    ...yamls.map((dir) => ({
      example: dir === 'reference' ? 'reference-yaml' : dir,
      golden: dir,
      load: (app: ReturnType<typeof Testing.app>) => loadConfigFile(join(EXAMPLES_DIR, dir, 'scaleout.yaml'), app),
    })),
  ];
}

/**
 * Every example × every profile of its stack, rendered with default chart props. Each example
 * gets its own fresh `Testing.app()`, holding one chart per profile.
 */
export function exampleCharts(): ExampleChart[] {
  return exampleSources().flatMap((src) => {
    const app = Testing.app();
    const stack = src.load(app);
    return stack.profileNames.map((profile) => {
      const chart = new KubernetesChart(app, `${stack.stackName}-${profile}`, { stack, profile });
      return { example: src.example, golden: src.golden, profile, manifests: chart.toJson() as Manifest[], stack, chart };
    });
  });
}

/** Renders one profile of `stack` in a fresh app (the stack must have no scope yet, or be in `app`). */
export function render(
  stack: Stack,
  profile: string,
  props: Omit<KubernetesChartProps, 'stack' | 'profile'> = {},
): { chart: KubernetesChart; manifests: Manifest[] } {
  const app = Testing.app();
  const chart = new KubernetesChart(app, `${stack.stackName}-${profile}`, { ...props, stack, profile });
  return { chart, manifests: chart.toJson() as Manifest[] };
}

/** Objects of one kind. */
export function byKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

/** The one object of `kind` named `name`; throws when there is none or more than one. */
export function named(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  if (found.length !== 1) {
    const have = byKind(manifests, kind).map((m) => m.metadata.name);
    throw new Error(`expected one ${kind} '${name}', found ${found.length} (have: ${have.join(', ') || 'none'})`);
  }
  return found[0]!;
}

/** Kinds that run pods from a template. */
export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'] as const;

/** Every object with a pod template. */
export function workloads(manifests: readonly Manifest[]): Manifest[] {
  return manifests.filter((m) => (WORKLOAD_KINDS as readonly string[]).includes(m.kind));
}

/** The pod spec of a workload (or a bare Pod). */
export function podSpecOf(m: Manifest): any {
  return m.kind === 'Pod' ? m.spec : m.spec?.template?.spec;
}

/** The labels a workload's pods carry. */
export function podLabelsOf(m: Manifest): StringMap {
  return (m.kind === 'Pod' ? m.metadata.labels : m.spec?.template?.metadata?.labels) ?? {};
}

/** Containers and init containers of a workload, with which list each came from. */
export function containersOf(m: Manifest): { container: any; init: boolean }[] {
  const spec = podSpecOf(m) ?? {};
  return [
    ...((spec.initContainers ?? []) as any[]).map((container) => ({ container, init: true })),
    ...((spec.containers ?? []) as any[]).map((container) => ({ container, init: false })),
  ];
}

/** A Kubernetes LabelSelector (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: StringMap;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/**
 * Whether `selector` selects an object carrying `labels`, with the API server's semantics:
 * an empty selector `{}` selects everything; `undefined` selects nothing.
 */
export function selects(selector: LabelSelector | undefined, labels: StringMap): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(labels[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(labels[e.key]!)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

/** A Service's `spec.selector` (a plain map, selects nothing when empty or missing). */
export function serviceSelects(service: Manifest, labels: StringMap): boolean {
  const sel: StringMap | undefined = service.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return false;
  return selects({ matchLabels: sel }, labels);
}

/** A deep copy, for mutating a manifest in a negative test. */
export function copy<T>(v: T): T {
  return structuredClone(v);
}
