import * as z from 'zod';
import { Cpu, Duration, IntOrPercent, Memory, UnitError } from '../units/index.js';
import type { RuleId } from './rule-ids.js';
import { visible } from './visible-text.js';

/** Adds a zod issue with the unit parser's own message when `parse` throws. */
function unit<T>(parse: (v: T) => unknown) {
  return (value: T, ctx: z.core.$RefinementCtx<T>) => {
    try {
      parse(value);
    } catch (e) {
      if (!(e instanceof UnitError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, input: value });
    }
  };
}

export const memorySchema = z
  .string({ error: "expected memory as a string with a binary unit, like '512Mi' or '1Gi'" })
  .superRefine(unit(Memory.parse))
  .meta({ description: "Memory with a binary unit: '512Mi', '1Gi'. Decimal units are refused as ambiguous." });

export const cpuSchema = z
  .union([z.number(), z.string()], { error: "expected cpu as cores (0.5, 2) or millicores ('500m')" })
  .superRefine(unit(Cpu.parse))
  .meta({ description: "CPU as cores (0.5) or millicores ('500m')." });

export const durationSchema = z
  .string({ error: "expected a duration string like '15s', '1m' or '500ms'" })
  .superRefine(unit(Duration.parse))
  .meta({ description: "A duration: '500ms', '15s', '1m', '1m30s'." });

/**
 * A duration that must be longer than zero: a healthcheck interval or timeout of 0 is not
 * "never" or "at once" anywhere. Docker reads 0 as its 30 s default and Kubernetes as its
 * own (10 s period, 1 s timeout), so the targets would silently disagree with the model.
 */
export const positiveDurationSchema = durationSchema.superRefine((value, ctx) => {
  let ms: number;
  try {
    ms = Duration.parse(value).milliseconds;
  } catch {
    return; // durationSchema has reported it
  }
  if (ms <= 0) ctx.addIssue({ code: 'custom', message: `duration '${visible(value, 40)}' must be longer than 0; write e.g. '1s' or '15s'`, input: value });
});

export const intOrPercentSchema = z
  .union([z.number(), z.string()], { error: "expected a whole number or a percentage like '25%'" })
  .superRefine(unit(IntOrPercent.parse));

// Docker's reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest].
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REF = new RegExp(
  `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** A container image reference as Docker and Kubernetes parse it; no `${VAR}` or spaces. */
export const imageRef = z
  .string()
  .min(1, { error: 'image is required' })
  .max(512)
  .regex(IMAGE_REF, {
    error: (iss) => `'${visible(String(iss.input), 120)}' is not an image reference; write it like 'ghcr.io/acme/api:1.2.3' (lowercase path, no spaces or variables)`,
  });

/** Names that collide with JavaScript's built-in object keys (construct ids, lookups). */
export const RESERVED_NAMES: readonly string[] = ['constructor'];

export const dnsLabel = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, {
    error: (iss) =>
      `'${visible(String(iss.input), 120)}' is not a DNS label; use lowercase letters, digits and '-', starting with a letter (max 63)`,
  })
  .refine((s) => !RESERVED_NAMES.includes(s), { error: (iss) => `'${String(iss.input)}' is a reserved name; choose another` });

const LABEL_NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';

/** Kubernetes label keys (`[prefix/]name`) and values, as the API server checks them. */
export const labelsSchema = z.record(
  z.string().regex(new RegExp(`^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?${LABEL_NAME}$`), {
    error: (iss) =>
      `'${visible(String(iss.input), 120)}' is not a Kubernetes label key; use [prefix/]name with a name of at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
  }),
  z.string().regex(new RegExp(`^(${LABEL_NAME})?$`), {
    error: (iss) =>
      `'${visible(String(iss.input), 120)}' is not a Kubernetes label value; use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
  }),
);

/** The largest value of a Kubernetes int32 field (replicas, ports, counts). */
export const INT32_MAX = 2 ** 31 - 1;

export const count = (min: number) => z.number().int({ error: 'expected a whole number' }).min(min).max(INT32_MAX);

export const portSchema = z.number().int().min(1).max(65535);

/**
 * A secret name: a compose secret, a file in the secrets directory, and (with `_` as `-`) a
 * Kubernetes Secret, whose names are lowercase DNS labels.
 */
export const secretName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/, {
    error: "a secret name uses lowercase letters, digits, '_' and '-', starts and ends with a letter or digit (max 63)",
  });

/** The Kubernetes Secret a model secret name maps to: `postgres_password` → `postgres-password`. */
export function kubernetesSecretName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

const computeResources = z.strictObject({
  cpu: cpuSchema.optional(),
  memory: memorySchema.optional(),
});

export const resourcesSchema = z
  .strictObject({ limits: computeResources.optional(), requests: computeResources.optional() })
  .superRefine((r, ctx) => {
    for (const k of ['cpu', 'memory'] as const) {
      const lim = r.limits?.[k];
      const req = r.requests?.[k];
      if (lim === undefined || req === undefined) continue;
      try {
        const l = k === 'cpu' ? Cpu.parse(lim).millis : Memory.parse(lim as string).bytes;
        const q = k === 'cpu' ? Cpu.parse(req).millis : Memory.parse(req as string).bytes;
        if (q > l) {
          ctx.addIssue({
            code: 'custom',
            path: ['requests', k],
            input: req,
            message: `requests.${k} ${JSON.stringify(req)} is above limits.${k} ${JSON.stringify(lim)}; lower the request or raise the limit`,
          });
        }
      } catch {
        // unit errors are reported by the field schemas
      }
    }
  });

const RULE_ID_SHAPE = /^SO-[A-Z-]+$/;

/**
 * A suppression's rule: typed {@link RuleId}, so a misspelt id does not compile, while the
 * runtime check is only the id's shape. A YAML config or untyped JavaScript can pass any
 * string; the config schema and the synth gate refuse an unknown id with the closest one.
 */
const ruleIdSchema = z
  .custom<RuleId>((v) => typeof v === 'string' && RULE_ID_SHAPE.test(v), { error: "a rule id looks like 'SO-HA'" })
  .meta({ type: 'string', pattern: RULE_ID_SHAPE.source });

export const suppressionSchema = z.strictObject({
  rule: ruleIdSchema,
  reason: z
    .string()
    .max(500, { error: 'a suppression reason is at most 500 characters; one sentence says why' })
    .refine((r) => r.trim().length >= 10, { error: 'a suppression reason must be at least 10 characters besides spaces, saying why' })
    // It is printed in CAPACITY.md and on the terminal, one line each.
    .refine((r) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(r), {
      error: 'a suppression reason is one line of text, without control characters',
    }),
  profiles: z.array(z.string()).readonly().optional(),
});

export const suppressionsSchema = z.array(suppressionSchema);

/** A value taken from a secret instead of written in the file. */
export const secretRefSchema = z.strictObject({ secret: secretName });

export const envSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an env name uses letters, digits and _' }),
  z.union([z.string(), secretRefSchema], { error: 'an env value is a string or { secret: NAME }' }),
);
