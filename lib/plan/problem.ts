/**
 * A problem as data: the rule that found it, where, in which profiles and target, what is
 * wrong, the arithmetic behind it and the fixes as `{ knob, op, value }`. `formatProblem` is
 * the one place that turns a problem into text; the CLI, the SynthError a cdk8s app or a
 * Pulumi program sees, and CAPACITY.md all print through it.
 */
import type { Fix, FixValue } from '../capacity/fix.js';
import type { TargetKind } from '../capacity/target.js';
import type { ModelKind } from '../model/model-construct.js';
import type { RuleId } from '../model/rule-ids.js';

export type { BudgetName, Fix, FixOp, FixValue } from '../capacity/fix.js';

/** An error fails synth; a warning is printed and synth goes on. */
export type Severity = 'error' | 'warning';

/** What a rule reports, before the gate adds its code, severity, construct, profile and target. */
export interface Violation {
  /** Construct path the problem is about; suppressions match on it. */
  readonly path: string;
  /** One line: what is wrong. */
  readonly message: string;
  /** The arithmetic (each term named) or the reason, one line each, in print order. */
  readonly terms: readonly string[];
  /** Changes that would each clear the problem (or, with `budget`, its part of it). */
  readonly fixes: readonly Fix[];
}

/** A violation placed in its profile and target, with its rule and severity. */
export interface Problem extends Violation {
  /** The rule that found it. */
  readonly code: RuleId;
  /** The rule's severity in this problem's profile. */
  readonly severity: Severity;
  /** The kind of construct at `path`. */
  readonly construct: ModelKind;
  /** The profiles it holds in: one, since each profile is gated (and printed) on its own. */
  readonly profiles: readonly string[];
  /** The target whose semantics it was found under; absent for rules that hold for every target. */
  readonly target?: TargetKind;
}

const OPS = { atMost: '≤', atLeast: '≥', below: '<', above: '>' } as const;

function valueText(v: FixValue): string {
  if (typeof v !== 'object') return String(v);
  return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(', ')} }`;
}

/** `max_connections ≥ 243`, `set healthcheck: { path: /api/health, … }`, `remove containerName`. */
export function formatFix(f: Fix): string {
  const value = f.value === undefined ? '' : valueText(f.value);
  const change =
    f.op === 'set' ? `set ${f.term}${value ? `: ${value}` : ''}`
    : f.op === 'add' || f.op === 'remove' ? `${f.op} ${f.term}`
    : `${f.term} ${OPS[f.op]} ${value}`;
  return f.note ? `${change} ${f.note}` : change;
}

/**
 * `fix: …` for one fix, `fix one of: … · …` for alternatives; fixes for different budgets
 * get a line each (`fix PostgreSQL with one of: …`), and fixes for none of them an `or:`.
 */
export function fixLines(fixes: readonly Fix[]): string[] {
  const budgets = [...new Set(fixes.flatMap((f) => (f.budget ? [f.budget] : [])))];
  const oneOf = (fs: readonly Fix[]) => (fs.length === 1 ? `: ${formatFix(fs[0]!)}` : ` one of: ${fs.map(formatFix).join(' · ')}`);
  if (budgets.length <= 1) return fixes.length === 0 ? [] : [`fix${oneOf(fixes)}`];
  const rest = fixes.filter((f) => !f.budget);
  return [
    ...budgets.map((b) => `fix ${b} with one of: ${fixes.filter((f) => f.budget === b).map(formatFix).join(' · ')}`),
    ...(rest.length ? [`or: ${rest.map(formatFix).join(' · ')}`] : []),
  ];
}

/** `[SO-POOL] uns/db (profile prod, target compose): message`, then the terms and fixes indented. */
export function formatProblem(p: Problem): string {
  const profiles = `${p.profiles.length === 1 ? 'profile' : 'profiles'} ${p.profiles.join(', ')}`;
  const where = p.target ? `${profiles}, target ${p.target}` : profiles;
  return [`[${p.code}] ${p.path} (${where}): ${p.message}`, ...[...p.terms, ...fixLines(p.fixes)].map((d) => `  ${d}`)].join('\n');
}
