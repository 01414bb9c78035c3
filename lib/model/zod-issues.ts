import type { z } from 'zod';
import type { ConfigCode } from '../errors.js';
import { didYouMean, suggestion } from './did-you-mean.js';
import { visible } from './visible-text.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;
export type IssuePath = readonly PropertyKey[];

/** `backends.backend.pool.size`, `routes[0]`. */
export function dotPath(path: IssuePath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** Shows a value the way the user typed it. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${visible(value, 120)}'`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** The value at `path` inside `root`, or undefined. */
export function valueAt(root: unknown, path: IssuePath): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

function def(schema: AnySchema): Record<string, any> {
  return (schema as any)._zod.def;
}

/** Walks a schema along a data path, through optional/default/record/array wrappers. */
export function schemaAt(schema: AnySchema | undefined, path: IssuePath): AnySchema | undefined {
  let cur = schema;
  for (const p of [...path, undefined]) {
    while (cur) {
      const d = def(cur);
      if (d.type === 'optional' || d.type === 'default' || d.type === 'nullable' || d.type === 'pipe') {
        cur = d.innerType ?? d.in;
      } else break;
    }
    if (p === undefined || !cur) break;
    const d = def(cur);
    if (d.type === 'object') cur = d.shape[p as string];
    else if (d.type === 'record') cur = d.valueType;
    else if (d.type === 'array') cur = d.element;
    else return undefined;
  }
  return cur;
}

function knownKeys(schema: AnySchema | undefined, path: IssuePath): string[] {
  const s = schemaAt(schema, path);
  return s && def(s).type === 'object' ? Object.keys(def(s).shape) : [];
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  int: 'a whole number',
};

/**
 * The paths of keys an unknown key is a typo of (`expectedRPS` → `load.expectedRps`). A
 * misspelt required key is one mistake: its "did you mean" line says it all, so the
 * "required" line for the key it meant is left out.
 */
export function misspeltKeys(issues: readonly Issue[], schema?: AnySchema): Set<string> {
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const keys = knownKeys(schema, issue.path);
    for (const k of issue.keys) {
      const best = didYouMean(k, keys);
      if (best !== undefined) meant.add(dotPath([...issue.path, best]));
    }
  }
  return meant;
}

/**
 * One zod issue in words: the key path it is at (`pool.size`, `routes[0]`; empty for the
 * value itself) and what is wrong, with the value, the limit and the fix.
 */
export interface IssueText {
  /** `SO-CONFIG-KEY` for a key nothing knows, else `SO-CONFIG-VALUE`. */
  readonly code: Extract<ConfigCode, 'SO-CONFIG-KEY' | 'SO-CONFIG-VALUE'>;
  /** The dotted key path. */
  readonly path: string;
  /** What is wrong. */
  readonly message: string;
}

/**
 * Turns zod issues into one {@link IssueText} each: the path, the value, the limit and the
 * fix. `root` is the validated input and `schema` its schema (for "did you mean").
 */
export function formatIssues(issues: readonly Issue[], root: unknown, schema?: AnySchema, meant = misspeltKeys(issues, schema)): IssueText[] {
  const lines: IssueText[] = [];
  const push = (path: string, message: string) => lines.push({ code: 'SO-CONFIG-VALUE', path, message });
  for (const issue of issues) {
    const at = dotPath(issue.path);
    const value = 'input' in issue && issue.input !== undefined ? issue.input : valueAt(root, issue.path);
    const key = issue.path[issue.path.length - 1];
    const name = key === undefined ? 'the config' : String(key);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const keys = knownKeys(schema, issue.path);
        for (const k of issue.keys) {
          const p = at === '' ? k : `${at}.${k}`;
          const hint = suggestion(k, keys) || (keys.length ? `; known keys: ${keys.join(', ')}` : '');
          lines.push({ code: 'SO-CONFIG-KEY', path: p, message: `unknown key '${k}'${hint}` });
        }
        continue;
      }
      case 'invalid_type': {
        if (value === undefined && meant.has(at)) continue;
        const expected = TYPE_WORDS[issue.expected] ?? issue.expected;
        push(
          at,
          value === undefined
            ? `required, expected ${expected}; add '${name}'`
            : `expected ${expected}, got ${show(value)}; change '${name}' to ${expected}`,
        );
        continue;
      }
      case 'too_small':
      case 'too_big': {
        const small = issue.code === 'too_small';
        const limit = small ? (issue as any).minimum : (issue as any).maximum;
        const inclusive = (issue as any).inclusive !== false;
        const op = small ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<';
        if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
          push(at, `${show(value)} is out of range, it must be ${op} ${limit}; set '${name}' ${op} ${limit}`);
        } else {
          const what = issue.origin === 'string' ? 'characters' : 'entries';
          // A schema's own message says why; zod's default ("Too small: …") does not.
          const why = /^Too (small|big)/.test(issue.message) ? '' : `: ${issue.message}`;
          push(at, `has ${small ? 'too few' : 'too many'} ${what}, it must have ${op} ${limit}${why}`);
        }
        continue;
      }
      case 'invalid_value': {
        const options = issue.values.map((v) => String(v));
        const hint = typeof value === 'string' ? suggestion(value, options) : '';
        push(at, `${show(value)} is not one of ${options.join(' | ')}${hint}`);
        continue;
      }
      case 'invalid_key':
        push(at, `the key ${show(value ?? key)} is invalid: ${issue.issues.map((i) => i.message).join('; ')}`);
        continue;
      case 'invalid_union':
        push(at, `${show(value)} is invalid: ${issue.message}`);
        continue;
      default:
        push(at, issue.message);
    }
  }
  return lines;
}
