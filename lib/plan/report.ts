/**
 * The outcome of the synth gate, as data: findings with their severity, profile and target,
 * the suppressions that hid some, and the resolved profiles every target renders. Renderers
 * and targets read it; only the rules (lib/rules) produce it.
 */
import type { TargetKind } from '../capacity/target.js';
import type { Suppression } from '../model/model-construct.js';
import { formatProblem, type Problem } from './problem.js';
import type { ResolvedProfile } from './profile.js';

export { fixLines, formatFix, formatProblem, type Fix, type FixOp, type FixValue, type Problem, type Severity, type Violation } from './problem.js';

/** The outcome of evaluating every rule for every profile and target of one gate call. */
export interface GateReport {
  /** The targets whose semantics the capacity rules were evaluated under. */
  readonly targets: readonly TargetKind[];
  /** Problems that fail synth. */
  readonly errors: readonly Problem[];
  /** Problems printed while synth goes on. */
  readonly warnings: readonly Problem[];
  /** Problems a suppression hid, each with the suppression that hid it. */
  readonly suppressed: readonly {
    /** The problem, as it would have been reported. */
    readonly problem: Problem;
    /** The suppression that matched it. */
    readonly suppression: Suppression;
  }[];
  /** Suppressions that matched nothing; reported so stale ones get removed. */
  readonly unusedSuppressions: readonly Suppression[];
  /** One resolved profile per profile evaluated, in the stack's profile order. */
  readonly contexts: readonly ResolvedProfile[];
}

/** A report's warnings as text, unprefixed: rule warnings, then stale suppressions (the Pulumi engine adds its own "warning:"). */
export function warningTexts(report: GateReport): string[] {
  return [
    ...report.warnings.map(formatProblem),
    ...report.unusedSuppressions.map((s) => `[${s.path}] suppression of ${s.rule} matches nothing (reason: "${s.reason}"); remove it`),
  ];
}

/** Warning lines for a report, as the CLI and CAPACITY.md print them: `warning ` + {@link warningTexts}. */
export function warningLines(report: GateReport): string[] {
  return warningTexts(report).map((t) => `warning ${t}`);
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

/** `fixed clients exporter 2 + monitor 1 = 3`, or nothing when there are none. */
export function fixedLine(clients: readonly { name: string; count: number }[], total: number): string[] {
  return clients.length === 0 ? [] : [`fixed clients ${clients.map((c) => `${c.name} ${c.count}`).join(' + ')} = ${total}`];
}

/** `1 worker`, `4 workers`, `2 processes`. */
export function plural(n: number, word: string): string {
  const many = /(s|x|ch|sh)$/.test(word) ? `${word}es` : `${word}s`;
  return `${n} ${n === 1 ? word : many}`;
}
