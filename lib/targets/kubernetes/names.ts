import type { ResolvedCompute, ResolvedResources } from '../../model/common.js';
import { kubernetesSecretName } from '../../model/schema-kit.js';

/** What a workload is, for `app.kubernetes.io/component`. */
export type Component = 'backend' | 'load-balancer' | 'database' | 'cache' | 'monitoring' | 'exporter';

/** The recommended `app.kubernetes.io/*` labels for one workload. */
export function appLabels(stackName: string, profile: string, name: string, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': `${stackName}-${profile}`,
    'app.kubernetes.io/managed-by': 'scaleout',
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': stackName,
  };
}

/** The labels a workload's pods are selected by: stable across changes of anything else. */
export function selectorLabels(stackName: string, profile: string, name: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': `${stackName}-${profile}`, 'app.kubernetes.io/name': name };
}

/**
 * The Kubernetes Secret a model secret name maps to: `postgres_password` → Secret
 * `postgres-password`, key `value` (Secret names are DNS subdomains, so `_` becomes `-`).
 */
export function secretName(name: string): string {
  return kubernetesSecretName(name);
}

/** The one key of every Secret scaleout reads: the file a secret is mounted as. */
export const SECRET_KEY = 'value';

/** Where a model secret is mounted as a file in pods (the app reads `*_FILE` paths). */
export const secretFile = (name: string): string => `/run/secrets/${name}/${SECRET_KEY}`;

/** Resource quantities in exact binary units (`1Gi`, not cdk8s-plus's `1024Mi`). */
export function quantities(r: ResolvedResources): { limits?: Record<string, string>; requests?: Record<string, string> } {
  const side = (c: ResolvedCompute) => {
    const o: Record<string, string> = {};
    if (c.cpu) o.cpu = c.cpu.toKubernetes();
    if (c.memory) o.memory = c.memory.toKubernetes();
    return Object.keys(o).length ? o : undefined;
  };
  const limits = side(r.limits);
  const requests = side(r.requests);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}
