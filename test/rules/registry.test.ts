import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES, RULE_IDS } from '../../lib/index.js';

describe('RULES', () => {
  it('holds the first rule set, in report order, with unique SO-… ids', () => {
    const first = [
      'SO-POOL',
      'SO-REDIS',
      'SO-NGINX-CONN',
      'SO-KEEPALIVE',
      'SO-HA',
      'SO-SCALE-CONFLICT',
      'SO-RESOURCES',
      'SO-HEALTH',
      'SO-SECRET',
      'SO-IMAGE-TAG',
    ];
    expect(RULE_IDS.filter((id) => first.includes(id))).toEqual(first);
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
    for (const id of RULE_IDS) expect(id).toMatch(/^SO-[A-Z-]+$/);
  });

  it('has a test file per rule', () => {
    const missing = RULE_IDS.map((id) => `${id.slice(3).toLowerCase()}.test.ts`).filter(
      (f) => !existsSync(new URL(f, import.meta.url)),
    );
    expect(missing).toEqual([]);
  });

  it('gives SO-RESOURCES, SO-HEALTH, SO-IMAGE-TAG and SO-LOAD warning outside production, error in it; SO-HEALTH-TIMEOUT always a warning; the rest (SO-GRAFANA-ADMIN too) always error', () => {
    // SO-LOAD: the expected load is a production figure; a dev profile that inherits it is told, not refused.
    const relaxed = ['SO-RESOURCES', 'SO-HEALTH', 'SO-IMAGE-TAG', 'SO-LOAD'];
    const advice = ['SO-HEALTH-TIMEOUT'];
    for (const r of RULES) {
      const expected = advice.includes(r.id) ? ['warning', 'warning'] : [relaxed.includes(r.id) ? 'warning' : 'error', 'error'];
      expect([r.id, r.severity(false), r.severity(true)]).toEqual([r.id, ...expected]);
    }
  });

  it('evaluates the capacity rules per target', () => {
    const perTarget = RULES.filter((r) => r.perTarget).map((r) => r.id);
    expect(perTarget).toEqual(expect.arrayContaining(['SO-POOL', 'SO-REDIS', 'SO-NGINX-CONN', 'SO-LOAD']));
    expect(perTarget).not.toContain('SO-HA');
  });
});

describe('rule ids', () => {
  it('RULE_IDS (lib/model/rule-ids.ts) lists exactly the registered rules, in report order', async () => {
    const { RULES } = await import('../../lib/rules/registry.js');
    const { RULE_IDS } = await import('../../lib/model/rule-ids.js');
    expect(RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
  });

  it('suppress() takes only a known rule id, at compile time', async () => {
    const { minimalStack } = await import('../helpers/stacks.js');
    const { backend } = minimalStack();
    backend.suppress('SO-HA', 'a single replica is fine in this demo');
    // @ts-expect-error 'SO-NOPE' is not a RuleId
    expect(() => backend.suppress('SO-NOPE', 'no such rule exists here')).not.toThrow();
  });
});
