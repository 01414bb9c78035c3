/**
 * The ids of every synth-time rule. They live in the model because suppressions name them
 * and the model must not import the rules; lib/rules/registry.ts has exactly one rule per id
 * (test/rules/registry.test.ts), in this order, which is the report order.
 */
export const RULE_IDS = [
  'SO-POOL',
  'SO-POOL-SERVER',
  'SO-REDIS',
  'SO-NGINX-CONN',
  'SO-LOAD',
  'SO-KEEPALIVE',
  'SO-HA',
  'SO-SCALE-CONFLICT',
  'SO-RESOURCES',
  'SO-HEALTH',
  'SO-HEALTH-TIMEOUT',
  'SO-SECRET',
  'SO-GRAFANA-ADMIN',
  'SO-IMAGE-TAG',
  'SO-SHARED-VOLUME',
] as const;

/** A rule id: `suppress('SO-HA', …)` is checked against it at compile time. */
export type RuleId = (typeof RULE_IDS)[number];

/** Whether `id` names a rule (for ids read from YAML). */
export function isRuleId(id: string): id is RuleId {
  return (RULE_IDS as readonly string[]).includes(id);
}
