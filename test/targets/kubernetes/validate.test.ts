/**
 * Every object of every example chart passes kubernetes-models 4.5.1 validation (the
 * OpenAPI schemas of the Kubernetes API, as JSON Schema). A kind without a model here fails:
 * nothing is skipped silently.
 */
import { describe, expect, it } from 'vitest';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { copy, exampleCharts, named, type Manifest } from '../../helpers/k8s.js';

type ModelClass = new (data: any) => { validate(): void };

/** apiVersion/kind → the kubernetes-models class that validates it. */
const MODELS: Record<string, ModelClass> = {
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

/** Validates one object; throws for a kind with no model or an invalid object. */
function validate(obj: Manifest): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no kubernetes-models class for ${key} (${obj.metadata?.name}); add it to MODELS`);
  new Model(obj).validate();
}

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
      'pooled/dev',
      'pooled/prod',
      'reference-yaml/dev',
      'reference-yaml/prod',
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
    const crd: Manifest = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'x' } };
    expect(() => validate(crd)).toThrow(/no kubernetes-models class for monitoring.coreos.com\/v1\/ServiceMonitor/);
  });
});
