/**
 * The expected load on a backend and the seed's instance formula:
 * `instances = expected_rps / rpsPerReplica + 1`, at least 2 in production.
 */
import { z } from 'zod';

/** Upper bounds far above any single stack; they keep every count a plain integer. */
const MAX_RPS = 10_000_000;
/** The most replicas the safe-scale search looks at. */
const MAX_REPLICAS = 100_000;

/** ⌈rps / perReplica⌉ + 1; the epsilon keeps 2.1 / 0.7 (3.0000000000000004 in floating point) at 3. */
function replicasFor(rps: number, perReplica: number): number {
  return Math.ceil(rps / perReplica - 1e-9) + 1;
}

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
  /** Requests per second the backend must serve at peak. */
  readonly expectedRps: number;
  /** Requests per second one replica serves. */
  readonly rpsPerReplica: number;
  /** ⌈expectedRps / rpsPerReplica⌉ + 1, and at least 2 in a production profile. */
  readonly requiredReplicas: number;
}

export const loadSchema = z
  .strictObject({
    expectedRps: z.number().positive().max(MAX_RPS).meta({ description: 'Requests per second the backend must serve at peak.' }),
    rpsPerReplica: z
      .number()
      .positive()
      .max(MAX_RPS)
      .optional()
      .meta({ description: "Requests per second one replica serves; measure it. Default 100 (the seed's figure)." }),
  })
  .superRefine((l, ctx) => {
    // Only a load whose own numbers are valid; zod runs this check after theirs fail too.
    if (!(l.expectedRps > 0 && l.expectedRps <= MAX_RPS && (l.rpsPerReplica ?? 100) > 0)) return;
    const needed = replicasFor(l.expectedRps, l.rpsPerReplica ?? 100);
    if (needed > MAX_REPLICAS) {
      ctx.addIssue({
        code: 'custom',
        path: ['rpsPerReplica'],
        input: l.rpsPerReplica ?? 100,
        message: `load needs ${needed} replicas at ${l.rpsPerReplica ?? 100} RPS per replica, over the ${MAX_REPLICAS} scaleout plans for; check expectedRps and rpsPerReplica`,
      });
    }
  })
  .meta({ description: 'Expected load: replicas = ⌈expectedRps / rpsPerReplica⌉ + 1 when replicas is not set (SO-LOAD checks the budgets allow it).' });

/** Replicas `n` serve `(n − 1) × rpsPerReplica` under the formula: one is the spare. */
export function servedRps(replicas: number, rpsPerReplica: number): number {
  return Math.max(0, replicas - 1) * rpsPerReplica;
}

/** The seed's formula with the production floor of 2. */
export function resolveLoad(p: LoadProps, production: boolean): ResolvedLoad {
  const rpsPerReplica = p.rpsPerReplica ?? 100;
  return { expectedRps: p.expectedRps, rpsPerReplica, requiredReplicas: Math.max(replicasFor(p.expectedRps, rpsPerReplica), production ? 2 : 1) };
}

/** `⌈500 ÷ 100 RPS per replica⌉ + 1`: how {@link resolveLoad} got its count. */
export function loadFormula(l: ResolvedLoad): string {
  return `⌈${l.expectedRps} ÷ ${l.rpsPerReplica} RPS per replica⌉ + 1`;
}
