import type { z } from 'zod';
import { durationSchema, memorySchema, positiveDurationSchema } from '../model/schema-kit.js';
import { dotPath, formatIssues, schemaAt, show, valueAt, type IssueText } from '../model/zod-issues.js';
import { Duration, Memory, UnitError } from '../units/index.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/** zod's own messages; anything else was written for the schema and says more. */
const ZOD_DEFAULT = /^(Invalid|Too (small|big)|Unrecognized)/;

/** An issue of the config file in words; `path` is absent when it is about the whole file. */
export type ConfigIssueText = Omit<IssueText, 'path'> & { readonly path?: string };

/**
 * One issue in words: {@link formatIssues}, plus what it leaves out for a config
 * file: the unit parser's advice for a bare number given as memory or a duration, and the
 * value itself when a schema's own message does not show it.
 */
export function describeIssue(issue: Issue, root: unknown, schema: AnySchema): ConfigIssueText[] {
  const at = dotPath(issue.path);
  const value = 'input' in issue && issue.input !== undefined ? issue.input : valueAt(root, issue.path);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] === 'suppressions' && issue.path[0] === 'profiles') {
    const [, profile, section, id] = issue.path.map(String);
    const base = section === 'backends' ? `backends.${id}` : section;
    return [
      {
        code: 'SO-CONFIG-KEY',
        path: `${at}.suppressions`,
        message: `suppressions are not overridden per profile; move them to ${base}.suppressions and add 'profiles: [${profile}]' to each`,
      },
    ];
  }
  if (issue.code === 'invalid_type' && typeof value === 'number') {
    const s = schemaAt(schema, issue.path);
    const parse = s === memorySchema ? Memory.parse : s === durationSchema || s === positiveDurationSchema ? Duration.parse : undefined;
    try {
      parse?.(String(value));
    } catch (e) {
      if (e instanceof UnitError) return [{ code: 'SO-CONFIG-VALUE', path: at, message: e.message }];
    }
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && (issue.origin === 'string' || issue.origin === 'array')) {
    const limit = issue.code === 'too_small' ? `at least ${issue.minimum}` : `at most ${issue.maximum}`;
    const unit = issue.origin === 'string' ? 'characters' : 'entries';
    const why = ZOD_DEFAULT.test(issue.message) ? '' : `: ${issue.message}`;
    return [{ code: 'SO-CONFIG-VALUE', path: at, message: `${show(value)} has ${issue.code === 'too_small' ? 'too few' : 'too many'} ${unit}, it needs ${limit}${why}` }];
  }
  if (issue.path.length === 0 && issue.code === 'invalid_type') {
    return [{ code: 'SO-CONFIG-VALUE', message: `the config must be a mapping of keys (name, backends, ...), got ${show(value)}` }];
  }
  // A record is a mapping to the user, as an object is.
  const shown = issue.code === 'invalid_type' && issue.expected === 'record' ? { ...issue, expected: 'object' as const } : issue;
  return formatIssues([shown], root, schema).map((t) => {
    const primitive = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    if (!primitive || issue.code === 'unrecognized_keys' || `${t.path}: ${t.message}`.includes(String(value))) return t;
    return { ...t, path: at, message: `${show(value)} is invalid: ${t.path === at ? t.message : `${t.path}: ${t.message}`}` };
  });
}
