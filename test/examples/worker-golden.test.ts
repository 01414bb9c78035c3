/**
 * examples/worker is declared twice, in TypeScript (stack.ts) and YAML (scaleout.yaml): both
 * synthesize the same bytes for compose and, per profile, for Kubernetes. The compose goldens
 * are kept by golden.test.ts (every YAML example), the Kubernetes ones by
 * test/targets/kubernetes/golden.test.ts; this file ties the TypeScript declaration to them.
 */
import { join } from 'node:path';
import { Testing, Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { workerStack } from '../../examples/worker/stack.js';
import { loadConfigFile } from '../../lib/cli/config.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { KubernetesChart } from '../../lib/targets/kubernetes/index.js';

const YAML = join(import.meta.dirname, '..', '..', 'examples', 'worker', 'scaleout.yaml');

describe('golden: examples/worker in TypeScript and YAML', () => {
  it('compose: stack.ts synthesizes the bytes of the YAML golden', async () => {
    const fromTs = synthCompose(workerStack()).files;
    expect([...fromTs]).toEqual([...synthCompose(loadConfigFile(YAML)).files]);
    for (const [path, content] of fromTs) await expect(content).toMatchFileSnapshot(join('golden', 'worker', 'compose', path));
  });

  it('kubernetes: stack.ts renders the bytes of the YAML golden, per profile', async () => {
    const render = (load: (app: ReturnType<typeof Testing.app>) => ReturnType<typeof workerStack>) => {
      const app = Testing.app();
      const stack = load(app);
      return stack.profileNames.map((profile) => [profile, Yaml.stringify(...new KubernetesChart(app, `${stack.stackName}-${profile}`, { stack, profile }).toJson())] as const);
    };
    const ts = render((app) => workerStack(app));
    expect(ts.map(([p]) => p)).toEqual(['dev', 'prod']);
    expect(ts).toEqual(render((app) => loadConfigFile(YAML, app)));
    for (const [profile, text] of ts) {
      await expect(text).toMatchFileSnapshot(join('..', 'targets', 'kubernetes', 'golden', `worker-${profile}.k8s.yaml`));
    }
  });
});
