export { evaluate, resolveProfile, synthGate, warningLines, warningTexts, type GateOptions, type GateReport } from './gate.js';
export type { ResolvedProfile } from '../plan/profile.js';
export { RULES, RULE_IDS } from './registry.js';
export { checkStructure } from './structure.js';
export { formatFix, formatProblem, type Fix, type Problem, type Rule, type RuleContext, type Severity, type Violation } from './rule.js';
