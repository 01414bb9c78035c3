import { describe, expect, it } from 'vitest';
import { renderDashboards } from '../../../lib/render/grafana-dashboards.js';
import { byKind, named, render, workloads, type Manifest } from '../../helpers/k8s.js';
import { contextOf, monitoredStack } from '../../helpers/monitoring.js';
import { minimalStack } from '../../helpers/stacks.js';

/** An object of the chart, untyped for reading nested fields. */
const obj = (ms: readonly Manifest[], kind: string, name: string): any => named(ms, kind, name);

const stack = monitoredStack({ pooler: true });
const { manifests } = render(stack, 'prod', { namespace: 'shop' });

/** `from->to:port` edges a NetworkPolicy of `name` allows, ingress and egress. */
function policyEdges(ms: readonly Manifest[], name: string): string[] {
  const np = obj(ms, 'NetworkPolicy', name);
  const peer = (p: any) => p.ipBlock?.cidr ?? p.podSelector?.matchLabels?.['app.kubernetes.io/name'];
  return [
    ...(np.spec.ingress ?? []).flatMap((r: any) => r.from.flatMap((f: any) => r.ports.map((p: any) => `${peer(f)}->${name}:${p.port}`))),
    ...(np.spec.egress ?? []).flatMap((r: any) => r.to.flatMap((t: any) => r.ports.map((p: any) => `${name}->${peer(t)}:${p.port}`))),
  ].sort();
}

describe('Kubernetes: Monitoring', () => {
  it('adds nothing to a stack without Monitoring', () => {
    const plain = render(minimalStack().stack, 'prod').manifests;
    // The role-setup Job is there with or without Monitoring.
    expect(workloads(plain).map((w) => w.metadata.name.replace(/-[0-9a-f]{10}$/, '')).sort()).toEqual(['backend', 'db', 'db-role-setup', 'nginx', 'redis']);
    expect(obj(plain, 'ConfigMap', 'nginx-conf').data['nginx.conf']).not.toContain('stub_status');
  });

  it('runs Prometheus, Grafana and one exporter per dependency', () => {
    expect(byKind(manifests, 'Deployment').map((d) => d.metadata.name).sort()).toEqual([
      'backend',
      'grafana',
      'nginx',
      'nginx-exporter',
      'pgbouncer',
      'pgbouncer-exporter',
      'postgres-exporter',
      'prometheus',
      'redis-exporter',
    ]);
  });

  it('discovers backend pods in its own namespace, with RBAC to list pods there only', () => {
    const conf = obj(manifests, 'ConfigMap', 'prometheus-conf').data['prometheus.yml'] as string;
    expect(conf).toContain('kubernetes_sd_configs');
    expect(conf).toContain('regex: uns-prod;backend');
    expect(conf).toMatch(/names:\n\s+- shop/);
    expect(obj(manifests, 'Role', 'prometheus').rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const pod = obj(manifests, 'Deployment', 'prometheus').spec.template.spec;
    expect(pod.serviceAccountName).toBe('prometheus');
    // The token is mounted explicitly, for Prometheus only.
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].volumeMounts.map((v: any) => v.mountPath)).toContain('/var/run/secrets/kubernetes.io/serviceaccount');
  });

  it('provisions Grafana: dashboards in a ConfigMap labelled grafana_dashboard "1", the same JSON compose mounts', () => {
    const cm = obj(manifests, 'ConfigMap', 'grafana-dashboards');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.data).toEqual(Object.fromEntries(renderDashboards(contextOf(stack, 'prod'), 'uns')));
    const g = obj(manifests, 'Deployment', 'grafana').spec.template.spec.containers[0];
    expect(g.env.find((e: any) => e.name === 'GF_SECURITY_ADMIN_PASSWORD__FILE').value).toBe('/run/secrets/grafana_admin_password/value');
    expect(obj(manifests, 'Service', 'grafana').spec.ports).toEqual([{ name: 'http', port: 3001, targetPort: 3000 }]);
  });

  it('lets the pgbouncer exporter read SHOW STATS (stats_users)', () => {
    expect(obj(manifests, 'ConfigMap', 'pgbouncer-ini').data['pgbouncer.ini']).toContain('stats_users = pgbouncer_exporter');
  });

  it('gives the pgbouncer exporter its DSN in the environment, the password expanded from the Secret entry before it, never in args', () => {
    const c = obj(manifests, 'Deployment', 'pgbouncer-exporter').spec.template.spec.containers[0];
    const names = c.env.map((e: any) => e.name);
    const dsn = c.env.find((e: any) => e.name === 'PGBOUNCER_EXPORTER_CONNECTION_STRING');
    expect(dsn.value).toMatch(/^postgres:\/\/pgbouncer_exporter:\$\(PGBOUNCER_PASSWORD\)@pgbouncer:\d+\/pgbouncer\?sslmode=disable$/);
    // $(VAR) expands only from entries listed earlier.
    expect(names.indexOf('PGBOUNCER_PASSWORD')).toBeLessThan(names.indexOf('PGBOUNCER_EXPORTER_CONNECTION_STRING'));
    expect(c.env.find((e: any) => e.name === 'PGBOUNCER_PASSWORD').valueFrom.secretKeyRef).toBeDefined();
    expect(JSON.stringify(c.args ?? [])).not.toMatch(/postgres:|PASSWORD/);
  });

  it('serves stub_status from nginx for its exporter', () => {
    expect(obj(manifests, 'ConfigMap', 'nginx-conf').data['nginx.conf']).toContain('location = /stub_status');
    expect(obj(manifests, 'Deployment', 'nginx-exporter').spec.template.spec.containers[0].args[0]).toBe(
      '--nginx.scrape-uri=http://nginx:8081/stub_status',
    );
  });

  it('lets Prometheus reach the metrics ports and the exporters reach what they read, nothing more', () => {
    expect(policyEdges(manifests, 'prometheus')).toEqual([
      '0.0.0.0/0->prometheus:9090',
      '::/0->prometheus:9090',
      'grafana->prometheus:9090',
      'prometheus->0.0.0.0/0:443',
      'prometheus->0.0.0.0/0:6443',
      'prometheus->::/0:443',
      'prometheus->::/0:6443',
      'prometheus->backend:8000',
      'prometheus->nginx-exporter:9113',
      'prometheus->pgbouncer-exporter:9127',
      'prometheus->postgres-exporter:9187',
      'prometheus->redis-exporter:9121',
    ]);
    expect(policyEdges(manifests, 'postgres-exporter')).toEqual(['postgres-exporter->db:5432', 'prometheus->postgres-exporter:9187']);
    expect(policyEdges(manifests, 'nginx-exporter')).toEqual(['nginx-exporter->nginx:8081', 'prometheus->nginx-exporter:9113']);
    expect(policyEdges(manifests, 'backend')).toContain('prometheus->backend:8000');
  });
});
