/** The rendered Prometheus config under real `promtool check config` (tools tier). */
import { describe, expect, it } from 'vitest';
import { renderAlertRules } from '../../lib/render/alert-rules.js';
import { renderPrometheusConfig, type BackendDiscovery } from '../../lib/render/prometheus-config.js';
import { contextOf, monitoredStack } from '../helpers/monitoring.js';
import { promtool } from '../helpers/promtool.js';

const DNS: BackendDiscovery = { kind: 'dns' };
const K8S: BackendDiscovery = { kind: 'kubernetes', instance: 'uns-dev', name: (b) => b.serviceName, namespaces: ['uns'] };

describe('renderPrometheusConfig', () => {
  const stack = monitoredStack({ pooler: true, monitoring: { prometheus: { scrapeInterval: '30s', retention: '30d' } } });
  const ctx = contextOf(stack);
  const dns = renderPrometheusConfig(ctx, { stackName: 'uns', discovery: DNS, rulesFile: 'alerts.yml' });
  const k8s = renderPrometheusConfig(ctx, { stackName: 'uns', discovery: K8S, rulesFile: 'alerts.yml' });

  const check = (text: string) =>
    promtool(['check', 'config', 'prometheus.yml'], { 'prometheus.yml': text, 'alerts.yml': renderAlertRules(ctx, 'uns') });

  it('passes promtool check config (DNS discovery), with its rules file', () => {
    const r = check(dns);
    expect(r.output).toContain('is valid prometheus config file syntax');
    expect(r.ok, r.output).toBe(true);
  });

  it('passes promtool check config (Kubernetes discovery) but for kubernetes_sd_configs, which Debian builds without', () => {
    // Debian's prometheus 2.42 leaves the Kubernetes service discovery out of its build, so
    // its promtool rejects the key itself; everything else (relabelling included) is checked.
    const raw = check(k8s);
    if (!raw.ok) expect(raw.output).toContain('field kubernetes_sd_configs not found');
    const withoutSd = k8s.replace(/kubernetes_sd_configs:\n(\s+- role: pod\n)(\s+namespaces:\n\s+names:\n\s+- uns\n)?/g, 'static_configs:\n      - targets: ["10.0.0.1:8000"]\n');
    expect(withoutSd).not.toContain('kubernetes_sd_configs');
    const r = check(withoutSd);
    expect(r.output).toContain('is valid prometheus config file syntax');
    expect(r.ok, r.output).toBe(true);
  });

  it('passes promtool check config with fixed targets (the native e2e tier)', () => {
    const text = renderPrometheusConfig(ctx, {
      stackName: 'uns',
      discovery: { kind: 'static', targets: () => ['127.0.0.1:18001', '127.0.0.1:18002'] },
      rulesFile: 'alerts.yml',
      exporterTarget: (job) => `127.0.0.1:${job.length}`,
    });
    const r = check(text);
    expect(r.ok, r.output).toBe(true);
  });
});
