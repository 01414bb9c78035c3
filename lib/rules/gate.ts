import type { TargetKind } from '../capacity/target.js';
import { SynthError } from '../errors.js';
import type { Suppression } from '../model/model-construct.js';
import { exporterClients, type StackClient } from '../model/monitoring.js';
import type { Stack } from '../model/stack.js';
import { RULES } from './registry.js';
import { formatFinding, type Finding, type Rule, type RuleContext } from './rule.js';
import { checkStructure } from './structure.js';

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

/** The outcome of evaluating every rule for every profile and target. */
export interface GateReport {
  readonly errors: readonly Finding[];
  readonly warnings: readonly Finding[];
  readonly suppressed: readonly { readonly finding: Finding; readonly suppression: Suppression }[];
  /** Suppressions that matched nothing; reported so stale ones get removed. */
  readonly unusedSuppressions: readonly Suppression[];
  readonly contexts: readonly RuleContext[];
}

/** Adds the clients the stack itself creates to a provider's declared fixed clients. */
function withClients<T extends { readonly fixedClients: readonly StackClient[] }>(provider: T, clients: readonly StackClient[]): T {
  if (clients.length === 0) return provider;
  const fixedClients = [...provider.fixedClients, ...clients].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...provider, fixedClients };
}

/**
 * Resolves every construct for `profile`. Connections the stack's own workloads hold (the
 * exporters) are added to each provider's fixed clients here, so every budget counts them.
 */
export function resolveProfile(stack: Stack, profile: string): RuleContext {
  const exporters = stack.monitoring ? exporterClients() : undefined;
  const pick = (c: StackClient | undefined) => (c ? [c] : []);
  return {
    stack,
    profile,
    production: stack.isProduction(profile),
    backends: stack.backends.map((b) => b.resolve(profile)),
    ...(stack.nginx ? { nginx: stack.nginx.resolve(profile) } : {}),
    ...(stack.postgres ? { postgres: withClients(stack.postgres.resolve(profile), pick(exporters?.postgres)) } : {}),
    ...(stack.pooler ? { pooler: withClients(stack.pooler.resolve(profile), pick(exporters?.pgbouncer)) } : {}),
    ...(stack.redis ? { redis: withClients(stack.redis.resolve(profile), pick(exporters?.redis)) } : {}),
    ...(stack.monitoring ? { monitoring: stack.monitoring.resolve(profile) } : {}),
  };
}

function matches(s: Suppression, f: Finding): boolean {
  return s.rule === f.rule && s.path === f.path && (s.profiles === undefined || s.profiles.includes(f.profile));
}

// Rule outcomes per stack revision, profile, rule and target: every target of one synth
// (compose, each Kubernetes chart, Pulumi) then shares one evaluation of each rule.
const cache = new WeakMap<Stack, { revision: number; findings: Map<string, Finding[]> }>();

function findingsOf(stack: Stack, rule: Rule, run: RuleContext): Finding[] {
  let entry = cache.get(stack);
  if (!entry || entry.revision !== stack.revision) {
    entry = { revision: stack.revision, findings: new Map() };
    cache.set(stack, entry);
  }
  const key = `${run.profile}|${rule.id}|${run.target ?? '-'}`;
  let found = entry.findings.get(key);
  if (!found) {
    found = rule.check(run).map((v) => ({
      ...v,
      rule: rule.id,
      severity: rule.severity(run.production),
      profile: run.profile,
      ...(run.target ? { target: run.target } : {}),
    }));
    entry.findings.set(key, found);
  }
  return found;
}

/** Evaluates every rule without throwing on rule failures (input errors still throw). */
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
      const runs = rule.perTarget ? targets.map((t) => ({ ...ctx, target: t })) : [ctx];
      for (const run of runs) {
        for (const finding of findingsOf(stack, rule, run)) {
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
  return { errors, warnings, suppressed, unusedSuppressions, contexts };
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
 * The one synth gate every target calls before emitting anything. Throws a
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
