/**
 * The outcome of the synth gate, as data: findings with their severity, profile and target,
 * the suppressions that hid some, and the resolved profiles every target renders. Renderers
 * and targets read it; only the rules (lib/rules) produce it.
 */
import type { TargetKind } from '../capacity/target.js';
import type { Suppression } from '../model/model-construct.js';
import type { RuleId } from '../model/rule-ids.js';
import type { ResolvedProfile } from './profile.js';

/** An error fails synth; a warning is printed and synth goes on. Some rules are errors only in production. */
export type Severity = 'error' | 'warning';

/** What a rule reports, before the gate adds severity, profile and target. */
export interface Violation {
  /** Construct path the finding is about; suppressions match on it. */
  readonly path: string;
  /** One-line summary, the numbers included. */
  readonly title: string;
  /** Indented lines: the arithmetic, then the fix. */
  readonly details: readonly string[];
}

/** A violation placed in its profile and target, with its severity. */
export interface Finding extends Violation {
  /** The rule that reported it (`SO-POOL`). */
  readonly rule: RuleId;
  /** Its severity in this profile. */
  readonly severity: Severity;
  /** The profile it was found in. */
  readonly profile: string;
  /** The target whose semantics it was found under; absent for rules that do not depend on one. */
  readonly target?: TargetKind;
}

/** The outcome of evaluating every rule for every profile and target of one gate call. */
export interface GateReport {
  /** The targets whose semantics the capacity rules were evaluated under. */
  readonly targets: readonly TargetKind[];
  /** Findings that fail synth. */
  readonly errors: readonly Finding[];
  /** Findings printed while synth goes on. */
  readonly warnings: readonly Finding[];
  /** Findings a suppression hid, each with the suppression that hid it. */
  readonly suppressed: readonly {
    /** The finding hidden. */
    readonly finding: Finding;
    /** The suppression that matched it. */
    readonly suppression: Suppression;
  }[];
  /** Suppressions that matched nothing; reported so stale ones get removed. */
  readonly unusedSuppressions: readonly Suppression[];
  /** One resolved profile per profile evaluated, in the stack's profile order. */
  readonly contexts: readonly ResolvedProfile[];
}

/** `[SO-POOL] uns/db (profile prod, target compose): title` followed by indented details. */
export function formatFinding(f: Finding): string {
  const where = f.target ? `profile ${f.profile}, target ${f.target}` : `profile ${f.profile}`;
  return [`[${f.rule}] ${f.path} (${where}): ${f.title}`, ...f.details.map((d) => `  ${d}`)].join('\n');
}

/** Warning lines for a report: rule warnings and stale suppressions. */
export function warningLines(report: GateReport): string[] {
  return [
    ...report.warnings.map((f) => `warning ${formatFinding(f)}`),
    ...report.unusedSuppressions.map(
      (s) => `warning [${s.path}] suppression of ${s.rule} matches nothing (reason: "${s.reason}"); remove it`,
    ),
  ];
}

/**
 * The gate's resolved profiles, checking that the report covers `target`: a target must not
 * render from a report whose capacity rules ran under other semantics.
 */
export function gatedContexts(report: GateReport, target: TargetKind): readonly ResolvedProfile[] {
  if (!report.targets.includes(target)) {
    throw new Error(`this gate report covers targets ${report.targets.join(', ')}, not ${target}`);
  }
  return report.contexts;
}

/** The gate's resolved profile for `profile`, from a report that covers `target`. */
export function gatedProfile(report: GateReport, target: TargetKind, profile: string): ResolvedProfile {
  const ctx = gatedContexts(report, target).find((c) => c.profile === profile);
  if (!ctx) throw new Error(`this gate report covers profiles ${report.contexts.map((c) => c.profile).join(', ')}, not ${profile}`);
  return ctx;
}

/** `1 worker`, `4 workers`, `2 processes`. */
export function plural(n: number, word: string): string {
  const many = /(s|x|ch|sh)$/.test(word) ? `${word}es` : `${word}s`;
  return `${n} ${n === 1 ? word : many}`;
}
