/**
 * Monitoring with `prometheusOperator`: the cluster's operator scrapes and alerts. The chart
 * holds PodMonitors, ServiceMonitors and a PrometheusRule that select exactly the stack's
 * pods and Services, set the job labels the rules query, and pass the CRD schemas and
 * promtool; it runs no Prometheus or Grafana of its own, and admits scrapes from the
 * operator's namespace only.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Yaml } from 'cdk8s';
import { renderAlertRules } from '../../../lib/render/alert-rules.js';
import { exporterJobs } from '../../../lib/render/prometheus-config.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { byKind, named, render, type Manifest } from '../../helpers/k8s.js';
import { validate } from '../../helpers/k8s-validate.js';
import { contextOf, monitoredStack } from '../../helpers/monitoring.js';

const operator = { labels: { release: 'kube-prometheus-stack' }, namespace: 'observability' };
const stack = () => monitoredStack({ pooler: true, monitoring: { prometheusOperator: operator } });
const { manifests } = render(stack(), 'prod', { namespace: 'shop' });
const ctx = contextOf(stack(), 'prod');

const obj = (kind: string, name: string): any => named(manifests, kind, name);
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Kubernetes: Monitoring with prometheusOperator', () => {
  it('runs the exporters but no Prometheus or Grafana, and no RBAC for them', () => {
    expect(byKind(manifests, 'Deployment').map((d) => d.metadata.name).sort()).toEqual([
      'backend',
      'nginx',
      'nginx-exporter',
      'pgbouncer',
      'pgbouncer-exporter',
      'postgres-exporter',
      'redis-exporter',
    ]);
    for (const kind of ['Role', 'RoleBinding', 'ServiceAccount']) expect(byKind(manifests, kind), kind).toEqual([]);
    expect(byKind(manifests, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('prometheus-conf');
  });

  it("ships the dashboards as a ConfigMap for the operator stack's Grafana sidecar", () => {
    const cm = obj('ConfigMap', 'grafana-dashboards');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(Object.keys(cm.data).length).toBe(3);
  });

  it('has one PodMonitor per backend, selecting exactly its pods on a named container port', () => {
    const monitors = byKind(manifests, 'PodMonitor');
    expect(monitors.map((m) => m.metadata.name)).toEqual(ctx.backends.map((b) => b.serviceName));
    for (const b of ctx.backends) {
      const pm = obj('PodMonitor', b.serviceName);
      const selected = byKind(manifests, 'Deployment').filter((d) => matches(pm.spec.selector.matchLabels, d.spec.template.metadata.labels));
      expect(selected.map((d) => d.metadata.name)).toEqual([b.serviceName]);
      expect(pm.spec.namespaceSelector).toEqual({ matchNames: ['shop'] });
      const [endpoint] = pm.spec.podMetricsEndpoints;
      const ports = selected[0]!.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []);
      expect(ports).toContainEqual({ containerPort: b.port, name: endpoint.port });
      expect(endpoint.interval).toBe(ctx.monitoring!.prometheus.scrapeInterval.toString());
      expect(endpoint.relabelings).toEqual([{ action: 'replace', targetLabel: 'job', replacement: b.id }]);
    }
  });

  it("has one ServiceMonitor per exporter, selecting exactly that exporter's Service", () => {
    const jobs = exporterJobs(ctx).map((j) => j.job);
    expect(byKind(manifests, 'ServiceMonitor').map((m) => m.metadata.name).sort()).toEqual([...jobs].sort());
    for (const { job, port } of exporterJobs(ctx)) {
      const sm = obj('ServiceMonitor', job);
      const selected = byKind(manifests, 'Service').filter((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
      expect(selected.map((s) => s.metadata.name)).toEqual([job]);
      const [endpoint] = sm.spec.endpoints;
      expect(selected[0]!.spec.ports).toContainEqual(expect.objectContaining({ name: endpoint.port, port }));
      expect(endpoint.relabelings).toEqual([{ action: 'replace', targetLabel: 'job', replacement: job }]);
    }
  });

  it('carries the rules of the ConfigMap mode as a PrometheusRule (promtool on it: monitoring.tools.test.ts)', () => {
    const rule = obj('PrometheusRule', 'alert-rules');
    expect(rule.spec.groups).toEqual(parse(renderAlertRules(ctx, 'uns')).groups);
  });

  it('every job the rules query is a job a monitor sets', () => {
    const jobs = new Set([...byKind(manifests, 'PodMonitor'), ...byKind(manifests, 'ServiceMonitor')].flatMap((m) =>
      (m.spec.podMetricsEndpoints ?? m.spec.endpoints).flatMap((e: any) => e.relabelings.map((r: any) => r.replacement)),
    ));
    const queried = new Set<string>(
      obj('PrometheusRule', 'alert-rules').spec.groups.flatMap((g: any) => g.rules.flatMap((r: any) => [...(r.expr as string).matchAll(/job="([^"]+)"/g)].map((m) => m[1]))),
    );
    expect(queried.size).toBeGreaterThan(0);
    for (const job of queried) expect(jobs, job).toContain(job);
  });

  it("labels every monitor and rule with the operator's selector labels, and keeps scaleout's", () => {
    for (const m of [...byKind(manifests, 'PodMonitor'), ...byKind(manifests, 'ServiceMonitor'), ...byKind(manifests, 'PrometheusRule')]) {
      expect(m.metadata.labels, m.metadata.name).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/managed-by': 'scaleout' });
      expect(m.metadata.namespace).toBe('shop');
    }
  });

  it("admits scrapes from the operator's namespace, to the scraped ports only", () => {
    const fromOperator = (m: Manifest) =>
      (m.spec.ingress ?? []).flatMap((r: any) =>
        r.from
          .filter((f: any) => f.namespaceSelector)
          .flatMap((f: any) => r.ports.map((p: any) => `${JSON.stringify(f.namespaceSelector)}->${m.metadata.name}:${p.port}`)),
      );
    const allowed = byKind(manifests, 'NetworkPolicy').flatMap(fromOperator).sort();
    const ns = JSON.stringify({ matchLabels: { 'kubernetes.io/metadata.name': 'observability' } });
    const expected = [
      ...ctx.backends.map((b) => `${ns}->${b.serviceName}:${b.port}`),
      ...exporterJobs(ctx).map(({ job, port }) => `${ns}->${job}:${port}`),
    ].sort();
    expect(allowed).toEqual(expected);
    expect(byKind(manifests, 'NetworkPolicy').map((p) => p.metadata.name)).not.toContain('prometheus');
  });

  it('passes the Kubernetes and prometheus-operator schemas, object by object', () => {
    for (const m of manifests) expect(() => validate(m), `${m.kind} ${m.metadata.name}`).not.toThrow();
  });

  it('rejects a PodMonitor the operator would reject (the schema check can fail)', () => {
    const bad = structuredClone(obj('PodMonitor', 'backend'));
    bad.spec.podMetricsEndpoints[0].relabelings[0].action = 'rename';
    expect(() => validate(bad)).toThrow(/action/);
  });

  it('renders the same bytes twice', () => {
    const again = render(stack(), 'prod', { namespace: 'shop' }).manifests;
    expect(Yaml.stringify(...again)).toBe(Yaml.stringify(...manifests));
  });

  it('changes nothing on compose, which runs its own Prometheus either way', () => {
    const without = synthCompose(monitoredStack({ pooler: true })).files;
    expect(synthCompose(stack()).files).toEqual(without);
  });
});
