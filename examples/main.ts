/**
 * The app `npx cdk8s synth` runs (see cdk8s.yaml): the reference stack, synthesized to
 * `dist/compose/` and one `dist/<stack>-<profile>.k8s.yaml` per profile. Every gate runs
 * before anything is written; when a rule fails nothing is.
 *
 * cdk8s-cli deletes its own output directory before every run, so that directory
 * (`.cdk8s.out`, see cdk8s.yaml) is only a scratch copy of the manifests. The output users
 * keep is written by `writeOutput`, which never deletes a file scaleout did not write:
 * `dist/`, or `$SCALEOUT_OUTDIR`. Secret files live in `secrets/` at the project root.
 */
import { App } from 'cdk8s';
import { relative, resolve, sep } from 'node:path';
import { ScaleoutError, synthGate, warningLines } from '../lib/index.js';
import { synthCompose, writeOutput } from '../lib/targets/compose/index.js';
import { KubernetesChart, manifestYaml } from '../lib/targets/kubernetes/index.js';
import { referenceStack } from './reference/stack.js';

const app = new App();
const out = process.env.SCALEOUT_OUTDIR || 'dist';
const secretsDir = relative(resolve(out, 'compose'), resolve('secrets')).split(sep).join('/');
const stack = referenceStack(app);
try {
  // One gate for both targets: every refusal is listed at once, and no rule runs twice.
  const report = synthGate(stack, { targets: ['compose', 'kubernetes'] });
  const { files } = synthCompose(stack, { report, secretsDir });
  const all = new Map([...files].map(([path, text]) => [`compose/${path}`, text]));
  for (const profile of stack.profileNames) {
    const chart = new KubernetesChart(app, `${stack.stackName}-${profile}`, { stack, profile, report });
    all.set(`${chart.node.id}.k8s.yaml`, manifestYaml(chart.toJson()));
  }
  for (const line of warningLines(report)) console.error(line);
  writeOutput(out, all);
  app.synth();
} catch (e) {
  if (!(e instanceof ScaleoutError)) throw e;
  console.error(e.message);
  process.exitCode = e.exitCode;
}
