/**
 * What must hold for every generated config, checked in process: the exit code, the
 * absence of stack traces, nothing written on failure, and for an accepted config the
 * compose-spec schema, kubernetes-models, an nginx.conf parse, the Prometheus YAML and a
 * scan for secret-looking input values in every written file.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { isSecretFileReference, isSecretName, secretInValue } from '../../lib/rules/secret-patterns.js';
import { cli } from '../helpers/cli.js';
import { composeSpecValidator } from '../helpers/compose-schema.js';
import { validate as validateK8s } from '../helpers/k8s-validate.js';
import type { Manifest } from '../helpers/k8s.js';
import { tree } from '../hostile/run-case.js';
import type { FuzzCase } from './generators.js';

const composeSpec = composeSpecValidator();

/**
 * Parses nginx.conf the way nginx tokenizes it: words, quoted strings, `#` comments,
 * `{ } ;`. Returns a problem, or undefined when every directive ends and every block closes.
 */
export function nginxConfProblem(text: string): string | undefined {
  let depth = 0;
  let words = 0;
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (/\s/.test(ch)) i++;
    else if (ch === '#') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) return `unterminated quote at ${i}`;
      words++;
      i = j + 1;
    } else if (ch === ';') {
      if (words === 0) return `empty directive at ${i}`;
      words = 0;
      i++;
    } else if (ch === '{') {
      if (words === 0) return `block without a name at ${i}`;
      words = 0;
      depth++;
      i++;
    } else if (ch === '}') {
      if (words !== 0) return `directive without ';' before '}' at ${i}`;
      if (--depth < 0) return `unbalanced '}' at ${i}`;
      i++;
    } else {
      let j = i;
      while (j < text.length && !/[\s;{}"'#]/.test(text[j]!)) j++;
      if (/[\u0000-\u001f]/.test(text.slice(i, j))) return `control character in a word at ${i}`;
      words++;
      i = j;
    }
  }
  if (words !== 0) return 'last directive has no ;';
  return depth === 0 ? undefined : `${depth} unclosed block(s)`;
}

/**
 * Input strings that look like secrets: values SO-SECRET flags anywhere, and values of
 * secret-named env variables and labels (where a name marks its value as a secret).
 */
export function secretLikeInputs(c: FuzzCase): string[] {
  const out: string[] = [];
  const visit = (key: string, v: unknown, named: boolean) => {
    if (typeof v === 'string') {
      const byName = named && isSecretName(key) && !isSecretFileReference(key, v);
      if (v.trim().length >= 6 && (secretInValue(v) !== undefined || byName)) out.push(v);
    } else if (v && typeof v === 'object') {
      // `{ secret: name }` names a secret; the name itself is not one.
      const ref = Object.keys(v).length === 1 && 'secret' in v;
      if (!ref) for (const [k, x] of Object.entries(v)) visit(k, x, named || key === 'env' || key === 'labels');
    }
  };
  for (const e of c.edits) visit(String(e.path.at(-1)), e.value, e.path.includes('env') || e.path.includes('labels'));
  return out;
}

/** The outcome of one case, and every property it breaks. */
export interface Outcome {
  readonly code: number;
  readonly problems: string[];
  readonly files: ReadonlyMap<string, string>;
  readonly out: string;
}

/** Runs synth on the case in a fresh directory and checks every property. */
export function checkCase(c: FuzzCase, keep = false): Outcome {
  const root = mkdtempSync(join(tmpdir(), 'scaleout-fuzz-'));
  try {
    const config = join(root, 'scaleout.yaml');
    writeFileSync(config, c.text);
    const out = join(root, 'dist');
    const r = cli('synth', '-c', config, '-o', out);
    const problems: string[] = [];
    if (![0, 1, 2].includes(r.code)) problems.push(`exit ${r.code}`);
    if (/^\s+at |internal error|this is a bug/m.test(r.stderr)) problems.push(`stack trace or internal error: ${r.stderr.slice(0, 300)}`);
    if (r.code !== 0 && existsSync(out)) problems.push('wrote output although it failed');
    const files = r.code === 0 ? tree(out) : new Map<string, string>();
    if (r.code === 0) {
      const compose = parse(files.get('compose/docker-compose.yml') ?? '');
      if (!composeSpec(compose)) problems.push(`compose-spec: ${JSON.stringify(composeSpec.errors?.slice(0, 2))}`);
      for (const [path, text] of files) {
        if (path.endsWith('.k8s.yaml')) {
          for (const doc of parseAllDocuments(text)) {
            try {
              validateK8s(doc.toJS() as Manifest);
            } catch (e) {
              problems.push(`${path}: ${(e as Error).message.slice(0, 200)}`);
            }
          }
        }
        if (path.endsWith('.conf') && path.includes('nginx/')) {
          const p = nginxConfProblem(text);
          if (p) problems.push(`${path}: ${p}`);
        }
        if (/prometheus\/.*\.ya?ml$/.test(path)) {
          try {
            parse(text);
          } catch (e) {
            problems.push(`${path}: ${(e as Error).message.slice(0, 200)}`);
          }
        }
      }
      for (const s of secretLikeInputs(c)) {
        for (const [path, text] of files) if (text.includes(s)) problems.push(`${path} holds the secret-looking input ${JSON.stringify(s)}`);
        if (r.stdout.includes(s)) problems.push(`stdout holds the secret-looking input ${JSON.stringify(s)}`);
      }
    }
    return { code: r.code, problems, files, out };
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}
