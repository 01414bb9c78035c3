import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../../lib/cli/config.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { composeSpecValidator } from '../../helpers/compose-schema.js';
import { monitoredStack } from '../../helpers/monitoring.js';
import { minimalStack } from '../../helpers/stacks.js';

type Service = Record<string, any>;
const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'monitored', 'scaleout.yaml');

function composeOf(files: ReadonlyMap<string, string>): { services: Record<string, Service>; [k: string]: any } {
  return parse(files.get('docker-compose.yml')!);
}

describe('compose target: Monitoring', () => {
  const { files } = synthCompose(loadConfigFile(EXAMPLE));
  const compose = composeOf(files);

  it('adds nothing to a stack without Monitoring', () => {
    const plain = synthCompose(minimalStack().stack).files;
    expect([...plain.keys()].sort()).toEqual(['.env', 'CAPACITY.md', 'docker-compose.yml', 'nginx/nginx.conf', 'postgres/roles.sql']);
    expect(plain.get('nginx/nginx.conf')).not.toContain('stub_status');
    expect(Object.keys(composeOf(plain).services).sort()).toEqual(['backend', 'db', 'db-role-setup', 'nginx', 'redis']);
  });

  it('mounts the Prometheus and Grafana files, one directory per distinct rendering', () => {
    expect([...files.keys()].filter((f) => /^(prometheus|grafana)/.test(f)).sort()).toEqual([
      'grafana/dashboards/backend-performance.json',
      'grafana/dashboards/infrastructure.json',
      'grafana/dashboards/load-balancing.json',
      'grafana/provisioning/dashboards/scaleout.yml',
      'grafana/provisioning/datasources/prometheus.yml',
      'prometheus-e2e/alerts.yml',
      'prometheus-e2e/prometheus.yml',
      'prometheus-prod/alerts.yml',
      'prometheus-prod/prometheus.yml',
      'prometheus/alerts.yml',
      'prometheus/prometheus.yml',
    ]);
  });

  it('runs Prometheus on :9090 with the retention from the model, on the app and data networks', () => {
    const p = compose.services.prometheus;
    expect(p.profiles).toEqual(['dev']);
    expect(p.ports).toEqual(['9090:9090']);
    expect(p.command).toContain('--storage.tsdb.retention.time=15d');
    expect(compose.services['prometheus-prod'].command).toContain('--storage.tsdb.retention.time=30d');
    expect(p.volumes).toEqual(['./prometheus:/etc/prometheus:ro', 'prometheus-data:/prometheus']);
    expect(p.networks).toEqual({ app: {}, data: {} });
    // A profile-suffixed service keeps the DNS name Grafana's datasource uses.
    expect(compose.services['prometheus-prod'].networks).toEqual({ app: { aliases: ['prometheus'] }, data: { aliases: ['prometheus'] } });
    expect(compose.volumes).toHaveProperty('prometheus-data');
  });

  it('runs Grafana on :3001 with the admin password read from a compose secret', () => {
    const g = compose.services.grafana;
    expect(g.ports).toEqual(['3001:3000']);
    expect(g.environment.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/run/secrets/grafana_admin_password');
    expect(g.environment).not.toHaveProperty('GF_SECURITY_ADMIN_PASSWORD');
    expect(g.secrets).toEqual(['grafana_admin_password']);
    expect(compose.secrets.grafana_admin_password).toEqual({ file: '../../secrets/grafana_admin_password' });
    expect(g.depends_on).toEqual({ prometheus: { condition: 'service_healthy' } });
    expect(g.volumes).toEqual([
      './grafana/provisioning:/etc/grafana/provisioning:ro',
      './grafana/dashboards:/etc/grafana/dashboards:ro',
      'grafana-data:/var/lib/grafana',
    ]);
  });

  it('puts the data-tier exporters on the internal data network only, the nginx exporter on app', () => {
    const s = compose.services;
    expect(s['postgres-exporter'].networks).toEqual({ data: {} });
    expect(s['postgres-exporter'].environment).toEqual({
      DATA_SOURCE_PASS_FILE: '/run/secrets/pg_postgres_exporter_password',
      DATA_SOURCE_URI: 'db:5432/uns?sslmode=disable',
      DATA_SOURCE_USER: 'postgres_exporter',
    });
    expect(s['redis-exporter'].networks).toEqual({ data: {} });
    expect(s['redis-exporter'].environment.REDIS_ADDR).toBe('redis://redis:6379');
    expect(s['nginx-exporter'].networks).toEqual({ app: {} });
    expect(s['nginx-exporter'].command[0]).toBe('--nginx.scrape-uri=http://nginx:8081/stub_status');
    expect(compose.networks.data).toEqual({ internal: true });
  });

  it('adds the stub_status server to nginx.conf (nginx -t on it: test/render/nginx-conf.tools.test.ts)', () => {
    expect(files.get('nginx/nginx.conf')).toContain('location = /stub_status');
  });

  it('passes the compose-spec JSON schema (docker-compose config -q: monitoring.tools.test.ts)', () => {
    const validate = composeSpecValidator();
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('with a pooler: a pgbouncer exporter, and stats_users for it in pgbouncer.ini', () => {
    const out = synthCompose(monitoredStack({ pooler: true })).files;
    const c = composeOf(out);
    expect(c.services['pgbouncer-exporter'].networks).toEqual({ data: {} });
    expect(c.services['pgbouncer-exporter'].command[0]).toContain('@pgbouncer:6432/pgbouncer?sslmode=disable');
    expect(c.services['pgbouncer-exporter'].command[0]).toContain('postgres://pgbouncer_exporter:');
    // The DSN (password read from the secret file) is the exporter's environment, not its argv.
    expect(c.services['pgbouncer-exporter'].command[0]).toMatch(/^PGBOUNCER_EXPORTER_CONNECTION_STRING="postgres:\/\/pgbouncer_exporter:\$\$\(cat \/run\/secrets\/[a-z_]+\)@[^"]+" exec \/bin\/pgbouncer_exporter --web\.listen-address=:\d+$/);
    expect(out.get('pgbouncer/pgbouncer.ini')).toContain('stats_users = pgbouncer_exporter');
    expect(synthCompose(minimalStack().stack).files.get('nginx/nginx.conf')).not.toContain('stats_users');
  });

  it('never writes a literal admin password, even where SO-GRAFANA-ADMIN is suppressed', () => {
    const stack = monitoredStack({
      monitoring: {
        profiles: { dev: { grafana: { adminPassword: 'Literal-Pw-42' } } },
        suppressions: [{ rule: 'SO-GRAFANA-ADMIN', reason: 'testing that a suppression still writes no literal' }],
      },
    });
    const { files: out } = synthCompose(stack, { profiles: ['dev'] });
    expect(composeOf(out).services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/run/secrets/grafana_admin_password');
    for (const text of out.values()) expect(text).not.toContain('Literal-Pw-42');
  });
});
