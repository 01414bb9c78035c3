import { isRuleId } from '../model/rule-ids.js';
import * as z from 'zod';
import { backendSchema } from '../model/backend-props.js';
import { distance } from 'fastest-levenshtein';
import { didYouMean, suggestion } from '../model/did-you-mean.js';
import { monitoringSchema } from '../model/monitoring.js';
import { nginxSchema } from '../model/nginx.js';
import { deepPartial } from '../model/overrides.js';
import { pgbouncerSchema } from '../model/pgbouncer.js';
import { postgresChecks, postgresShape } from '../model/postgres.js';
import { redisSchema } from '../model/redis.js';
import { dnsLabel } from '../model/schema-kit.js';
import { RULE_IDS } from '../rules/registry.js';
import { addPropDocs } from './schema-docs.js';

/** Profiles every stack has, whether or not the config declares them. */
export const BUILT_IN_PROFILES: readonly string[] = ['dev', 'prod'];

/**
 * The schema of a profile override of one section: every key optional at every depth,
 * unknown keys refused. Suppressions are made on the base section, not per profile.
 */
function overrideSchema(schema: z.core.$ZodType): z.ZodObject {
  return (deepPartial(schema) as z.ZodObject).omit({ suppressions: true });
}

/** The postgres section: the Postgres props, plus the optional PgBouncer in front of it. */
const postgresSection = z
  .strictObject({
    ...postgresShape,
    pooler: pgbouncerSchema
      .optional()
      .meta({ description: 'PgBouncer between the backends and Postgres; the backends connect through it.' }),
  })
  .superRefine(postgresChecks);

const profileSchema = z
  .strictObject({
    production: z
      .boolean()
      .optional()
      .meta({
        description:
          'Strict severities for this profile (SO-HA, SO-RESOURCES, SO-HEALTH, SO-IMAGE-TAG fail synth). Default: true for prod/production.',
      }),
    namespace: dnsLabel
      .optional()
      .meta({
        description:
          "Kubernetes namespace of this profile. Default: '<stack>-<profile>', which the chart creates; a namespace you name must exist.",
      }),
    backends: z
      .record(z.string(), overrideSchema(backendSchema))
      .optional()
      .meta({ description: 'Per-backend overrides, keyed by a backend id from the top-level backends.' }),
    nginx: overrideSchema(nginxSchema).optional().meta({ description: 'Overrides of the nginx section.' }),
    postgres: overrideSchema(postgresSection).optional().meta({ description: 'Overrides of the postgres section (and its pooler).' }),
    redis: overrideSchema(redisSchema).optional().meta({ description: 'Overrides of the redis section.' }),
    monitoring: overrideSchema(monitoringSchema).optional().meta({ description: 'Overrides of the monitoring section.' }),
  })
  .meta({ description: 'One profile: its settings and its overrides, deep-merged over the base sections.' });

type Ctx = z.core.$RefinementCtx<unknown>;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Suppressions must name a known rule and declared profiles. */
function checkSuppressions(section: unknown, path: PropertyKey[], profiles: readonly string[], ctx: Ctx): void {
  if (!isMapping(section) || !Array.isArray(section.suppressions)) return;
  section.suppressions.forEach((s: unknown, i) => {
    if (!isMapping(s)) return;
    const at = [...path, 'suppressions', i];
    if (typeof s.rule === 'string' && /^SO-[A-Z-]+$/.test(s.rule) && !isRuleId(s.rule)) {
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'rule'],
        input: s.rule,
        message: `unknown rule '${s.rule}'${suggestion(s.rule, RULE_IDS) || `; known rules: ${RULE_IDS.join(', ')}`}`,
      });
    }
    if (!Array.isArray(s.profiles)) return;
    s.profiles.forEach((p: unknown, j) => {
      if (typeof p !== 'string' || profiles.includes(p)) return;
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'profiles', j],
        input: p,
        message: `unknown profile '${p}'${suggestion(p, profiles) || `; declared profiles: ${profiles.join(', ')}`}`,
      });
    });
  });
}

/**
 * The built-in profile `name` is a slip of, or undefined: one edit or one swap away. Looser
 * than {@link suggestion}: real profiles like 'demo' or 'pre' sit two edits from a built-in.
 */
function nearBuiltIn(name: string): string | undefined {
  if (BUILT_IN_PROFILES.includes(name)) return undefined;
  const best = didYouMean(name, BUILT_IN_PROFILES);
  if (best === undefined) return undefined;
  const swapped = name.length === best.length && [...name].sort().join('') === [...best].sort().join('') &&
    [...name].filter((c, i) => c !== best[i]).length === 2;
  return distance(name, best) <= 1 || swapped ? best : undefined;
}

/**
 * Checks that span sections: profile overrides name existing backends and sections, and
 * suppressions name known rules and profiles. Runs even when other fields have issues, so
 * one run reports everything; it guards every access because the data may be malformed.
 */
function crossCheck(data: unknown, ctx: Ctx): void {
  if (!isMapping(data)) return;
  const backendIds = isMapping(data.backends) ? Object.keys(data.backends) : [];
  // Ids refused as keys are already reported; do not report overrides of them again.
  const refusedIds = (ctx.issues ?? [])
    .filter((i) => i.code === 'invalid_key' && i.path?.length === 2 && i.path[0] === 'backends')
    .map((i) => String(i.path![1]));
  const known = [...backendIds, ...refusedIds];
  const declared = isMapping(data.profiles) ? Object.keys(data.profiles) : [];
  const profiles = [...BUILT_IN_PROFILES, ...declared.filter((p) => !BUILT_IN_PROFILES.includes(p))];
  for (const id of backendIds) checkSuppressions((data.backends as Record<string, unknown>)[id], ['backends', id], profiles, ctx);
  for (const s of ['nginx', 'postgres', 'redis', 'monitoring']) checkSuppressions(data[s], [s], profiles, ctx);
  if (isMapping(data.postgres)) checkSuppressions(data.postgres.pooler, ['postgres', 'pooler'], profiles, ctx);
  if (!isMapping(data.profiles)) return;
  for (const [name, profile] of Object.entries(data.profiles)) {
    if (!isMapping(profile)) continue;
    const builtIn = nearBuiltIn(name);
    if (builtIn !== undefined && profile.production === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['profiles', name],
        input: name,
        message: `profile '${name}' is a new one, so the built-in '${builtIn}' gets none of these overrides; did you mean '${builtIn}'? (to keep a profile named '${name}', set 'production: true' or 'false' in it)`,
      });
    }
    if (isMapping(profile.backends)) {
      for (const id of Object.keys(profile.backends)) {
        if (known.includes(id)) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', name, 'backends', id],
          input: id,
          message: `overrides unknown backend '${id}'${suggestion(id, known) || `; backends are: ${known.join(', ') || 'none'}`}`,
        });
      }
    }
    for (const s of ['postgres', 'redis', 'monitoring']) {
      if (profile[s] !== undefined && data[s] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', name, s],
          input: profile[s],
          message: `overrides ${s}, but the config has no top-level '${s}' section; add one (it may be empty: '${s}: {}')`,
        });
      }
    }
  }
}

/**
 * The `scaleout.yaml` file: one stack. Keys follow the construct props in camelCase;
 * `profiles.<name>` holds per-profile overrides, deep-merged over the base sections.
 */
export const configSchema = z
  .strictObject({
    name: dnsLabel.meta({
      description: 'Stack name: compose project name and label value. A DNS label.',
    }),
    backends: z
      .record(dnsLabel, backendSchema)
      .refine((r) => Object.keys(r).length > 0, { error: 'a stack needs at least one backend; add one under backends' })
      .meta({ description: 'Scaled app tiers, keyed by id (the stable DNS alias nginx uses). At least one.' }),
    nginx: nginxSchema.optional().meta({ description: 'The nginx load balancer. Always present; this section tunes it.' }),
    postgres: postgresSection.optional().meta({ description: 'The shared PostgreSQL server. Omit for a stack without one.' }),
    redis: redisSchema.optional().meta({ description: 'The shared Redis. Omit for a stack without one.' }),
    monitoring: monitoringSchema
      .optional()
      .meta({ description: 'Prometheus, exporters, alert rules and Grafana dashboards. Omit for a stack without monitoring.' }),
    profiles: z
      .record(dnsLabel, profileSchema)
      .optional()
      .meta({ description: "Profiles beyond (or settings for) the built-in 'dev' and 'prod', with their overrides." }),
  })
  .superRefine(crossCheck, { when: () => true })
  .meta({
    title: 'scaleout config',
    description: 'One scaleout stack: backends behind nginx, sharing one PostgreSQL and one Redis.',
  });

/** The validated config. Profile overrides stay untyped here; the constructs validate them again. */
export type ScaleoutConfig = z.output<typeof configSchema>;

/**
 * The JSON Schema of the config file (input side), for editor completion. Refinements
 * that JSON Schema cannot express (units, cross-field checks) are left out.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    // zod names its string checks as formats; JSON Schema has no such formats and the
    // accompanying `pattern` already says the same, so drop them for validators' sake.
    override: ({ jsonSchema }) => {
      if (['starts_with', 'ends_with', 'includes'].includes(String(jsonSchema.format))) delete jsonSchema.format;
    },
  }) as Record<string, unknown>;
  addPropDocs(schema);
  return schema;
}
