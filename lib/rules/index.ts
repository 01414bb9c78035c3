export { evaluate, resolveProfile, synthGate, warningLines, type GateOptions, type GateReport } from './gate.js';
export type { ResolvedProfile } from '../plan/profile.js';
export { RULES, RULE_IDS } from './registry.js';
export { checkStructure } from './structure.js';
export { formatFinding, type Finding, type Rule, type RuleContext, type Severity, type Violation } from './rule.js';
