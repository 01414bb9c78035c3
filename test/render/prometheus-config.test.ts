import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderPrometheusConfig, type BackendDiscovery } from '../../lib/render/prometheus-config.js';
import { contextOf, monitoredStack } from '../helpers/monitoring.js';

const DNS: BackendDiscovery = { kind: 'dns' };
const K8S: BackendDiscovery = { kind: 'kubernetes', instance: 'uns-dev', name: (b) => b.serviceName, namespaces: ['uns'] };

type Config = {
  global: Record<string, unknown>;
  rule_files: string[];
  scrape_configs: Record<string, any>[];
};

describe('renderPrometheusConfig', () => {
  const stack = monitoredStack({ pooler: true, monitoring: { prometheus: { scrapeInterval: '30s', retention: '30d' } } });
  const ctx = contextOf(stack);
  const dns = renderPrometheusConfig(ctx, { stackName: 'uns', discovery: DNS, rulesFile: 'alerts.yml' });
  const k8s = renderPrometheusConfig(ctx, { stackName: 'uns', discovery: K8S, rulesFile: 'alerts.yml' });

  it('takes scrape interval from the model and loads the alert rules', () => {
    const c = parse(dns) as Config;
    expect(c.global).toEqual({ scrape_interval: '30s', evaluation_interval: '30s', external_labels: { stack: 'uns', profile: 'dev' } });
    expect(c.rule_files).toEqual(['alerts.yml']);
    expect(dns).toContain('--storage.tsdb.retention.time');
  });

  it('discovers every replica of a backend through its DNS alias (one A record each) on compose', () => {
    const job = (parse(dns) as Config).scrape_configs.find((j) => j.job_name === 'backend')!;
    expect(job).toEqual({
      job_name: 'backend',
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: ['backend'], type: 'A', port: 8000, refresh_interval: '15s' }],
    });
  });

  it('discovers pods by their app.kubernetes.io labels on Kubernetes, one target per pod', () => {
    const job = (parse(k8s) as Config).scrape_configs.find((j) => j.job_name === 'backend')!;
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['uns'] } }]);
    expect(job.relabel_configs[0]).toEqual({
      source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance', '__meta_kubernetes_pod_label_app_kubernetes_io_name'],
      regex: 'uns-dev;backend',
      action: 'keep',
    });
    expect(job.relabel_configs[1]).toEqual({ source_labels: ['__meta_kubernetes_pod_container_port_number'], regex: '8000', action: 'keep' });
  });

  it('scrapes the exporters of what the stack has: nginx, postgres, pgbouncer (with a pooler), redis', () => {
    const jobs = (parse(dns) as Config).scrape_configs.map((j) => [j.job_name, j.static_configs?.[0]?.targets?.[0]]);
    expect(jobs).toEqual([
      ['prometheus', 'localhost:9090'],
      ['backend', undefined],
      ['nginx-exporter', 'nginx-exporter:9113'],
      ['postgres-exporter', 'postgres-exporter:9187'],
      ['pgbouncer-exporter', 'pgbouncer-exporter:9127'],
      ['redis-exporter', 'redis-exporter:9121'],
    ]);
    const plain = renderPrometheusConfig(contextOf(monitoredStack()), { stackName: 'uns', discovery: DNS, rulesFile: 'alerts.yml' });
    expect(plain).not.toContain('pgbouncer');
  });

  it('takes fixed targets for placements without service DNS (the native e2e tier)', () => {
    const text = renderPrometheusConfig(ctx, {
      stackName: 'uns',
      discovery: { kind: 'static', targets: () => ['127.0.0.1:18001', '127.0.0.1:18002'] },
      rulesFile: 'alerts.yml',
      exporterTarget: (job) => `127.0.0.1:${job.length}`,
    });
    const c = parse(text) as Config;
    expect(c.scrape_configs.find((j) => j.job_name === 'backend')!.static_configs).toEqual([{ targets: ['127.0.0.1:18001', '127.0.0.1:18002'] }]);
    expect(c.scrape_configs.find((j) => j.job_name === 'redis-exporter')!.static_configs).toEqual([{ targets: ['127.0.0.1:14'] }]);
  });

  it('is deterministic', () => {
    expect(renderPrometheusConfig(contextOf(stack), { stackName: 'uns', discovery: DNS, rulesFile: 'alerts.yml' })).toBe(dns);
  });
});
