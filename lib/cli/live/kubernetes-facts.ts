/**
 * Reads a Kubernetes namespace through `@kubernetes/client-node`: each Deployment's and
 * StatefulSet's replicas and rollout surge, and the HPA that scales it (current, min and max
 * replicas). Credentials come from a kubeconfig (`--kubeconfig`, `KUBECONFIG`, ~/.kube/config)
 * or from the pod's service account in a cluster.
 */
import type { KubernetesFacts, WorkloadFacts } from './facts.js';
import { UnreachableError } from './facts.js';

/** Which kubeconfig and namespace to read. */
export interface KubernetesSource {
  /** A kubeconfig file; the default loading rules when undefined. */
  readonly kubeconfig?: string;
  /** The namespace; the kubeconfig context's, or `default`, when undefined. */
  readonly namespace?: string;
}

/** Kubernetes' defaults for a Deployment's RollingUpdate strategy. */
const DEFAULT_SURGE = '25%';

/** Reads the namespace's workloads and HPAs. Any API failure is an {@link UnreachableError}. */
export async function readKubernetes(source: KubernetesSource): Promise<KubernetesFacts> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (source.kubeconfig !== undefined) kc.loadFromFile(source.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new UnreachableError(`cannot load the kubeconfig${source.kubeconfig ? ` ${source.kubeconfig}` : ''}: ${(e as Error).message}`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UnreachableError('no Kubernetes cluster: the kubeconfig has no current context; pass --kubeconfig FILE');
  const namespace = source.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  let deployments, statefulSets, hpas;
  try {
    [deployments, statefulSets, hpas] = await Promise.all([
      apps.listNamespacedDeployment({ namespace }),
      apps.listNamespacedStatefulSet({ namespace }),
      autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }),
    ]);
  } catch (e) {
    throw new UnreachableError(`cannot read namespace ${namespace} from the Kubernetes API at ${cluster.server}: ${(e as Error).message.split('\n')[0]}`);
  }
  const hpaFor = (kind: string, name: string): WorkloadFacts['hpa'] => {
    const h = hpas.items.find((x) => x.spec?.scaleTargetRef.kind === kind && x.spec.scaleTargetRef.name === name);
    if (!h?.spec) return undefined;
    return { name: h.metadata?.name ?? '', current: h.status?.currentReplicas ?? 0, min: h.spec.minReplicas ?? 1, max: h.spec.maxReplicas };
  };
  const workloads: WorkloadFacts[] = [];
  for (const d of deployments.items) {
    const name = d.metadata?.name ?? '';
    const ru = d.spec?.strategy?.type === 'Recreate' ? { maxSurge: 0, maxUnavailable: '100%' } : d.spec?.strategy?.rollingUpdate;
    const hpa = hpaFor('Deployment', name);
    workloads.push({
      kind: 'Deployment',
      name,
      // An HPA-managed Deployment may leave spec.replicas unset; the controller's count stands in.
      replicas: d.spec?.replicas ?? d.status?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      maxSurge: ru?.maxSurge ?? DEFAULT_SURGE,
      maxUnavailable: ru?.maxUnavailable ?? DEFAULT_SURGE,
      ...(hpa ? { hpa } : {}),
    });
  }
  for (const s of statefulSets.items) {
    const name = s.metadata?.name ?? '';
    const hpa = hpaFor('StatefulSet', name);
    workloads.push({
      kind: 'StatefulSet',
      name,
      replicas: s.spec?.replicas ?? 1,
      ready: s.status?.readyReplicas ?? 0,
      maxSurge: 0,
      maxUnavailable: s.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1,
      ...(hpa ? { hpa } : {}),
    });
  }
  workloads.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.kind < b.kind ? -1 : 1));
  return { namespace, workloads };
}
