/**
 * The escape hatch: `resourcesOf(construct)` is typed per construct kind, collections of
 * target output are keyed by construct id, and a construct of another stack is refused.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, Monitoring, PgBouncer } from '../../../lib/index.js';
import type { BackendResources, DataResources, NginxResources, PoolerResources } from '../../../lib/targets/kubernetes/index.js';
import type { MonitoringResources } from '../../../lib/targets/kubernetes/monitoring.js';
import { render } from '../../helpers/k8s.js';
import { minimalStack } from '../../helpers/stacks.js';

describe('KubernetesChart.resourcesOf', () => {
  const m = minimalStack();
  const pooler = new PgBouncer(m.stack, 'pgbouncer', { instances: 2, maxClientConn: 200, defaultPoolSize: 20 });
  const monitoring = new Monitoring(m.stack, 'monitoring', {});
  const { chart } = render(m.stack, 'prod');

  it('returns what each kind produced, typed for that kind', () => {
    expectTypeOf(chart.resourcesOf(m.backend)).toEqualTypeOf<BackendResources>();
    expectTypeOf(chart.resourcesOf(m.nginx)).toEqualTypeOf<NginxResources>();
    expectTypeOf(chart.resourcesOf(m.db)).toEqualTypeOf<DataResources>();
    expectTypeOf(chart.resourcesOf(m.redis)).toEqualTypeOf<DataResources>();
    expectTypeOf(chart.resourcesOf(pooler)).toEqualTypeOf<PoolerResources>();
    expectTypeOf(chart.resourcesOf(monitoring)).toEqualTypeOf<MonitoringResources>();

    expect(chart.resourcesOf(m.backend).deployment.name).toBe('backend');
    expect(chart.resourcesOf(m.nginx).deployment.name).toBe('nginx');
    expect(chart.resourcesOf(m.db).statefulSet.name).toBe('db');
    expect(chart.resourcesOf(m.redis).statefulSet.name).toBe('redis');
    expect(chart.resourcesOf(pooler).deployment.name).toBe('pgbouncer');
    expect(chart.resourcesOf(monitoring)).toBe(chart.monitoring);
    // @ts-expect-error: the stack itself has no resources of its own
    expect(() => chart.resourcesOf(m.stack)).toThrow();
  });

  it('keys chart.backends by construct id, like DockerStack.backendContainers', () => {
    expect([...chart.backends.keys()]).toEqual(['backend']);
    expect(chart.backends.get('backend')).toBe(chart.resourcesOf(m.backend));
  });

  it('refuses a construct of another stack, naming it and the chart', () => {
    const other = minimalStack();
    expect(() => chart.resourcesOf(other.db)).toThrow(ConfigError);
    expect(() => chart.resourcesOf(other.db)).toThrow("uns/db is not part of stack 'uns', which chart 'uns-prod' renders");
  });
});
