import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatIssues } from './zod-issues.js';

/** Where a validated value sits: its construct, and the profile when only one is validated. */
export interface ValidationSite {
  /** The construct path, e.g. `uns/api`. */
  readonly constructPath: string;
  /** The profile whose merged props are validated; absent for the base props. */
  readonly profile?: string;
}

/**
 * Validates `value` against `schema`; on failure throws one {@link ConfigError} whose issues
 * each name the construct (and profile) and the prop path under `pathPrefix`.
 */
export function validateProps<T>(schema: z.ZodType<T>, value: unknown, site: ValidationSite, pathPrefix = ''): T {
  const res = schema.safeParse(value, { reportInput: true });
  if (res.success) return res.data;
  const issues = formatIssues(res.error.issues, value, schema).map((t) => {
    // `profiles.prod` + `replicas` → `profiles.prod.replicas`; `suppressions` + `[0]…` → `suppressions[0]…`
    const joiner = !pathPrefix || t.path === '' || t.path.startsWith('[') ? '' : '.';
    return {
      code: t.code,
      constructPath: site.constructPath,
      ...(site.profile === undefined ? {} : { profiles: [site.profile] }),
      path: `${pathPrefix}${joiner}${t.path}`,
      message: t.message,
    };
  });
  throw new ConfigError(issues);
}
