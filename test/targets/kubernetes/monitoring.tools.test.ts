/** The Kubernetes target's alert rules under real `promtool check rules` (tools tier). */
import { Yaml } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { named, render, type Manifest } from '../../helpers/k8s.js';
import { monitoredStack } from '../../helpers/monitoring.js';
import { promtool } from '../../helpers/promtool.js';

const obj = (ms: readonly Manifest[], kind: string, name: string): any => named(ms, kind, name);

describe('Kubernetes: Monitoring', () => {
  const { manifests } = render(monitoredStack({ pooler: true }), 'prod', { namespace: 'shop' });

  it('ships alert rules that pass promtool check rules', () => {
    const rules = obj(manifests, 'ConfigMap', 'prometheus-conf').data['alerts.yml'] as string;
    const r = promtool(['check', 'rules', 'alerts.yml'], { 'alerts.yml': rules });
    expect(r.ok, r.output).toBe(true);
  });
});

describe('Kubernetes: Monitoring with prometheusOperator', () => {
  const operator = { labels: { release: 'kube-prometheus-stack' }, namespace: 'observability' };
  const stack = monitoredStack({ pooler: true, monitoring: { prometheusOperator: operator } });
  const { manifests } = render(stack, 'prod', { namespace: 'shop' });

  it('carries the rules of the ConfigMap mode as a PrometheusRule that promtool accepts', () => {
    const rule = obj(manifests, 'PrometheusRule', 'alert-rules');
    const r = promtool(['check', 'rules', 'rules.yml'], { 'rules.yml': Yaml.stringify(rule.spec) });
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain('SUCCESS');
  });
});
