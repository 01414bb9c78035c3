/**
 * Monitored stacks for the Prometheus and Grafana renderer tests: the minimal stack plus a
 * Monitoring construct, optionally a PgBouncer, resolved per profile.
 */
import { parse, stringify } from 'yaml';
import { Monitoring, PgBouncer, resolveProfile, type MonitoringConstructProps, type RuleContext, type Stack } from '../../lib/index.js';
import { minimalStack, type MinimalOverrides } from './stacks.js';

export interface MonitoredOptions extends MinimalOverrides {
  readonly monitoring?: MonitoringConstructProps;
  readonly pooler?: boolean;
}

export function monitoredStack(o: MonitoredOptions = {}): Stack {
  const { stack } = minimalStack(o);
  if (o.pooler) new PgBouncer(stack, 'pgbouncer', { instances: 2, maxClientConn: 200, defaultPoolSize: 20 });
  new Monitoring(stack, 'monitoring', o.monitoring ?? {});
  return stack;
}

export function contextOf(stack: Stack, profile = 'dev'): RuleContext {
  return resolveProfile(stack, profile);
}

/**
 * The rules file without annotations: promtool's unit tests compare annotations exactly
 * (templates expanded), and what they prove is the expression, `for:` and labels.
 */
export function withoutAnnotations(rulesYaml: string): string {
  const doc = parse(rulesYaml) as { groups: { rules: Record<string, unknown>[] }[] };
  for (const g of doc.groups) for (const r of g.rules) delete r.annotations;
  return stringify(doc);
}
