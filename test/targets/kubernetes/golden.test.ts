/**
 * Golden snapshots: every example and profile as the YAML `cdk8s synth` would write, kept in
 * test/targets/kubernetes/golden/ and reviewed in diffs. Rendering is deterministic: the same
 * model gives the same bytes, and the reference YAML gives the bytes of the TypeScript stack.
 */
import { Yaml } from 'cdk8s';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleCharts, type ExampleChart } from '../../helpers/k8s.js';

const yamlOf = (c: ExampleChart) => Yaml.stringify(...c.manifests);

const first = exampleCharts();
const second = exampleCharts();

describe('golden Kubernetes manifests', () => {
  for (const c of first) {
    it(`${c.example} (${c.profile}) → golden/${c.golden}-${c.profile}.k8s.yaml`, async () => {
      await expect(yamlOf(c)).toMatchFileSnapshot(join('golden', `${c.golden}-${c.profile}.k8s.yaml`));
    });
  }

  it('rendering twice gives identical output', () => {
    expect(second.map((c) => `${c.example}/${c.profile}`)).toEqual(first.map((c) => `${c.example}/${c.profile}`));
    for (const [i, c] of first.entries()) expect(yamlOf(second[i]!), `${c.example} ${c.profile}`).toBe(yamlOf(c));
  });

  it('the reference YAML renders the same bytes as the reference stack.ts', () => {
    const ts = first.filter((c) => c.example === 'reference');
    const yaml = first.filter((c) => c.example === 'reference-yaml');
    expect(yaml.map((c) => c.profile)).toEqual(ts.map((c) => c.profile));
    for (const [i, c] of ts.entries()) expect(yamlOf(yaml[i]!), c.profile).toBe(yamlOf(c));
  });

  it('holds no timestamps, random ids or cdk8s hashes', () => {
    for (const c of first) {
      const text = yamlOf(c);
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:|creationTimestamp|cdk8s\.io\/metadata\.addr/);
      expect(text).not.toMatch(/name: \S+-[0-9a-f]{8}$/m);
    }
  });
});
