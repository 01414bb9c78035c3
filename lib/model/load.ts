/**
 * The expected load on a backend and the seed's instance formula:
 * `instances = expected_rps / rpsPerReplica + 1`, at least 2 in production.
 */
import * as z from 'zod';
import { Duration } from '../units/duration.js';
import { durationSchema } from './schema-kit.js';

/** Whether a duration is zero; a malformed one is the duration schema's to report. */
function isZero(text: string): boolean {
  try {
    return Duration.parse(text).milliseconds === 0;
  } catch {
    return false;
  }
}

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
  /**
   * The latency objective: the 99th percentile of response time the backend must keep at
   * `expectedRps`, e.g. `250ms`. With `appTime` and `dbTime` it is the service profile
   * `scaleout plan --rps` sizes replicas × workers × pool from (docs/PLANNER.md).
   *
   * @default - none; the planner needs it (or `--p99`)
   */
  readonly p99?: string;
  /**
   * CPU time one request spends in a worker process, outside the database, e.g. `8ms`.
   * Measure it with `scaleout calibrate`.
   *
   * @default - none; the planner needs it
   */
  readonly appTime?: string;
  /**
   * How long one request holds a pooled database connection, e.g. `30ms`.
   *
   * @default - none; the planner needs it
   */
  readonly dbTime?: string;
  /**
   * Coefficient of variation (standard deviation ÷ mean) of `appTime`: 0 constant, 1
   * exponential.
   *
   * @default 1
   */
  readonly appCv?: number;
  /**
   * Coefficient of variation of `dbTime`: 0 constant, 1 exponential.
   *
   * @default 1
   */
  readonly dbCv?: number;
}

/** A measured service profile: what the queueing planner needs, in milliseconds. */
export interface ServiceProfile {
  /** The p99 objective. */
  readonly p99Ms: number;
  /** Mean CPU time per request in a worker. */
  readonly appMs: number;
  /** Mean time a request holds a pool connection. */
  readonly dbMs: number;
  /** Coefficient of variation of the CPU time. */
  readonly appCv: number;
  /** Coefficient of variation of the connection hold time. */
  readonly dbCv: number;
}

/** A backend's load for one profile, with the replica count it needs. */
export interface ResolvedLoad {
  /** Requests per second the backend must serve at peak. */
  readonly expectedRps: number;
  /** Requests per second one replica serves. */
  readonly rpsPerReplica: number;
  /** ⌈expectedRps / rpsPerReplica⌉ + 1, and at least 2 in a production profile. */
  readonly requiredReplicas: number;
  /** The service profile, when `p99`, `appTime` and `dbTime` are all set. */
  readonly profile?: ServiceProfile;
}

/** The largest coefficient of variation the planner takes (a heavy tail beyond it is not G/G/c material). */
export const MAX_CV = 4;

export const loadSchema = z
  .strictObject({
    expectedRps: z.number().positive().max(MAX_RPS).meta({ description: 'Requests per second the backend must serve at peak.' }),
    rpsPerReplica: z
      .number()
      .positive()
      .max(MAX_RPS)
      .optional()
      .meta({ description: "Requests per second one replica serves; measure it. Default 100 (the seed's figure)." }),
    /** The p99 objective (see {@link LoadProps.p99}). */
    p99: durationSchema.optional().meta({ description: "The p99 response-time objective at expectedRps, e.g. '250ms'." }),
    /** CPU time per request (see {@link LoadProps.appTime}). */
    appTime: durationSchema.optional().meta({ description: "CPU time per request in a worker, e.g. '8ms'." }),
    /** Connection hold time per request (see {@link LoadProps.dbTime}). */
    dbTime: durationSchema.optional().meta({ description: "Time a request holds a pooled database connection, e.g. '30ms'." }),
    /** Variability of appTime (see {@link LoadProps.appCv}). */
    appCv: z.number().min(0).max(MAX_CV).optional().meta({ description: 'Coefficient of variation of appTime: 0 constant, 1 exponential. Default 1.' }),
    /** Variability of dbTime (see {@link LoadProps.dbCv}). */
    dbCv: z.number().min(0).max(MAX_CV).optional().meta({ description: 'Coefficient of variation of dbTime: 0 constant, 1 exponential. Default 1.' }),
  })
  .superRefine((l, ctx) => {
    // A service profile is all three numbers or none: a p99 alone cannot be planned for.
    const set = (['p99', 'appTime', 'dbTime'] as const).filter((k) => l[k] !== undefined);
    if (set.length > 0 && set.length < 3) {
      for (const k of (['p99', 'appTime', 'dbTime'] as const).filter((x) => l[x] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [k], input: undefined, message: `load.${k} is required with load.${set.join(' and load.')} (a service profile is p99, appTime and dbTime); set it, e.g. ${k === 'p99' ? "'250ms'" : "'10ms'"}` });
      }
    }
    // No service time at all leaves the planner nothing to queue: an infinite rate per worker.
    if (l.appTime !== undefined && l.dbTime !== undefined && isZero(l.appTime) && isZero(l.dbTime)) {
      ctx.addIssue({ code: 'custom', path: ['appTime'], input: l.appTime, message: "load.appTime and load.dbTime are both 0: every request takes some time, and the planner has nothing to queue; set the measured times ('scaleout calibrate'), e.g. '1ms'" });
    }
    if (l.p99 !== undefined && isZero(l.p99)) {
      ctx.addIssue({ code: 'custom', path: ['p99'], input: l.p99, message: "load.p99 must be above 0; set the objective, e.g. '250ms'" });
    }
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
  const profile = serviceProfile(p);
  return {
    expectedRps: p.expectedRps,
    rpsPerReplica,
    requiredReplicas: Math.max(replicasFor(p.expectedRps, rpsPerReplica), production ? 2 : 1),
    ...(profile ? { profile } : {}),
  };
}

/** The service profile of a validated load, or undefined when it has none. */
export function serviceProfile(p: LoadProps): ServiceProfile | undefined {
  if (p.p99 === undefined || p.appTime === undefined || p.dbTime === undefined) return undefined;
  return {
    p99Ms: Duration.parse(p.p99).milliseconds,
    appMs: Duration.parse(p.appTime).milliseconds,
    dbMs: Duration.parse(p.dbTime).milliseconds,
    appCv: p.appCv ?? 1,
    dbCv: p.dbCv ?? 1,
  };
}

/** `⌈500 ÷ 100 RPS per replica⌉ + 1`: how {@link resolveLoad} got its count. */
export function loadFormula(l: ResolvedLoad): string {
  return `⌈${l.expectedRps} ÷ ${l.rpsPerReplica} RPS per replica⌉ + 1`;
}
