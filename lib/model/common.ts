import type { Cpu, Duration, Memory } from '../units/index.js';
import type { RuleId } from './rule-ids.js';

/** A secret reference: the value lives in the target's secret store, never in output files. */
export interface SecretRef {
  /** Name of the secret (compose secret, Kubernetes Secret, Pulumi config key). */
  readonly secret: string;
}

/** An env var value: a literal string, or a reference to a secret. */
export type EnvValue = string | SecretRef;

/** Compute resources for one container. */
export interface ComputeResourceProps {
  /**
   * Cores (`0.5`) or millicores (`'500m'`).
   *
   * @default - not set
   */
  readonly cpu?: number | string;
  /**
   * Binary units only: `'512Mi'`, `'1Gi'`.
   *
   * @default - not set
   */
  readonly memory?: string;
}

/** Requests and limits, as Kubernetes names them (compose: reservations and limits). */
export interface ResourcesProps {
  /**
   * Hard caps.
   *
   * @default - none (SO-RESOURCES reports it)
   */
  readonly limits?: ComputeResourceProps;
  /**
   * What the scheduler reserves.
   *
   * @default - none
   */
  readonly requests?: ComputeResourceProps;
}

/** Turns a rule off for one construct, with a reason that ends up in the capacity report. */
export interface SuppressionProps {
  // A RuleId, so a misspelt id does not compile. YAML and untyped JavaScript may still pass
  // any `SO-…` string: the config schema and the synth gate refuse it with the closest id.
  /** Rule id, e.g. `SO-HA`. */
  readonly rule: RuleId;
  /** Why, in at least 10 characters. */
  readonly reason: string;
  /**
   * Profiles the suppression applies to.
   *
   * @default - every profile
   */
  readonly profiles?: readonly string[];
}

/** CPU and memory of one side (limits or requests), parsed; absent means not set. */
export interface ResolvedCompute {
  /** CPU, when set. */
  readonly cpu?: Cpu;
  /** Memory, when set. */
  readonly memory?: Memory;
}

/** A container's resources, parsed. */
export interface ResolvedResources {
  /** The most the container may use. */
  readonly limits: ResolvedCompute;
  /** What the scheduler reserves for it. */
  readonly requests: ResolvedCompute;
}

/** A container healthcheck, target-neutral. */
export interface ResolvedHealthcheck {
  /** Exec form of the probe command. */
  readonly command: readonly string[];
  /** HTTP path, when the probe is an HTTP GET (Kubernetes uses httpGet for it). */
  readonly httpPath?: string;
  /** Port the probe targets. */
  readonly port: number;
  /** Time between probes. */
  readonly interval: Duration;
  /** Time one probe may take. */
  readonly timeout: Duration;
  /** Consecutive failures before the container counts as unhealthy. */
  readonly retries: number;
  /** Grace time after start during which failures do not count. */
  readonly startPeriod: Duration;
}

/** Every key optional at every depth; lists stay whole (an override replaces a list). */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
