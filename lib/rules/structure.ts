import { isRuleId } from '../model/rule-ids.js';
import { ConfigError } from '../errors.js';
import { suggestion } from '../model/did-you-mean.js';
import { MONITORING_SERVICES } from '../model/monitoring.js';
import type { Stack } from '../model/stack.js';
import { collisions } from './collisions.js';
import { RULE_IDS } from './registry.js';
import type { RuleContext } from './rule.js';

/**
 * Checks that span constructs but are not capacity: what is missing or collides. These
 * are input mistakes (exit 2), not rule failures.
 */
export function checkStructure(stack: Stack, contexts: readonly RuleContext[]): void {
  const problems: string[] = [];
  const at = `[${stack.node.path}]`;
  if (stack.backends.length === 0) problems.push(`${at} backends: a stack needs at least one backend; add one`);
  if (!stack.nginx) problems.push(`${at} nginx: a stack needs an nginx load balancer; add one`);
  if (stack.pooler && !stack.postgres) {
    problems.push(`[${stack.pooler.node.path}] pooler: PgBouncer pools connections to Postgres, but the stack has none; add postgres`);
  }
  for (const c of stack.constructs) {
    for (const s of c.suppressions) {
      if (!isRuleId(s.rule)) {
        problems.push(`[${s.path}] suppressions: unknown rule '${s.rule}'${suggestion(s.rule, RULE_IDS)}; known rules: ${RULE_IDS.join(', ')}`);
      }
      for (const p of s.profiles ?? []) {
        if (!stack.profileNames.includes(p)) {
          problems.push(`[${s.path}] suppressions: unknown profile '${p}'${suggestion(p, stack.profileNames)}`);
        }
      }
    }
  }
  for (const ctx of contexts) {
    problems.push(...collisions(ctx));
    const where = `(profile ${ctx.profile})`;
    const infra = [
      ctx.nginx?.id,
      ctx.postgres?.id,
      ctx.pooler?.id,
      ctx.redis?.id,
      ...(ctx.monitoring ? Object.values(MONITORING_SERVICES) : []),
    ].filter((x) => x !== undefined);
    const names = new Map<string, string>();
    const routes = new Map<string, { path: string; implicit: boolean }>();
    for (const b of ctx.backends) {
      if (b.pool && !ctx.postgres) {
        problems.push(`[${b.path}] ${where} database: the backend uses a database but the stack has no Postgres; add postgres or set database: false`);
      }
      if (b.redisPool > 0 && !ctx.redis) {
        problems.push(`[${b.path}] ${where} redisPool: the backend uses Redis (redisPool ${b.redisPool}) but the stack has no Redis; add redis or set redisPool: 0`);
      }
      for (const n of new Set([b.serviceName, b.id])) {
        const other = names.get(n);
        if (other && other !== b.path) problems.push(`[${b.path}] ${where} serviceName: '${n}' is also used by ${other}; give each backend its own name`);
        else if (infra.includes(n)) problems.push(`[${b.path}] ${where} serviceName: '${n}' collides with a stack service of the same name; rename it`);
        names.set(n, b.path);
      }
      const implicit = b.routesFrom === 'default';
      for (const r of b.routes) {
        const other = routes.get(r);
        if (other) {
          // Name the default when one side never wrote `routes`: the user cannot see it.
          const mine = implicit ? `routes is not set, so this backend takes '${r}' by default, but '${r}'` : `'${r}'`;
          const theirs = other.implicit ? `${other.path}, which took it by default (it sets no routes)` : other.path;
          const fix = implicit || other.implicit ? "set routes on each web backend, or kind: worker on one with no HTTP side" : 'each route goes to one backend';
          problems.push(`[${b.path}] ${where} routes: ${mine} is already routed to ${theirs}; ${fix}`);
        }
        routes.set(r, { path: b.path, implicit });
      }
    }
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
}
