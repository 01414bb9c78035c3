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
    const app = new App();
    for (const profile of stack.profileNames) {
      const chart = new KubernetesChart(app, `${stack.stackName}-${profile}`, { stack, profile, report });
      files.set(`${chart.node.id}.k8s.yaml`, manifestYaml(chart.toJson()));
    }
  }
  return { files, report };
}
