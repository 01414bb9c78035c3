/**
 * Every object of every example chart passes kubernetes-models 4.5.1 validation (the
 * OpenAPI schemas of the Kubernetes API, as JSON Schema). A kind without a model here fails:
 * nothing is skipped silently.
 */
import { describe, expect, it } from 'vitest';
import { copy, exampleCharts, named, type Manifest } from '../../helpers/k8s.js';
import { validate } from '../../helpers/k8s-validate.js';

const charts = exampleCharts();

describe('kubernetes-models validate()', () => {
  it('covers every example and profile', () => {
    expect(charts.map((c) => `${c.example}/${c.profile}`)).toEqual([
      'reference/dev',
      'reference/prod',
      'monitored/dev',
      'monitored/prod',
      'monitored/e2e',
      'multi-tier/dev',
      'multi-tier/prod',
      'multi-tier/staging',
      'operator/dev',
      'operator/prod',
      'pooled/dev',
      'pooled/prod',
      'reference-yaml/dev',
      'reference-yaml/prod',
      'worker/dev',
      'worker/prod',
    ]);
  });

  for (const c of charts) {
    describe(`${c.example} (${c.profile})`, () => {
      it('renders objects', () => {
        expect(c.manifests.length).toBeGreaterThan(0);
      });
      for (const [i, obj] of c.manifests.entries()) {
        it(`${obj.kind} ${obj.metadata.name} [${i}]`, () => {
          expect(() => validate(obj)).not.toThrow();
        });
      }
    });
  }
});

describe('validation can fail', () => {
  const prod = charts.find((c) => c.example === 'reference' && c.profile === 'prod')!;
  const deployment = named(prod.manifests, 'Deployment', 'backend-prod');

  it('accepts the rendered Deployment', () => {
    expect(() => validate(deployment)).not.toThrow();
  });

  it("rejects replicas: 'three'", () => {
    const bad = copy(deployment);
    bad.spec.replicas = 'three';
    expect(() => validate(bad)).toThrow(/replicas/);
  });

  it('rejects a container without a name', () => {
    const bad = copy(deployment);
    delete bad.spec.template.spec.containers[0].name;
    expect(() => validate(bad)).toThrow(/name/);
  });

  it('rejects a NetworkPolicy port that is not a port', () => {
    const bad = copy(named(prod.manifests, 'NetworkPolicy', 'db'));
    bad.spec.ingress[0].ports[0].protocol = 42;
    expect(() => validate(bad)).toThrow();
  });

  it('fails on a kind it has no model for', () => {
    const crd: Manifest = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'x' } };
    expect(() => validate(crd)).toThrow(/no kubernetes-models class for cert-manager.io\/v1\/Certificate/);
  });
});
