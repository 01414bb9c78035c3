import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatIssues } from './zod-issues.js';

/**
 * Validates `value` against `schema`; on failure throws one {@link ConfigError} whose lines
 * each start with `where` (a construct path or a file location) and the prop path.
 */
export function validateProps<T>(schema: z.ZodType<T>, value: unknown, where: string, pathPrefix = ''): T {
  const res = schema.safeParse(value, { reportInput: true });
  if (res.success) return res.data;
  const lines = formatIssues(res.error.issues, value, schema).map((l) => {
    const body = pathPrefix && !l.startsWith(':') ? `${pathPrefix}.${l}` : `${pathPrefix}${l}`;
    return `${where} ${body}`;
  });
  throw new ConfigError(lines);
}
