import { stringify } from 'yaml';

/** cdk8s's own `Yaml.stringify` options (YAML 1.1, no line folding, undefined kept). */
const OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1', directives: false } as const;

/** Thrown inside the fast path when a document holds something it does not write itself. */
class Unusual extends Error {}

/** Keys written bare without asking yaml: no YAML 1.1 indicator, number, bool or null can start them. */
const BARE_KEY = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
/** Plain words YAML 1.1 reads as booleans or null. */
const RESERVED = /^(?:y|yes|n|no|true|false|on|off|null)$/i;

/** How yaml writes each quoted string, remembered for one {@link manifestYaml} call. */
type Scalars = Map<string, string>;

/** How yaml writes a one-line string scalar, asked once per distinct value. */
function scalar(s: string, scalars: Scalars): string {
  if (BARE_KEY.test(s) && !RESERVED.test(s)) return s;
  let out = scalars.get(s);
  if (out === undefined) {
    out = stringify(s, OPTIONS).slice(0, -1);
    // Block scalars (several lines) depend on the indentation: leave them to yaml.
    if (out.includes('\n')) throw new Unusual();
    scalars.set(s, out);
  }
  return out;
}

function leaf(v: unknown, scalars: Scalars): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return scalar(v, scalars);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Unusual(); // floats, -0 and exponents: yaml's own rules
    return String(v);
  }
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.keys(v).length === 0 ? '{}' : undefined;
  }
  throw new Unusual();
}

/** Block map at `pad`; `first` is what the first line starts with (a seq item's `- `). */
function map(o: Record<string, unknown>, pad: string, out: string[], first: string, scalars: Scalars): void {
  let lead = first;
  for (const k of Object.keys(o)) {
    if (!BARE_KEY.test(k) || RESERVED.test(k)) throw new Unusual();
    const v = o[k];
    const l = leaf(v, scalars);
    if (l !== undefined) out.push(`${lead}${k}: ${l}`);
    else if (Array.isArray(v)) {
      out.push(`${lead}${k}:`);
      seq(v, pad + '  ', out, scalars);
    } else {
      out.push(`${lead}${k}:`);
      map(v as Record<string, unknown>, pad + '  ', out, pad + '  ', scalars);
    }
    lead = pad;
  }
}

function seq(a: readonly unknown[], pad: string, out: string[], scalars: Scalars): void {
  for (const v of a) {
    if (v === undefined) throw new Unusual();
    const l = leaf(v, scalars);
    if (l !== undefined) out.push(`${pad}- ${l}`);
    else if (Array.isArray(v)) throw new Unusual(); // a sequence in a sequence: cdk8s has none
    else map(v as Record<string, unknown>, pad + '  ', out, `${pad}- `, scalars);
  }
}

/** One document as yaml would write it, or undefined where the fast path does not apply. */
function fast(doc: unknown, scalars: Scalars): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || Object.keys(doc).length === 0) return undefined;
  const out: string[] = [];
  try {
    map(doc as Record<string, unknown>, '', out, '', scalars);
  } catch (e) {
    if (e instanceof Unusual) return undefined;
    throw e;
  }
  return out.join('\n') + '\n';
}

/**
 * A chart's objects as the multi-document YAML `cdk8s synth` writes, byte for byte. The
 * manifests are maps of maps, lists, words and whole numbers, which this writes directly;
 * yaml's Document model cost about half of a large synth. Anything else (block scalars such
 * as a ConfigMap's file, floats, nested lists) goes through yaml with cdk8s's options, per
 * document. `directives: false` skips yaml's walk in search of %TAG handles, which cdk8s
 * output never has.
 */
export function manifestYaml(docs: readonly unknown[]): string {
  const scalars: Scalars = new Map();
  return docs.map((d) => (d === undefined ? '\n' : (fast(d, scalars) ?? stringify(d, OPTIONS)))).join('---\n');
}
