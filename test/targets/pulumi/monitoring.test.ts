/** Monitoring on Pulumi: Prometheus, Grafana and exporter containers with their files uploaded. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../lib/cli/config.js';
import { renderAlertRules } from '../../../lib/render/alert-rules.js';
import { resolveProfile } from '../../../lib/rules/gate.js';
import { DockerStack } from '../../../lib/targets/pulumi/index.js';
import { installMocks, isSecret, registrationsOf, settle, withoutSecrets } from './mocks.js';

const all = installMocks('scaleout-reference', 'test');
const CONTAINER = 'docker:index/container:Container';
const GRAFANA_PW = 'grafana-SENTINEL-pw';
const EXAMPLE = join(import.meta.dirname, '../../../examples/monitored/scaleout.yaml');

const uploadsOf = (r: { inputs: Record<string, any> }) =>
  (isSecret(r.inputs.uploads) ? r.inputs.uploads.value : r.inputs.uploads) as { file: string; content: string }[];

describe('DockerStack with Monitoring', () => {
  it('runs Prometheus, Grafana and the exporters after what they scrape, with their files uploaded', async () => {
    const stack = loadConfigFile(EXAMPLE);
    const component = new DockerStack('mon', {
      stack,
      profile: 'prod',
      postgresPassword: 'pg-pw',
      redisPassword: 'redis-pw',
      secrets: { grafana_admin_password: GRAFANA_PW },
    });
    await settle(component);
    const mine = registrationsOf(all, 'mon').filter((r) => r.type === CONTAINER);
    const byName = (n: string) => mine.find((r) => r.name === n)!;
    expect(mine.map((r) => r.name).filter((n) => /prometheus|grafana|exporter/.test(n)).sort()).toEqual([
      'mon-grafana',
      'mon-nginx-exporter',
      'mon-postgres-exporter',
      'mon-prometheus',
      'mon-redis-exporter',
    ]);

    const prom = byName('mon-prometheus');
    expect(prom.inputs.ports).toEqual([{ internal: 9090, external: 9090 }]);
    expect(byName('mon-grafana').inputs.ports).toEqual([{ internal: 3000, external: 3001 }]);
    const files = uploadsOf(prom);
    expect(files.map((f) => f.file)).toEqual(['/etc/prometheus/prometheus.yml', '/etc/prometheus/alerts.yml']);
    expect(files[1]!.content).toBe(renderAlertRules(resolveProfile(stack, 'prod'), 'uns'));
    expect(prom.inputs.command).toContain('--storage.tsdb.retention.time=30d');
    expect(prom.inputs.networksAdvanced.map((n: any) => n.aliases)).toEqual([['prometheus'], ['prometheus']]);
    expect(prom.dependencies.some((d) => d.endsWith('::mon-nginx'))).toBe(true);

    const grafana = byName('mon-grafana');
    expect(isSecret(grafana.inputs.uploads)).toBe(true);
    const gFiles = uploadsOf(grafana);
    expect(gFiles.map((f) => f.file)).toEqual([
      '/etc/grafana/provisioning/datasources/prometheus.yml',
      '/etc/grafana/provisioning/dashboards/scaleout.yml',
      '/etc/grafana/dashboards/backend-performance.json',
      '/etc/grafana/dashboards/infrastructure.json',
      '/etc/grafana/dashboards/load-balancing.json',
      '/run/secrets/grafana_admin_password',
    ]);
    expect(gFiles.at(-1)!.content).toBe(GRAFANA_PW);
    expect(grafana.inputs.envs).toContain('GF_SECURITY_ADMIN_PASSWORD__FILE=/run/secrets/grafana_admin_password');
    expect(JSON.stringify(withoutSecrets(grafana.inputs))).not.toContain(GRAFANA_PW);

    const redisExporter = byName('mon-redis-exporter');
    expect(redisExporter.inputs.command).toEqual(['REDIS_PASSWORD="$(cat /run/secrets/redis_password)" exec /redis_exporter']);
    expect(byName('mon-postgres-exporter').inputs.networksAdvanced.map((n: any) => n.aliases)).toEqual([['postgres-exporter']]);

    const nginx = byName('mon-nginx');
    expect(uploadsOf(nginx).find((u) => u.file === '/etc/nginx/nginx.conf')!.content).toContain('location = /stub_status');
  });

  it('needs the Grafana admin password secret', () => {
    const stack = loadConfigFile(EXAMPLE);
    expect(() => new DockerStack('mon2', { stack, profile: 'prod', postgresPassword: 'pg', redisPassword: 'r' })).toThrow(
      /grafana_admin_password/,
    );
  });
});
