/**
 * Issue 19 on Kubernetes: a worker tier is a Deployment with no Service, an exec probe, its
 * own HPA and PodDisruptionBudget, and a NetworkPolicy with egress to the data tier only (its
 * one ingress is Prometheus' scrape of its metrics port). The migration is an init container
 * in every database-using backend's pods; every object passes the Kubernetes schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, loadConfigText } from '../../../lib/cli/config.js';
import { Backend, Nginx, PgBouncer, Postgres, Redis, Stack } from '../../../lib/index.js';
import { byKind, EXAMPLES_DIR, named, podSpecOf, render, serviceSelects } from '../../helpers/k8s.js';
import { validate } from '../../helpers/k8s-validate.js';

const yamlStack = () => loadConfigFile(join(EXAMPLES_DIR, 'worker', 'scaleout.yaml'));

describe.each(['dev', 'prod'])('examples/worker on Kubernetes (%s)', (profile) => {
  const { chart, manifests } = render(yamlStack(), profile);
  const worker = named(manifests, 'Deployment', 'worker');
  const pods = worker.spec.template.metadata.labels;

  it('every object passes the Kubernetes schemas', () => {
    for (const m of manifests) expect(() => validate(m), `${m.kind}/${m.metadata.name}`).not.toThrow();
  });

  it('the worker Deployment has no Service selecting it', () => {
    expect(byKind(manifests, 'Service').filter((s) => serviceSelects(s, pods)).map((s) => s.metadata.name)).toEqual([]);
    expect(chart.backends.get('worker')!.service).toBeUndefined();
    expect(chart.backends.get('api')!.service).toBeDefined();
  });

  it('runs the model command with an exec probe, and exposes only its metrics port', () => {
    const app = podSpecOf(worker).containers[0];
    expect(app.command).toEqual(['python3', 'worker.py']);
    expect(app.args).toBeUndefined();
    expect(app.ports).toEqual([{ containerPort: 9100, name: 'metrics' }]);
    expect(app.readinessProbe.exec.command).toEqual(['python3', 'worker.py', '--check']);
    expect(app.readinessProbe.httpGet).toBeUndefined();
  });

  it('gets a PodDisruptionBudget, and an HPA on CPU when it autoscales', () => {
    expect(named(manifests, 'PodDisruptionBudget', 'worker').spec.selector.matchLabels).toEqual(worker.spec.selector.matchLabels);
    const hpas = byKind(manifests, 'HorizontalPodAutoscaler').filter((h) => h.spec.scaleTargetRef.name === 'worker');
    if (profile === 'prod') {
      expect(hpas).toHaveLength(1);
      expect(hpas[0]!.spec.maxReplicas).toBe(6);
      expect(hpas[0]!.spec.metrics[0].resource.name).toBe('cpu');
    } else {
      expect(hpas).toEqual([]);
    }
  });

  it("the worker's NetworkPolicy: egress to Postgres and Redis only, ingress only Prometheus' scrape", () => {
    const policy = named(manifests, 'NetworkPolicy', 'worker');
    const peer = (rule: any) => rule.to?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? rule.from?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/name'];
    expect(policy.spec.egress.map((r: any) => [peer(r), r.ports[0].port])).toEqual([
      ['db', 5432],
      ['redis', 6379],
    ]);
    expect(policy.spec.ingress.map((r: any) => [peer(r), r.ports[0].port])).toEqual([['prometheus', 9100]]);
    // nginx reaches the API only.
    const nginx = named(manifests, 'NetworkPolicy', 'nginx');
    expect(nginx.spec.egress.map(peer)).not.toContain('worker');
  });

  it('the migration is an init container in every database-using pod, before the app', () => {
    for (const name of ['api', 'worker']) {
      const spec = podSpecOf(named(manifests, 'Deployment', name));
      expect(spec.initContainers.map((c: any) => [c.name, c.command])).toEqual([['api-migrate', ['python3', 'migrate.py']]]);
      const env = Object.fromEntries(spec.initContainers[0].env.map((e: any) => [e.name, e.value]));
      // Straight to Postgres with its own pool; the password only as a file.
      // As its own role (`<backend role>_migrate`), never the superuser.
      expect(env).toMatchObject({ DATABASE_URL: 'postgresql://api_migrate@db:5432/shop', DB_POOL_SIZE: '1', DB_MAX_OVERFLOW: '0' });
      expect(env.DB_PASSWORD_FILE).toBe('/run/secrets/pg_api_migrate_password/value');
      // No API access: the pattern needs none.
      expect(spec.automountServiceAccountToken).toBe(false);
    }
  });

  it('nginx.conf has no upstream for the worker', () => {
    const conf = byKind(manifests, 'ConfigMap').find((c) => c.data?.['nginx.conf'])!.data!['nginx.conf']!;
    expect(conf).toContain('upstream api');
    expect(conf).not.toMatch(/upstream worker/);
  });
});

describe('behind PgBouncer, migrating pods may reach Postgres directly', () => {
  it('adds the edge to Postgres for the init container', () => {
    const stack = new Stack(undefined, 'shop');
    new Backend(stack, 'api', { image: 'ghcr.io/acme/shop:1.0.0', replicas: 2, migrations: { command: ['alembic', 'upgrade', 'head'] } });
    new Nginx(stack, 'nginx', {});
    new Postgres(stack, 'db', { maxConnections: 500 });
    new PgBouncer(stack, 'pgbouncer', {});
    new Redis(stack, 'redis', {});
    const { manifests } = render(stack, 'dev');
    const egress = named(manifests, 'NetworkPolicy', 'api').spec.egress.map((r: any) => r.to[0].podSelector.matchLabels['app.kubernetes.io/name']);
    expect(egress).toEqual(expect.arrayContaining(['pgbouncer', 'db']));
  });
});

describe('operator mode', () => {
  it("a worker with a metricsPort gets a PodMonitor on its 'metrics' port; alerts cover it", () => {
    const text = readFileSync(join(EXAMPLES_DIR, 'worker', 'scaleout.yaml'), 'utf8');
    const operator = text.replace('monitoring:\n', 'monitoring:\n  prometheusOperator: {}\n');
    expect(operator).not.toBe(text);
    const { manifests } = render(loadConfigText(operator, 'worker-operator.yaml'), 'dev');
    const pm = named(manifests, 'PodMonitor', 'worker');
    expect(pm.spec.podMetricsEndpoints[0].port).toBe('metrics');
    expect(named(manifests, 'PodMonitor', 'api').spec.podMetricsEndpoints[0].port).toBe('http');
    const rules = named(manifests, 'PrometheusRule', byKind(manifests, 'PrometheusRule')[0]!.metadata.name).spec.groups.flatMap((g: any) => g.rules);
    const workerAlerts = rules.filter((r: any) => r.labels?.backend === 'worker').map((r: any) => r.alert);
    expect(workerAlerts).toEqual(['BackendInstanceDown', 'BackendReplicasBelowMinimum']);
  });
});
