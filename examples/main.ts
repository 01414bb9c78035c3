/**
 * The app `npx cdk8s synth` runs (see cdk8s.yaml): the reference stack, synthesized to
 * `dist/compose/` and one `dist/<stack>-<profile>.k8s.yaml` per profile. Every gate runs
 * before anything is written; when a rule fails nothing is.
 */
import { App } from 'cdk8s';
import { join } from 'node:path';
import { ScaleoutError, synthGate, warningLines } from '../lib/index.js';
import { synthCompose, writeOutput } from '../lib/targets/compose/index.js';
import { KubernetesChart } from '../lib/targets/kubernetes/index.js';
import { referenceStack } from './reference/stack.js';

const app = new App();
const stack = referenceStack(app);
try {
  // One gate for both targets: every refusal is listed at once, and no rule runs twice.
  const report = synthGate(stack, { targets: ['compose', 'kubernetes'] });
  const { files } = synthCompose(stack, { report });
  for (const profile of stack.profileNames) {
    new KubernetesChart(app, `${stack.stackName}-${profile}`, { stack, profile, report });
  }
  for (const line of warningLines(report)) console.error(line);
  writeOutput(join(app.outdir, 'compose'), files);
  app.synth();
} catch (e) {
  if (!(e instanceof ScaleoutError)) throw e;
  console.error(e.message);
  process.exitCode = e.exitCode;
}
