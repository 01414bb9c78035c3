/**
 * Compile-time equality of a TSDoc'd props interface and its zod schema's input type, so the
 * two declarations of one prop cannot drift: each model file asserts
 * `const _shape: SameShape<XxxProps, SchemaInput<typeof xxxSchema>> = true`.
 */
import type { z } from 'zod';

/** `true` when A and B accept the same values (mutual assignability), else `false`. */
export type SameShape<A, B> = [Required<A>] extends [Required<B>] ? ([Required<B>] extends [Required<A>] ? true : false) : false;

/** A construct schema's input, without the suppressions every construct shares. */
export type SchemaInput<S extends z.ZodType> = Omit<z.input<S>, 'suppressions'>;
