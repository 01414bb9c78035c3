/**
 * The import rules of docs/ARCHITECTURE.md ("Layers: imports point down only"), read from the
 * source: every `import … from` and `export … from` of lib/ resolved to its layer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = resolve(import.meta.dirname, '..', '..', 'lib');

/** What each layer must never import (docs/ARCHITECTURE.md's table). */
const FORBIDDEN: Record<string, readonly string[]> = {
  units: ['model', 'capacity', 'plan', 'rules', 'render', 'targets', 'cli'],
  model: ['capacity', 'plan', 'rules', 'render', 'targets', 'cli'],
  capacity: ['plan', 'rules', 'render', 'targets', 'cli'],
  plan: ['rules', 'render', 'targets', 'cli'],
  rules: ['render', 'targets', 'cli'],
  render: ['rules', 'targets', 'cli'],
  targets: ['cli'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative specifiers of `import … from '…'`, `export … from '…'` and `import('…')`. */
export function specifiers(text: string): string[] {
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]/g), ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)];
  return found.map((m) => m[1]!).filter((s) => s.startsWith('.'));
}

/** `model`, `rules`, … or `targets/compose`, for a file under lib/. */
function layerOf(file: string): string {
  const parts = relative(LIB, file).split('/');
  if (parts.length === 1) return 'index';
  return parts[0] === 'targets' && parts.length > 2 ? `targets/${parts[1]}` : parts[0]!;
}

const edges = sources(LIB).flatMap((file) =>
  specifiers(readFileSync(file, 'utf8')).map((spec) => {
    const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
    return { file: relative(LIB, file), to: relative(LIB, target), from: layerOf(file), layer: layerOf(target) };
  }),
);

describe('import rules (docs/ARCHITECTURE.md)', () => {
  it('reads the imports of every lib file', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.file === 'targets/compose/project.ts' && e.layer === 'render')).toBe(true);
  });

  it.each(Object.entries(FORBIDDEN))('lib/%s imports no layer above it', (layer, forbidden) => {
    const bad = edges.filter((e) => (e.from === layer || e.from.startsWith(`${layer}/`)) && forbidden.some((f) => e.layer === f || e.layer.startsWith(`${f}/`)));
    expect(bad.map((e) => `${e.file} → ${e.to}`)).toEqual([]);
  });

  it('no lib/targets/X imports lib/targets/Y', () => {
    const crossings = edges
      .filter((e) => e.from.startsWith('targets/') && e.layer.startsWith('targets/') && e.from !== e.layer)
      .map((e) => `${e.file} → ${e.to}`);
    expect([...new Set(crossings)].sort()).toEqual([]);
  });

  it('the reader sees every import form', () => {
    const text = "import a from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nexport * from '../d.js';\nconst e = await import('./e.js');\nimport x from 'node:fs';";
    expect(specifiers(text)).toEqual(['./a.js', '../b.js', './c.js', '../d.js', './e.js']);
  });
});
