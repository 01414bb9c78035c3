import * as z from 'zod';

// One derived schema per schema: zod compiles a parser on a schema's first parse, so a fresh
// one per construct would compile again for every construct of every synth.
const partials = new WeakMap<z.core.$ZodType, z.core.$ZodType>();

/**
 * The schema of a profile override: every key optional at every depth, unknown keys still
 * refused. Object-level cross-field checks are dropped here; they run on the merged result.
 */
export function deepPartial<T extends z.core.$ZodType>(schema: T): z.core.$ZodType {
  let partial = partials.get(schema);
  if (!partial) partials.set(schema, (partial = buildPartial(schema)));
  return partial;
}

function buildPartial(schema: z.core.$ZodType): z.core.$ZodType {
  const d = (schema as any)._zod.def;
  if (d.type === 'optional') return deepPartial(d.innerType);
  if (d.type === 'object') {
    const shape: Record<string, z.core.$ZodType> = {};
    for (const [k, v] of Object.entries(d.shape as Record<string, z.core.$ZodType>)) {
      shape[k] = z.optional(deepPartial(v) as z.ZodType);
    }
    return z.strictObject(shape);
  }
  return schema;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges `override` into `base`: mappings merge key by key, lists and scalars replace. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === undefined) continue;
    out[k] = k in out ? deepMerge(out[k], v) : v;
  }
  return out as T;
}
