import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, Monitoring, synthGate, SynthError, type MonitoringConstructProps } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

function monitored(props: MonitoringConstructProps) {
  const s = minimalStack();
  new Monitoring(s.stack, 'monitoring', props);
  return s.stack;
}

describe('SO-GRAFANA-ADMIN', () => {
  it("refuses the seed's admin/admin in every profile: no output ever holds a literal", () => {
    // GIVEN
    const stack = monitored({ grafana: { adminPassword: 'admin' } });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    const found = findingsOf(report, 'SO-GRAFANA-ADMIN').sort((a, b) => a.profiles[0]!.localeCompare(b.profiles[0]!));
    expect(found.map((f) => [f.profiles[0], f.severity, f.path])).toEqual([
      ['dev', 'error', 'uns/monitoring'],
      ['prod', 'error', 'uns/monitoring'],
    ]);
    expect(formatProblem(found[1]!)).toMatchInlineSnapshot(`
      "[SO-GRAFANA-ADMIN] uns/monitoring (profile prod): Grafana admin password is the default 'admin' (user 'admin')
        anyone who reaches Grafana logs in as admin with it
        fix: remove grafana.adminPassword and put the password in the secret 'grafana_admin_password' (grafana.adminPasswordSecret)"
    `);
    expect(() => synthGate(stack, { targets: ['compose'] })).toThrow(SynthError);
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['dev'] })).toThrow(SynthError);
  });

  it.each(['', 'password', 'Admin', 'changeme'])('treats %j as a default', (pw) => {
    const [f] = findingsOf(evaluate(monitored({ grafana: { adminPassword: pw } }), { targets: ['compose'], profiles: ['prod'] }), 'SO-GRAFANA-ADMIN');
    expect(f?.message).toMatch(/is the default/);
  });

  it('refuses any literal in prod: a secret is required', () => {
    const [f] = findingsOf(
      evaluate(monitored({ grafana: { adminPassword: 'c0rrect-h0rse' } }), { targets: ['compose'], profiles: ['prod'] }),
      'SO-GRAFANA-ADMIN',
    );
    expect([f?.severity, f?.message]).toEqual(['error', 'Grafana admin password is a literal']);
  });

  it('applies a profile override: a literal only in dev fails dev (an error there too) and nothing in prod', () => {
    const stack = monitored({ profiles: { dev: { grafana: { adminPassword: 'admin' } } } });
    const report = evaluate(stack, { targets: ['compose'] });
    expect(findingsOf(report, 'SO-GRAFANA-ADMIN').map((f) => [f.profiles[0], f.severity])).toEqual([['dev', 'error']]);
  });

  it('is suppressed by a suppression on the monitoring construct', () => {
    const stack = monitored({
      grafana: { adminPassword: 'admin' },
      suppressions: [{ rule: 'SO-GRAFANA-ADMIN', reason: 'a throwaway demo stack on a laptop' }],
    });
    const report = evaluate(stack, { targets: ['compose'] });
    expect(findingsOf(report, 'SO-GRAFANA-ADMIN')).toEqual([]);
    expect(suppressedOf(report, 'SO-GRAFANA-ADMIN')).toHaveLength(2);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes the default: the password comes from the grafana_admin_password secret', () => {
    const stack = monitored({});
    expect(findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-GRAFANA-ADMIN')).toEqual([]);
    expect(stack.monitoring!.resolve('prod').grafana.adminPasswordSecret).toBe('grafana_admin_password');
  });

  it('passes a stack without monitoring', () => {
    expect(findingsOf(evaluate(minimalStack().stack, { targets: ['compose'] }), 'SO-GRAFANA-ADMIN')).toEqual([]);
  });
});
