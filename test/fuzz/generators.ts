/**
 * fast-check generators built from the config's zod schema: every leaf path the schema
 * allows (walked from `configSchema`), and for each leaf a value of its type: plausible,
 * near-valid (an edge of its range) or hostile (injection, control characters, secrets).
 * A case starts from an example config (valid) and sets one to three leaves.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import type { z } from 'zod';
import { configSchema } from '../../lib/cli/config-schema.js';

type AnySchema = z.core.$ZodType;
type Path = (string | number)[];

const def = (s: AnySchema): Record<string, any> => (s as any)._zod.def;

function unwrap(s: AnySchema): AnySchema {
  let cur = s;
  for (;;) {
    const d = def(cur);
    if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable') cur = d.innerType;
    else if (d.type === 'pipe') cur = d.in;
    else return cur;
  }
}

/** A leaf of the schema: where it is and what kind of value it takes. */
export interface Leaf {
  readonly path: Path;
  readonly kind: 'string' | 'number' | 'boolean' | 'enum' | 'stringOrNumber' | 'stringList' | 'record';
  readonly values?: readonly string[];
}

const EXAMPLE_IDS: Record<string, string[]> = { backends: ['backend'], profiles: ['dev', 'prod'] };

/** Every leaf path of `schema`, records entered with the example configs' keys. */
export function leaves(schema: AnySchema = configSchema, path: Path = [], depth = 0): Leaf[] {
  if (depth > 8) return [];
  const s = unwrap(schema);
  const d = def(s);
  switch (d.type) {
    case 'object':
      return Object.entries(d.shape as Record<string, AnySchema>).flatMap(([k, v]) => leaves(v, [...path, k], depth + 1));
    case 'record': {
      const last = String(path.at(-1));
      const keys = EXAMPLE_IDS[last];
      if (!keys) return [{ path, kind: 'record' }];
      return keys.flatMap((k) => leaves(d.valueType, [...path, k], depth + 1));
    }
    case 'array': {
      const el = def(unwrap(d.element));
      if (el.type === 'string') return [{ path, kind: 'stringList' }];
      return leaves(d.element, [...path, 0], depth + 1);
    }
    case 'union':
      return [{ path, kind: 'stringOrNumber' }];
    case 'enum':
      return [{ path, kind: 'enum', values: Object.values(d.entries as Record<string, string>) }];
    case 'literal':
      return [{ path, kind: 'enum', values: (d.values as unknown[]).map(String) }];
    case 'string':
    case 'number':
    case 'boolean':
      return [{ path, kind: d.type }];
    default:
      return [];
  }
}

/** Strings a user might write in any field: most are valid somewhere. */
const PLAUSIBLE = [
  'api', 'backend', 'web-2', '/api/', '/', '/api/health', '15s', '500ms', '1m', '512Mi', '1Gi', '25%', '0%', '1',
  'ghcr.io/acme/api:1.0.0', 'nginx:1.27-alpine', 'postgres_password', 'tls_cert', 'info', 'uns', 'auto', 'session',
  'transaction', '$request_uri', 'redis://cache:6379/0', 'release', 'kube-prometheus', 'monitoring',
];

/** Strings meant to break a serializer, a target or the terminal. */
export const HOSTILE = [
  '$2b$12$abcdefghijklmnopqrstuv', '${AWS_SECRET_ACCESS_KEY:-}', '$HOME', 'a$$b', '$', '#x', 'a;b', 'a{b}', 'a"b', "a'b", 'a\\b',
  'line\nbreak', 'cr\rret', 'tab\tx', '\u001b[31mred', '\u202eevil', '\u0000nul', 'x'.repeat(300), '---\nkind: Secret',
  "'+str(__import__('os').system('id'))+'", '/x\nimport os', '../../etc/passwd', '/data:ro', '/tmp', 'constructor', '__proto__',
  'UPPER', 'trailing-', '-lead', 'a.b', 'api_key', 'api-key', '00%', '000%', '250%', '1e+21Gi', '99999999999999999999s', '', ' ',
  '1e21', 'NaN', '-1', '0', '65536', '2147483648', 'é', '日本',
];

/** Values that must never be written to an output: each is flagged by SO-SECRET. */
export const SECRET_VALUES = [
  'redis://:pw4fuzz@cache:6379/0', 'postgresql://u:pw4fuzz@db/x', 'Bearer fuzztokenabcdef', 'ghp_fuzzFUZZfuzzFUZZfuzz0123456789',
  'sk_live_fuzzfuzzfuzz', 'AKIAFUZZFUZZFUZZFUZZ', 'jdbc:postgresql://db/x?password=pw4fuzz', 'xoxb-fuzz-fuzzfuzzfuzz',
];

const NUMBERS = [0, 1, 2, 3, 8, 32, 100, 1000, 8000, 65535, 65536, -1, 1.5, 2 ** 31, 2 ** 53, 1e21, 1e308];

export type Flavor = 'valid' | 'near-valid' | 'hostile';

/** A value for `leaf`: plausible for 'valid', an edge for 'near-valid', anything for 'hostile'. */
export function valueFor(leaf: Leaf, flavor: Flavor): fc.Arbitrary<unknown> {
  const str =
    flavor === 'valid'
      ? fc.constantFrom(...PLAUSIBLE)
      : flavor === 'near-valid'
        ? fc.oneof(fc.constantFrom(...PLAUSIBLE), fc.constantFrom(...HOSTILE))
        : fc.oneof(fc.constantFrom(...HOSTILE, ...SECRET_VALUES), fc.string({ unit: 'binary', maxLength: 40 }));
  const num = flavor === 'valid' ? fc.integer({ min: 0, max: 64 }) : fc.oneof(fc.constantFrom(...NUMBERS), fc.integer());
  switch (leaf.kind) {
    case 'boolean':
      return flavor === 'hostile' ? fc.oneof(fc.boolean(), str) : fc.boolean();
    case 'enum':
      return flavor === 'valid' ? fc.constantFrom(...leaf.values!) : fc.oneof(fc.constantFrom(...leaf.values!), str);
    case 'number':
      return flavor === 'hostile' ? fc.oneof(num, str) : num;
    case 'stringOrNumber':
      return fc.oneof(num, str);
    case 'stringList':
      return fc.array(str, { minLength: flavor === 'valid' ? 1 : 0, maxLength: 4 });
    case 'record':
      return fc.dictionary(
        fc.oneof(fc.constantFrom('LOG_LEVEL', 'API', 'SECRET_KEY', 'DB_PASS', 'X', 'release', 'team'), flavor === 'hostile' ? str : fc.constant('Y')),
        fc.oneof(str, fc.record({ secret: fc.constantFrom('api_key', 'api-key', 'Bad.Name', 'stripe_api_key') })),
        { maxKeys: 4 },
      );
    default:
      return str;
  }
}

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
export const BASES: readonly Record<string, unknown>[] = ['reference', 'monitored', 'pooled', 'multi-tier', 'operator'].map(
  (e) => parse(readFileSync(join(EXAMPLES, e, 'scaleout.yaml'), 'utf8')) as Record<string, unknown>,
);

function setIn(root: Record<string, unknown>, path: Path, value: unknown): void {
  let cur: any = root;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof path[i + 1] === 'number' ? [] : {};
    cur = cur[k];
  }
  cur[path.at(-1)!] = value;
}

/** One generated config: its YAML text, its flavor, and the leaves it set. */
export interface FuzzCase {
  readonly flavor: Flavor;
  readonly text: string;
  readonly edits: readonly { path: Path; value: unknown }[];
}

const LEAVES = leaves();

/** Configs built from an example with one to three leaves set from the schema. */
export function configArb(flavor?: Flavor): fc.Arbitrary<FuzzCase> {
  const flavorArb = flavor ? fc.constant(flavor) : fc.constantFrom<Flavor>('valid', 'near-valid', 'hostile');
  return flavorArb.chain((fl) =>
    fc
      .tuple(
        fc.constantFrom(...BASES.keys()),
        fc.array(
          fc.constantFrom(...LEAVES).chain((leaf) => valueFor(leaf, fl).map((value) => ({ path: leaf.path, value }))),
          { minLength: fl === 'near-valid' ? 1 : fl === 'valid' ? 0 : 1, maxLength: fl === 'near-valid' ? 1 : 3 },
        ),
      )
      .map(([base, edits]) => {
        const doc = structuredClone(BASES[base]!);
        for (const e of edits) setIn(doc, e.path, e.value);
        return { flavor: fl, text: stringify(doc), edits };
      }),
  );
}
