/**
 * Autoscaling: a backend with `autoscale` gets an autoscaling/v2 HPA with the model's
 * min, max and cpu target, and its Deployment has no `spec.replicas` (kube-score
 * deployment-targeted-by-hpa-does-not-have-replicas-configured). A backend without it has
 * no HPA and a fixed replica count.
 */
import { describe, expect, it } from 'vitest';
import { byKind, exampleCharts, named } from '../../helpers/k8s.js';

const charts = exampleCharts();

describe('HPA per backend, from the model', () => {
  for (const c of charts) {
    it(`${c.example} (${c.profile})`, () => {
      const hpas = byKind(c.manifests, 'HorizontalPodAutoscaler');
      const backends = c.stack.backends.map((b) => b.resolve(c.profile));
      expect(hpas.map((h) => h.metadata.name).sort()).toEqual(backends.filter((b) => b.autoscale).map((b) => b.serviceName).sort());
      for (const b of backends) {
        const deployment = named(c.manifests, 'Deployment', b.serviceName);
        if (!b.autoscale) {
          expect(deployment.spec.replicas, b.serviceName).toBe(b.replicas);
          continue;
        }
        expect(deployment.spec).not.toHaveProperty('replicas');
        const hpa = named(c.manifests, 'HorizontalPodAutoscaler', b.serviceName);
        expect(hpa.apiVersion).toBe('autoscaling/v2');
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: b.serviceName });
        expect(hpa.spec.minReplicas).toBe(b.autoscale.min);
        expect(hpa.spec.maxReplicas).toBe(b.autoscale.max);
        expect(hpa.spec.metrics).toEqual([
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: b.autoscale.targetCpu } } },
        ]);
      }
    });
  }

  it('multi-tier api: 2..6 at 65% in prod and staging, 1..2 in dev; jobs keeps 2 fixed replicas', () => {
    const of = (profile: string) => charts.find((c) => c.example === 'multi-tier' && c.profile === profile)!.manifests;
    for (const profile of ['prod', 'staging']) {
      const hpa = named(of(profile), 'HorizontalPodAutoscaler', 'api');
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.metrics[0].resource.target.averageUtilization]).toEqual([2, 6, 65]);
      expect(named(of(profile), 'Deployment', 'api').spec.replicas).toBeUndefined();
      expect(named(of(profile), 'Deployment', 'jobs').spec.replicas).toBe(2);
      expect(byKind(of(profile), 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(['api']);
    }
    const dev = named(of('dev'), 'HorizontalPodAutoscaler', 'api');
    expect([dev.spec.minReplicas, dev.spec.maxReplicas]).toEqual([1, 2]);
  });

  it('the reference stack does not autoscale: fixed replicas, no HPA', () => {
    for (const c of charts.filter((x) => x.example === 'reference')) {
      expect(byKind(c.manifests, 'HorizontalPodAutoscaler')).toEqual([]);
      const b = c.stack.backends[0]!.resolve(c.profile);
      expect(named(c.manifests, 'Deployment', b.serviceName).spec.replicas).toBe(b.replicas);
    }
  });
});
