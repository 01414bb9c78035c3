/**
 * `scaleout schema` documents every property from the TSDoc of the construct props
 * (lib/cli/props-doc.json, extracted by scripts/tsdoc-props.mjs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../lib/cli/config-schema.js';
import { addPropDocs } from '../../lib/cli/schema-docs.js';
// @ts-expect-error: a plain .mjs build script, without types
import { OUT, propsDoc } from '../../scripts/tsdoc-props.mjs';

type Node = { [k: string]: unknown; properties?: Record<string, Node> };

/** `path` of every property in `schema` and what it says. */
function properties(schema: unknown, path = ''): { path: string; node: Node }[] {
  if (Array.isArray(schema)) return schema.flatMap((s) => properties(s, path));
  if (schema === null || typeof schema !== 'object') return [];
  const s = schema as Node;
  const own = Object.entries(s.properties ?? {}).flatMap(([k, v]) => [{ path: `${path}.${k}`, node: v }, ...properties(v, `${path}.${k}`)]);
  const nested = Object.entries(s)
    .filter(([k]) => k !== 'properties')
    .flatMap(([k, v]) => properties(v, k === 'additionalProperties' ? `${path}.*` : path));
  return [...own, ...nested];
}

describe('scaleout schema descriptions', () => {
  const schema = configJsonSchema();
  const all = properties(schema);

  it('the committed props-doc.json is what the TSDoc says now (run node scripts/tsdoc-props.mjs)', () => {
    expect(JSON.parse(readFileSync(OUT, 'utf8'))).toEqual(propsDoc());
  });

  it('every property has a description', () => {
    expect(all.length).toBeGreaterThan(300);
    expect(all.filter((p) => typeof p.node.description !== 'string' || p.node.description === '').map((p) => p.path)).toEqual([]);
  });

  it('takes descriptions and defaults from the TSDoc', () => {
    const doc = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'lib', 'cli', 'props-doc.json'), 'utf8'));
    const backend = (schema as any).properties.backends.additionalProperties.properties;
    expect(backend.workers.description).toBe(doc.BackendProps.workers.description);
    expect(backend.workers.default).toBe(1);
    expect(backend.healthcheck.properties.timeout.default).toBe('30s');
    expect(backend.routes.default).toEqual(['/']);
    expect(backend.autoscale.description).toMatch(/ Default: no autoscaling\.$/);
    expect((schema as any).properties.postgres.properties.pooler.properties.instances.default).toBe(1);
    expect(all.filter((p) => p.node.default !== undefined).length).toBeGreaterThan(150);
  });

  it('leaves a property no interface documents without a description, so the test above would fail', () => {
    const s: Node = { properties: { image: {}, replicas: {}, notInAnyProps: {} } };
    addPropDocs(s);
    expect(s.properties!['image']!.description).toBeTruthy();
    expect(s.properties!['notInAnyProps']!.description).toBeUndefined();
  });
});
