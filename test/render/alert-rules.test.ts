import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { alertThresholds, minReplicas, promNumber, renderAlertRules } from '../../lib/render/alert-rules.js';
import { contextOf, monitoredStack } from '../helpers/monitoring.js';

type Rule = { alert: string; expr: string; for: string; labels: Record<string, string> };
const rulesOf = (text: string): Rule[] => (parse(text) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

describe('renderAlertRules', () => {
  const stack = monitoredStack({ pooler: true });
  const dev = renderAlertRules(contextOf(stack, 'dev'), 'uns');

  it('holds the seed alerts, the derived ones, and PgBouncerClientsNearLimit only with a pooler', () => {
    expect(rulesOf(dev).map((r) => r.alert)).toEqual([
      'BackendInstanceDown',
      'BackendReplicasBelowMinimum',
      'HighErrorRate',
      'PostgresConnectionsNearBudget',
      'PgBouncerClientsNearLimit',
      'RedisClientsNearLimit',
      'NginxUpstreamErrors',
    ]);
    const plain = renderAlertRules(contextOf(monitoredStack(), 'dev'), 'uns');
    expect(rulesOf(plain).map((r) => r.alert)).not.toContain('PgBouncerClientsNearLimit');
    const seed = rulesOf(dev).find((r) => r.alert === 'HighErrorRate')!;
    expect([seed.expr, seed.for]).toEqual(['rate(http_requests_total{status=~"5.."}[5m]) > 0.05', '5m']);
    expect(rulesOf(dev).find((r) => r.alert === 'BackendInstanceDown')!.expr).toBe('up{job="backend"} == 0');
  });

  it("writes the capacity thresholds computed from the model: nearBudget × the budget", () => {
    const ctx = contextOf(stack, 'dev');
    const expected = ctx.postgres!.available * 0.8;
    const rule = rulesOf(dev).find((r) => r.alert === 'PostgresConnectionsNearBudget')!;
    expect(Number(/> ([\d.]+)$/.exec(rule.expr)![1])).toBeCloseTo(expected, 6);
    expect(alertThresholds(ctx).postgresConnections).toBeCloseTo(expected, 6);
    const redis = rulesOf(dev).find((r) => r.alert === 'RedisClientsNearLimit')!;
    expect(Number(/> ([\d.]+)$/.exec(redis.expr)![1])).toBe(ctx.redis!.maxClients * 0.8);
    const bouncer = rulesOf(dev).find((r) => r.alert === 'PgBouncerClientsNearLimit')!;
    expect(Number(/> ([\d.]+)$/.exec(bouncer.expr)![1])).toBe(ctx.pooler!.maxClientConn * 0.8);
  });

  it("writes each profile's minimum replicas into BackendReplicasBelowMinimum", () => {
    const prodStack = monitoredStack({ backend: { profiles: { prod: { replicas: 3 } } } });
    const rule = (p: string) => rulesOf(renderAlertRules(contextOf(prodStack, p), 'uns')).find((r) => r.alert === 'BackendReplicasBelowMinimum')!;
    expect(rule('dev').expr).toBe('(count(up{job="backend"} == 1) or vector(0)) < 2');
    expect(rule('prod').expr).toBe('(count(up{job="backend"} == 1) or vector(0)) < 3');
    expect(minReplicas(contextOf(prodStack, 'prod').backends[0]!)).toBe(3);
  });

  it('takes a profile override of for: (a test-only profile with a short one)', () => {
    const s = monitoredStack({
      stack: { profiles: { e2e: {} } },
      monitoring: { profiles: { e2e: { alerts: { backendDownFor: '5s' } } } },
    });
    const down = (p: string) => rulesOf(renderAlertRules(contextOf(s, p), 'uns')).find((r) => r.alert === 'BackendInstanceDown')!.for;
    expect([down('dev'), down('e2e')]).toEqual(['1m', '5s']);
  });

  it('is deterministic', () => {
    expect(renderAlertRules(contextOf(monitoredStack({ pooler: true }), 'dev'), 'uns')).toBe(dev);
    expect(promNumber(197 * 0.8)).toBe('157.6');
  });
});
