import { isRuleId } from '../model/rule-ids.js';
import type { Fix } from '../capacity/fix.js';
import { ConfigError, formatConfigIssue, type ConfigCode, type ConfigIssueInit } from '../errors.js';
import { suggestion } from '../model/did-you-mean.js';
import { MONITORING_SERVICES } from '../model/monitoring.js';
import type { Stack } from '../model/stack.js';
import { roleNameIssues } from '../plan/roles.js';
import { collisions } from './collisions.js';
import { RULE_IDS } from './registry.js';
import type { RuleContext } from './rule.js';

/**
 * Checks that span constructs but are not capacity: what is missing or collides. These
 * are input mistakes (exit 2), not rule failures.
 */
export function checkStructure(stack: Stack, contexts: readonly RuleContext[]): void {
  const problems: ConfigIssueInit[] = [];
  const problem = (code: ConfigCode, constructPath: string, path: string, message: string, fixes: readonly Fix[] = [], profile?: string) =>
    problems.push({ code, constructPath, ...(profile === undefined ? {} : { profiles: [profile] }), path, message, fixes });
  const at = stack.node.path;
  const add = (prop: string): Fix => ({ knob: `${stack.node.id}.${prop}`, op: 'add', term: prop });
  if (stack.backends.length === 0) problem('SO-CONFIG-STRUCTURE', at, 'backends', 'a stack needs at least one backend; add one', [add('backend')]);
  if (!stack.nginx) problem('SO-CONFIG-STRUCTURE', at, 'nginx', 'a stack needs an nginx load balancer; add one', [add('nginx')]);
  if (stack.pooler && !stack.postgres) {
    problem('SO-CONFIG-STRUCTURE', stack.pooler.node.path, 'pooler', 'PgBouncer pools connections to Postgres, but the stack has none; add postgres', [add('postgres')]);
  }
  for (const c of stack.constructs) {
    for (const s of c.suppressions) {
      if (!isRuleId(s.rule)) {
        problem('SO-CONFIG-VALUE', s.path, 'suppressions', `unknown rule '${s.rule}'${suggestion(s.rule, RULE_IDS)}; known rules: ${RULE_IDS.join(', ')}`);
      }
      for (const p of s.profiles ?? []) {
        if (!stack.profileNames.includes(p)) {
          problem('SO-CONFIG-VALUE', s.path, 'suppressions', `unknown profile '${p}'${suggestion(p, stack.profileNames)}`);
        }
      }
    }
  }
  for (const ctx of contexts) {
    problems.push(...collisions(ctx), ...roleNameIssues(ctx));
    const structure = (path: string, prop: string, message: string, fixes: readonly Fix[] = []) =>
      problem('SO-CONFIG-STRUCTURE', path, prop, message, fixes, ctx.profile);
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
        structure(b.path, 'database', 'the backend uses a database but the stack has no Postgres; add postgres or set database: false', [add('postgres')]);
      }
      if (b.redisPool > 0 && !ctx.redis) {
        structure(b.path, 'redisPool', `the backend uses Redis (redisPool ${b.redisPool}) but the stack has no Redis; add redis or set redisPool: 0`, [
          add('redis'),
          { knob: `${b.id}.redisPool`, op: 'set', value: 0, term: 'redisPool' },
        ]);
      }
      for (const n of new Set([b.serviceName, b.id])) {
        const other = names.get(n);
        if (other && other !== b.path) structure(b.path, 'serviceName', `'${n}' is also used by ${other}; give each backend its own name`);
        else if (infra.includes(n)) structure(b.path, 'serviceName', `'${n}' collides with a stack service of the same name; rename it`);
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
          structure(b.path, 'routes', `${mine} is already routed to ${theirs}; ${fix}`);
        }
        routes.set(r, { path: b.path, implicit });
      }
    }
  }
  // A problem found the same in several places (a suppression checked per profile) is one problem.
  const unique = new Map(problems.map((p) => [formatConfigIssue(p), p]));
  if (unique.size) throw new ConfigError([...unique.values()]);
}
