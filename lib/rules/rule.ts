import type { TargetKind } from '../capacity/target.js';
import type { RuleId } from '../model/rule-ids.js';
import type { ResolvedProfile } from '../plan/profile.js';
import type { Severity, Violation } from '../plan/report.js';

export { formatFix, formatProblem, plural, type Fix, type Problem, type Severity, type Violation } from '../plan/report.js';

/** Everything a rule sees: one profile, resolved, and (for target rules) one target. */
export interface RuleContext extends ResolvedProfile {
  /** Set for rules whose outcome depends on deployment semantics. */
  readonly target?: TargetKind;
}

/** A synth-time rule. */
export interface Rule {
  /** Stable id (`SO-POOL`), used in findings and suppressions. */
  readonly id: RuleId;
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
  /** The violations in one profile (and target, for per-target rules); empty when it holds. */
  check(ctx: RuleContext): readonly Violation[];
}

