/**
 * Fills the config's JSON Schema with the TSDoc of the construct props: each object in the
 * schema is matched to the `*Props` interface whose properties cover its keys, and each
 * property gets that interface's description and `@default`. props-doc.json is extracted
 * from lib/model by scripts/tsdoc-props.mjs, so editors and the API docs say the same.
 */
import doc from './props-doc.json' with { type: 'json' };

interface PropDoc {
  readonly description: string;
  readonly default?: string;
}
type Schema = { [k: string]: unknown; properties?: Record<string, Schema>; description?: string; default?: unknown };

const INTERFACES = Object.entries(doc as Record<string, Record<string, PropDoc>>);

/** Keys only the YAML file has (the constructs take them as separate constructs). */
const CONFIG_ONLY: Record<string, PropDoc> = {
  pooler: { description: 'PgBouncer between the backends and Postgres; the backends connect through it (the PgBouncer construct).' },
};

/**
 * The interface documenting an object with `keys`: the one that has the most of them, and
 * of those the smallest. Unknown to all, or sharing fewer than half, gives undefined.
 */
function interfaceFor(keys: readonly string[]): Record<string, PropDoc> | undefined {
  let best: Record<string, PropDoc> | undefined;
  let bestHits = 0;
  for (const [, props] of INTERFACES) {
    const hits = keys.filter((k) => k in props).length;
    const smaller = best !== undefined && Object.keys(props).length < Object.keys(best).length;
    if (hits > bestHits || (hits === bestHits && hits > 0 && smaller)) [best, bestHits] = [props, hits];
  }
  return bestHits * 2 >= keys.length ? best : undefined;
}

/**
 * A TSDoc `@default` that starts with a literal (`1`, `'1.22'`, `true`, `'30s' (Docker's
 * default)`) as that JSON value; undefined for prose (`- every target`, `the stack name`).
 */
function jsonDefault(text: string): unknown {
  if (/^(\{\}|\[\]|\[('[^'"]*'(, )?)+\])$/.test(text)) return JSON.parse(text.replace(/'/g, '"'));
  const m = /^('[^'"]*'|-?\d+(?:\.\d+)?|true|false)(?:\s|$)/.exec(text);
  if (!m) return undefined;
  const literal = m[1]!;
  return literal.startsWith("'") ? literal.slice(1, -1) : JSON.parse(literal);
}

/** Adds descriptions and defaults in place, everywhere in `schema`. */
export function addPropDocs(schema: Schema): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const s = node as Schema;
    if (s.properties) {
      const props = interfaceFor(Object.keys(s.properties));
      for (const [key, prop] of Object.entries(s.properties)) {
        const d = props?.[key] ?? CONFIG_ONLY[key];
        if (!d) continue;
        if (d.description) prop.description = d.description;
        if (d.default !== undefined) {
          const v = jsonDefault(d.default);
          if (v !== undefined) prop.default = v;
          // Prose (`- none`, `- the stack name`): said in words.
          else prop.description = `${prop.description ?? ''} Default: ${d.default.replace(/^- /, '')}.`.trim();
        }
      }
    }
    for (const v of Object.values(s)) visit(v);
  };
  visit(schema);
}
