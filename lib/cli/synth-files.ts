import { App } from 'cdk8s';
import type { TargetKind } from '../capacity/target.js';
import type { Stack } from '../model/stack.js';
import { synthGate, type GateReport } from '../rules/gate.js';
import { synthCompose } from '../targets/compose/index.js';
import { KubernetesChart, manifestYaml } from '../targets/kubernetes/index.js';

/** Targets the CLI writes files for; Pulumi deploys through `pulumi up` instead. */
export const FILE_TARGETS: readonly TargetKind[] = ['compose', 'kubernetes'];

/**
 * Renders `targets` in memory, in the layout `npx cdk8s synth` writes: `compose/…` and one
 * `<stack>-<profile>.k8s.yaml` per profile. One gate covers every target first, so a
 * refusal lists every failure at once and nothing is rendered. `secretsDir` is relative to
 * `compose/` (see `ComposeSynthOptions.secretsDir`).
 */
export function synthFiles(
  stack: Stack,
  targets: readonly TargetKind[],
  opts: { readonly secretsDir?: string } = {},
): { files: Map<string, string>; report: GateReport } {
  const report = synthGate(stack, { targets });
  const files = new Map<string, string>();
  if (targets.includes('compose')) {
    for (const [path, content] of synthCompose(stack, { report, ...(opts.secretsDir === undefined ? {} : { secretsDir: opts.secretsDir }) }).files) files.set(`compose/${path}`, content);
  }
  if (targets.includes('kubernetes')) {
    for (const profile of stack.profileNames) {
      const id = `${stack.stackName}-${profile}`;
      files.set(`${id}.k8s.yaml`, manifestYaml(chartJson(stack, profile, report, id)));
    }
  }
  return { files, report };
}

/**
 * One profile's chart as cdk8s's JSON, built in an App of its own: once this returns, the
 * chart's constructs are garbage, so a large stack holds one profile's objects at a time, and
 * none of them while their YAML is written.
 */
function chartJson(stack: Stack, profile: string, report: GateReport, id: string): unknown[] {
  return new KubernetesChart(new App(), id, { stack, profile, report }).toJson();
}
