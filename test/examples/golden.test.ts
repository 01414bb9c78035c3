/**
 * Every example is a golden test: its synthesized files are kept under test/examples/golden/
 * and reviewed in diffs. The pitfall examples must keep failing with their SO-POOL message.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../examples/reference/stack.js';
import { loadConfigFile } from '../../lib/cli/config.js';
import { SynthError } from '../../lib/index.js';
import { synthCompose } from '../../lib/targets/compose/index.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('golden: reference stack', () => {
  const { files } = synthCompose(referenceStack());
  for (const [path, content] of files) {
    it(`compose/${path}`, async () => {
      await expect(content).toMatchFileSnapshot(join('golden', 'reference', 'compose', path));
    });
  }

  it('the YAML declaration synthesizes the same bytes', () => {
    const fromYaml = synthCompose(loadConfigFile(join(EXAMPLES, 'reference', 'scaleout.yaml'))).files;
    expect([...fromYaml]).toEqual([...files]);
  });
});

describe('golden: every YAML example', () => {
  const examples = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'reference' && e.name !== 'pitfalls')
    .map((e) => e.name)
    .filter((name) => readdirSync(join(EXAMPLES, name)).includes('scaleout.yaml'))
    .sort();

  it('includes the multi-tier and pooled examples', () => {
    expect(examples).toEqual(expect.arrayContaining(['multi-tier', 'pooled']));
  });

  for (const name of examples) {
    const { files } = synthCompose(loadConfigFile(join(EXAMPLES, name, 'scaleout.yaml')));
    for (const [path, content] of files) {
      it(`${name}/compose/${path}`, async () => {
        await expect(content).toMatchFileSnapshot(join('golden', name, 'compose', path));
      });
    }
  }
});

describe('golden: pitfalls refuse to synthesize', () => {
  const dir = join(EXAMPLES, 'pitfalls');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    it(file, async () => {
      const stack = loadConfigFile(join(dir, file));
      let message = '';
      try {
        synthCompose(stack);
      } catch (e) {
        expect(e).toBeInstanceOf(SynthError);
        message = (e as Error).message;
      }
      expect(message).toContain('[SO-POOL]');
      await expect(message + '\n').toMatchFileSnapshot(join('golden', 'pitfalls', file.replace('.yaml', '.txt')));
    });
  }
});
