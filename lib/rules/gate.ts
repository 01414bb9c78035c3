import type { TargetKind } from '../capacity/target.js';
import { SynthError } from '../errors.js';
import type { Suppression } from '../model/model-construct.js';
import type { Stack } from '../model/stack.js';
import { resolveProfile } from '../plan/profile.js';
import { formatFinding, type Finding, type GateReport } from '../plan/report.js';
import { RULES } from './registry.js';
import type { RuleContext } from './rule.js';
import { checkStructure } from './structure.js';

export { resolveProfile } from '../plan/profile.js';
export { warningLines, type GateReport } from '../plan/report.js';

/** Which targets and profiles a synth covers. */
export interface GateOptions {
  /** Targets whose semantics the capacity rules are evaluated under. */
  readonly targets: readonly TargetKind[];
  /**
   * Profiles to evaluate.
   *
   * @default - every profile of the stack
   */
  readonly profiles?: readonly string[];
}

function matches(s: Suppression, f: Finding): boolean {
  return s.rule === f.rule && s.path === f.path && (s.profiles === undefined || s.profiles.includes(f.profile));
}

/**
 * Resolves each profile once and evaluates every rule once per profile (and per target, for
 * capacity rules), without throwing on rule failures; input errors still throw. Nothing is
 * cached: an entry point calls this once and hands the report to every target it renders.
 */
export function evaluate(stack: Stack, opts: GateOptions): GateReport {
  const contexts = (opts.profiles ?? stack.profileNames).map((p) => resolveProfile(stack, p));
  checkStructure(stack, contexts);
  const suppressions = stack.constructs.flatMap((c) => c.suppressions);
  const used = new Set<Suppression>();
  const errors: Finding[] = [];
  const warnings: Finding[] = [];
  const suppressed: GateReport['suppressed'][number][] = [];
  for (const ctx of contexts) {
    for (const rule of RULES) {
      const targets = opts.targets.filter((t) => !rule.targets || rule.targets.includes(t));
      if (targets.length === 0) continue;
      const runs: RuleContext[] = rule.perTarget ? targets.map((t) => ({ ...ctx, target: t })) : [ctx];
      for (const run of runs) {
        for (const v of rule.check(run)) {
          const finding: Finding = {
            ...v,
            rule: rule.id,
            severity: rule.severity(run.production),
            profile: run.profile,
            ...(run.target ? { target: run.target } : {}),
          };
          const s = suppressions.find((x) => matches(x, finding));
          if (s) {
            used.add(s);
            suppressed.push({ finding, suppression: s });
          } else (finding.severity === 'error' ? errors : warnings).push(finding);
        }
      }
    }
  }
  const unusedSuppressions = suppressions.filter((s) => !used.has(s));
  return { targets: [...opts.targets], errors, warnings, suppressed, unusedSuppressions, contexts };
}

/**
 * The one synth gate every entry point calls before emitting anything. Throws a
 * {@link SynthError} listing every failed error-severity rule.
 */
export function synthGate(stack: Stack, opts: GateOptions): GateReport {
  const report = evaluate(stack, opts);
  if (report.errors.length > 0) {
    const rules = new Set(report.errors.map((f) => f.rule)).size;
    const n = report.errors.length;
    const where = n === rules ? '' : ` (${n} findings across profiles and targets)`;
    throw new SynthError(
      [`synth refused: ${rules} rule${rules === 1 ? '' : 's'} failed${where}; nothing was written`, ...report.errors.map(formatFinding)].join('\n\n'),
    );
  }
  return report;
}
