/**
 * `manifestYaml` writes the bytes cdk8s's own `Yaml.stringify` writes (what `npx cdk8s synth`
 * puts in dist/), for every example chart and for the scalars YAML 1.1 reads differently.
 */
import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { manifestYaml } from '../../../lib/targets/kubernetes/index.js';
import { exampleCharts, render } from '../../helpers/k8s.js';
import { monitoredStack } from '../../helpers/monitoring.js';

describe('manifestYaml', () => {
  for (const c of exampleCharts()) {
    it(`${c.example} (${c.profile}): the bytes of cdk8s's Yaml.stringify`, () => {
      expect(manifestYaml(c.manifests)).toBe(Yaml.stringify(...c.manifests));
    });
  }

  it('a prometheusOperator chart: the bytes of cdk8s Yaml.stringify', () => {
    const { manifests } = render(monitoredStack({ monitoring: { prometheusOperator: {} } }), 'prod');
    expect(manifestYaml(manifests)).toBe(Yaml.stringify(...manifests));
  });

  it('quotes what YAML 1.1 would read as booleans, octals or sexagesimals, as cdk8s does', () => {
    const docs = [{ a: 'yes', b: 'on', c: '0755', d: '1:30', e: '~', f: null, g: undefined, h: ['y', 'NO'] }, undefined, { i: '' }];
    const text = manifestYaml(docs);
    expect(text).toBe(Yaml.stringify(...docs));
    expect(text).toContain('a: "yes"');
  });
});
