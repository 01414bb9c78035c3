/**
 * The expected load on a backend and the seed's instance formula:
 * `instances = expected_rps / rpsPerReplica + 1`, at least 2 in production.
 */
import { z } from 'zod';

/** Upper bounds that keep the replica search finite; far above any single stack. */
const MAX_RPS = 10_000_000;

/**
 * The load a backend must serve. With `load` set and `replicas` not, the replica count
 * comes from the load: ⌈expectedRps / rpsPerReplica⌉ + 1 (one spare, as in the seed's
 * `instances = expected_rps / 100 + 1`). SO-LOAD checks that the budgets allow that many.
 */
export interface LoadProps {
  /** Requests per second the backend must serve at peak. */
  readonly expectedRps: number;
  /**
   * Requests per second one replica serves. Measure it for your app; the default is the
   * seed's rule of thumb.
   *
   * @default 100
   */
  readonly rpsPerReplica?: number;
}

/** A backend's load for one profile, with the replica count it needs. */
export interface ResolvedLoad {
  readonly expectedRps: number;
  readonly rpsPerReplica: number;
  /** ⌈expectedRps / rpsPerReplica⌉ + 1, and at least 2 in a production profile. */
  readonly requiredReplicas: number;
}

export const loadSchema = z
  .strictObject({
    expectedRps: z.number().positive().max(MAX_RPS),
    rpsPerReplica: z.number().positive().max(MAX_RPS).optional(),
  })
  .meta({ description: 'Expected load: replicas = ⌈expectedRps / rpsPerReplica⌉ + 1 when replicas is not set (SO-LOAD checks the budgets allow it).' });

/** Replicas `n` serve `(n − 1) × rpsPerReplica` under the formula: one is the spare. */
export function servedRps(replicas: number, rpsPerReplica: number): number {
  return Math.max(0, replicas - 1) * rpsPerReplica;
}

/** The seed's formula with the production floor of 2. */
export function resolveLoad(p: LoadProps, production: boolean): ResolvedLoad {
  const rpsPerReplica = p.rpsPerReplica ?? 100;
  // The epsilon keeps 2.1 / 0.7 (3.0000000000000004 in floating point) at 3.
  const formula = Math.ceil(p.expectedRps / rpsPerReplica - 1e-9) + 1;
  return { expectedRps: p.expectedRps, rpsPerReplica, requiredReplicas: Math.max(formula, production ? 2 : 1) };
}

/** `⌈500 ÷ 100 RPS per replica⌉ + 1`: how {@link resolveLoad} got its count. */
export function loadFormula(l: ResolvedLoad): string {
  return `⌈${l.expectedRps} ÷ ${l.rpsPerReplica} RPS per replica⌉ + 1`;
}
