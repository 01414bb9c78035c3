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
    // `profiles.prod` + `replicas: …` → `profiles.prod.replicas: …`; `suppressions` + `[0]…` → `suppressions[0]…`
    const joiner = !pathPrefix || l.startsWith(':') || l.startsWith('[') ? '' : '.';
    const body = `${pathPrefix}${joiner}${l}`;
    return `${where} ${body}`;
  });
  throw new ConfigError(lines);
}
