/**
 * README.md and docs/*.md are tested: every YAML example synthesizes, every TypeScript
 * example typechecks and runs, every `$ scaleout …` transcript is what the CLI prints
 * (test/docs/doctest.ts says how each kind is checked).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAll, extractBlocks, kindOf, ROOT, type Block } from './doctest.js';

const FILES = [
  'README.md',
  ...(existsSync(join(ROOT, 'docs')) ? readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : []),
];

describe.each(FILES)('%s', (file) => {
  const blocks = extractBlocks(readFileSync(join(ROOT, file), 'utf8'), file).filter((b) => kindOf(b) !== 'prose');
  let problems: Map<Block, string | undefined>;
  beforeAll(() => {
    problems = new Map(checkAll(blocks).map((r) => [r.block, r.problem]));
  }, 600_000);

  it('has examples of every kind the doc-test checks', () => {
    if (file !== 'README.md') return;
    expect(new Set(blocks.map(kindOf))).toEqual(new Set(['yaml', 'ts', 'transcript', 'sh']));
  });

  it.each(blocks.map((b) => [`${b.where} ${kindOf(b)}${b.marker ? ` (${b.marker.directive})` : ''}`, b] as const))('%s', (_, b) => {
    expect(problems.get(b)).toBeUndefined();
  });
});

describe('the doc-test fails on a stale example', () => {
  const reference = readFileSync(join(ROOT, 'examples/reference/scaleout.yaml'), 'utf8');
  const md = [
    '```yaml',
    reference.replace('maxConnections: 200', 'maxConnections: 100').trimEnd(),
    '```',
    '',
    '<!-- doctest: same-as examples/reference/scaleout.yaml -->',
    '```yaml',
    reference.replace(/\n\s+# Kubernetes: replace[^]*$/, '\n').trimEnd(),
    '```',
    '',
    '```ts',
    "import { Stack, Backend } from 'scaleout';",
    "new Backend(new Stack(undefined, 'uns'), 'api', { image: 'a/b:1', replicas: 'three' });",
    '```',
    '',
    '```ts',
    "import { Stack } from 'scaleout';",
    "const [first] = new Stack(undefined, 'uns').backends;",
    'console.log(first.node.id);',
    '```',
    '',
    '```ts',
    "import { loadConfig } from 'scaleout';",
    "loadConfig('examples/pitfalls/no-such-file.yaml');",
    '```',
    '',
    '```',
    '$ scaleout synth -c examples/pitfalls/seed-formula.yaml -o out',
    'scaleout: synth refused: 1 rule failed; nothing was written',
    '```',
    '',
    '```sh',
    'pulumi up',
    '```',
    '',
    '<!-- doctest: syntax-only: not here -->',
    '```sh',
    'if then fi (',
    '```',
  ].join('\n');

  it('reports each broken block, and why', () => {
    const results = checkAll(extractBlocks(md, 'broken.md'));
    const problems = results.map((r) => r.problem ?? '');
    expect(problems).toHaveLength(8);
    expect(problems[0]).toMatch(/scaleout synth exits 1:[^]*\[SO-POOL\]/);
    expect(problems[1]).toContain('differs from examples/reference/scaleout.yaml');
    expect(problems[2]).toMatch(/does not typecheck:[^]*TS2322/);
    expect(problems[3]).toMatch(/does not typecheck:[^]*possibly 'undefined'/);
    expect(problems[4]).toMatch(/exits \d+ when run:[^]*no-such-file\.yaml: cannot read the config file/);
    expect(problems[5]).toMatch(/prints something else now:[^]*\[SO-POOL\] uns\/db/);
    expect(problems[6]).toContain('must be a `$ scaleout …` transcript or carry');
    expect(problems[7]).toMatch(/^bash -n: /);
  }, 600_000);
});
