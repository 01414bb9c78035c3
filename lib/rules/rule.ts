import type { TargetKind } from '../capacity/target.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedMonitoring } from '../model/monitoring.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import type { ResolvedRedis } from '../model/redis.js';
import type { Stack } from '../model/stack.js';

export type Severity = 'error' | 'warning';

/** Everything a rule sees: one profile, resolved, and (for target rules) one target. */
export interface RuleContext {
  readonly stack: Stack;
  readonly profile: string;
  readonly production: boolean;
  /** Set for rules whose outcome depends on deployment semantics. */
  readonly target?: TargetKind;
  readonly backends: readonly ResolvedBackend[];
  readonly nginx?: ResolvedNginx;
  readonly postgres?: ResolvedPostgres;
  /** The pooler between backends and Postgres, when the stack has one. */
  readonly pooler?: ResolvedPgBouncer;
  readonly redis?: ResolvedRedis;
  /** Prometheus and Grafana, when the stack has them. */
  readonly monitoring?: ResolvedMonitoring;
}

/** What a rule reports, before the gate adds severity, profile and target. */
export interface Violation {
  /** Construct path the finding is about; suppressions match on it. */
  readonly path: string;
  readonly title: string;
  /** Indented lines: the arithmetic, then the fix. */
  readonly details: readonly string[];
}

/** A violation placed in its profile and target, with its severity. */
export interface Finding extends Violation {
  readonly rule: string;
  readonly severity: Severity;
  readonly profile: string;
  readonly target?: TargetKind;
}

/** A synth-time rule. */
export interface Rule {
  readonly id: string;
  /** One line for docs and the capacity report. */
  readonly summary: string;
  /** Evaluate once per target (capacity) or once per profile. */
  readonly perTarget: boolean;
  /**
   * Targets the rule applies to; it is skipped when synthesizing none of them.
   *
   * @default - every target
   */
  readonly targets?: readonly TargetKind[];
  /** Severity in production and in other profiles. */
  severity(production: boolean): Severity;
  check(ctx: RuleContext): readonly Violation[];
}

/** `[SO-POOL] uns/db (profile prod, target compose): title` followed by indented details. */
export function formatFinding(f: Finding): string {
  const where = f.target ? `profile ${f.profile}, target ${f.target}` : `profile ${f.profile}`;
  return [`[${f.rule}] ${f.path} (${where}): ${f.title}`, ...f.details.map((d) => `  ${d}`)].join('\n');
}

/** `1 worker`, `4 workers`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
