/**
 * `manifestYaml` writes the bytes cdk8s's own `Yaml.stringify` writes (what `npx cdk8s synth`
 * puts in dist/), for every example chart and for the scalars YAML 1.1 reads differently.
 */
import { Yaml } from 'cdk8s';
import fc from 'fast-check';
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

describe('manifestYaml on arbitrary documents', () => {
  // Words a manifest holds and words YAML 1.1 reads as something else, keys included.
  const word = fc.constantFrom(
    'app', 'nginx.conf', 'app.kubernetes.io/name', '/api/health', '500m', '1Gi', '25%', '8000', '0755', '1:30', 'yes', 'No',
    'ON', 'y', '~', 'null', '', ' lead', 'trail ', 'a: b', '# c', '- d', '"q"', "it's", 'tab\there', 'two\nlines', 'end\n',
    'ünï', '2001-12-14', '.inf', '0x1F', '1e3', '@at', '*star', '&amp', '!tag', '{x}', '[y]', '%p', '`b`', '<<', '=', '?', 'x?',
  );
  const leafValue = fc.oneof(word, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const doc = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafValue, tie('map'), tie('list')),
    map: fc.dictionary(word, tie('node'), { maxKeys: 4 }),
    list: fc.array(tie('node'), { maxLength: 3 }),
  })).map;

  it('writes the bytes of cdk8s Yaml.stringify', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(doc, fc.constant(undefined)), { maxLength: 3 }), (docs) => {
        expect(manifestYaml(docs)).toBe(Yaml.stringify(...docs));
      }),
      { numRuns: 2000 },
    );
  });
});
