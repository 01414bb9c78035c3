import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../lib/cli/config.js';
import { ConfigError, Monitoring, Stack } from '../../lib/index.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

const YAML = `
name: uns
backends:
  backend: { image: ghcr.io/acme/api:1.0.0 }
postgres: {}
redis: {}
monitoring:
  prometheus: { retention: 30d }
profiles:
  e2e:
    monitoring:
      alerts: { backendDownFor: 5s }
`;

describe('Monitoring', () => {
  it("resolves the seed's defaults: Prometheus :9090, Grafana :3001 with the password from a secret", () => {
    const m = new Monitoring(new Stack(undefined, 'uns'), 'monitoring').resolve('prod');
    expect({
      prometheus: [m.prometheus.image, m.prometheus.port, m.prometheus.scrapeInterval.toString(), m.prometheus.retention],
      grafana: [m.grafana.image, m.grafana.port, m.grafana.adminUser, m.grafana.adminPasswordSecret, m.grafana.adminPassword],
      alerts: [m.alerts.backendDownFor.toString(), m.alerts.errorRateFor.toString(), m.alerts.errorRate, m.alerts.nearBudget],
      nginxStatusPort: m.nginxStatusPort,
    }).toEqual({
      prometheus: ['prom/prometheus:v2.53.0', 9090, '15s', '15d'],
      grafana: ['grafana/grafana:11.1.0', 3001, 'admin', 'grafana_admin_password', undefined],
      alerts: ['1m', '5m', 0.05, 0.8],
      nginxStatusPort: 8081,
    });
  });

  it('merges profile overrides (a test-only profile with a short for:)', () => {
    const stack = new Stack(undefined, 'uns', { profiles: { e2e: {} } });
    const m = new Monitoring(stack, 'monitoring', { alerts: { errorRate: 0.1 }, profiles: { e2e: { alerts: { backendDownFor: '5s' } } } });
    expect([m.resolve('dev').alerts.backendDownFor.toString(), m.resolve('e2e').alerts.backendDownFor.toString()]).toEqual(['1m', '5s']);
    expect(m.resolve('e2e').alerts.errorRate).toBe(0.1);
  });

  it('refuses bad values, naming the prop', () => {
    const found = problems(
      () =>
        new Monitoring(new Stack(undefined, 'uns'), 'monitoring', {
          prometheus: { retention: '15 days', scrapeInterval: '15' },
          alerts: { nearBudget: 1.5 },
          grafana: { adminPasswordSecret: 'no spaces allowed' },
        }),
    );
    expect(found.map((p) => p.replace(/:.*/, ''))).toEqual([
      '[uns/monitoring] prometheus.scrapeInterval',
      '[uns/monitoring] prometheus.retention',
      '[uns/monitoring] grafana.adminPasswordSecret',
      '[uns/monitoring] alerts.nearBudget',
    ]);
  });

  it("is the YAML 'monitoring:' section, construct id 'monitoring', with profile overrides", () => {
    const stack = loadConfigText(YAML, 'scaleout.yaml');
    const m = stack.monitoring!;
    expect(m.node.path).toBe('uns/monitoring');
    expect(m.resolve('prod').prometheus.retention).toBe('30d');
    expect(m.resolve('e2e').alerts.backendDownFor.toString()).toBe('5s');
    expect(loadConfigText(YAML.slice(0, YAML.indexOf('monitoring:')), 'x.yaml').monitoring).toBeUndefined();
  });

  it('refuses a profile override of monitoring without the section', () => {
    const text = YAML.replace('monitoring:\n  prometheus: { retention: 30d }\n', '');
    expect(problems(() => loadConfigText(text, 'x.yaml')).join('\n')).toContain(
      "overrides monitoring, but the config has no top-level 'monitoring' section",
    );
  });

  it('reserves the monitoring service names: a backend cannot be called prometheus', () => {
    const text = YAML.replace('  backend: { image', '  prometheus: { image');
    expect(problems(() => loadConfigText(text, 'x.yaml')).join('\n')).toContain("'prometheus' collides with a stack service");
  });
});
