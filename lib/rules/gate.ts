import type { TargetKind } from '../capacity/target.js';
import { SynthError } from '../errors.js';
import type { Suppression } from '../model/model-construct.js';
import type { Stack } from '../model/stack.js';
import { resolveProfile } from '../plan/profile.js';
import { formatProblem, type GateReport, type Problem } from '../plan/report.js';
import { RULES } from './registry.js';
import type { RuleContext } from './rule.js';
import { checkStructure } from './structure.js';

export { resolveProfile } from '../plan/profile.js';
export { warningLines, warningTexts, type GateReport } from '../plan/report.js';

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

function matches(s: Suppression, p: Problem): boolean {
  return s.rule === p.code && s.path === p.path && (s.profiles === undefined || p.profiles.every((x) => s.profiles!.includes(x)));
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
  const kinds = new Map(stack.constructs.map((c) => [c.node.path, c.kind]));
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  const suppressed: GateReport['suppressed'][number][] = [];
  for (const ctx of contexts) {
    for (const rule of RULES) {
      const targets = opts.targets.filter((t) => !rule.targets || rule.targets.includes(t));
      if (targets.length === 0) continue;
      const runs: RuleContext[] = rule.perTarget ? targets.map((t) => ({ ...ctx, target: t })) : [ctx];
      for (const run of runs) {
        for (const v of rule.check(run)) {
          const problem: Problem = {
            code: rule.id,
            severity: rule.severity(run.production),
            path: v.path,
            construct: kinds.get(v.path)!,
            profiles: [run.profile],
            ...(run.target ? { target: run.target } : {}),
            message: v.message,
            terms: v.terms,
            fixes: v.fixes,
          };
          const s = suppressions.find((x) => matches(x, problem));
          if (s) {
            used.add(s);
            suppressed.push({ problem, suppression: s });
          } else (problem.severity === 'error' ? errors : warnings).push(problem);
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
    const rules = new Set(report.errors.map((p) => p.code)).size;
    const n = report.errors.length;
    const where = n === rules ? '' : ` (${n} findings across profiles and targets)`;
    throw new SynthError(
      [`synth refused: ${rules} rule${rules === 1 ? '' : 's'} failed${where}; nothing was written`, ...report.errors.map(formatProblem)].join('\n\n'),
    );
  }
  return report;
}
