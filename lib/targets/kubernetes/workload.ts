import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import type { Duration, IntOrPercent } from '../../units/index.js';
import { podSecurityContext, type RunAs } from './container.js';

/** A Deployment as every scaleout workload gets it. */
export interface LabeledDeploymentProps {
  /** Name of the Deployment (and its construct id). */
  readonly name: string;
  /** The app.kubernetes.io labels, on the Deployment and its pods. */
  readonly labels: Record<string, string>;
  /** The subset of labels the Deployment (and Services and policies) select pods by. */
  readonly selector: Record<string, string>;
  /** The uid and gid its containers run as; the image must support them. */
  readonly runAs: RunAs;
  /**
   * Replica count.
   *
   * @default - none: an HPA owns it
   */
  readonly replicas?: number;
  /**
   * RollingUpdate settings.
   *
   * @default - cdk8s-plus's (25% / 25%)
   */
  readonly rollout?: {
    /** Extra pods a rollout may start. */
    readonly maxSurge: IntOrPercent;
    /** Pods a rollout may take down. */
    readonly maxUnavailable: IntOrPercent;
  };
  /**
   * Pod template annotations.
   *
   * @default - none
   */
  readonly annotations?: Record<string, string>;
  /**
   * The config texts the pods mount. Their checksum goes into the pod template as
   * `checksum/config`, so a changed config rolls the pods (a ConfigMap change alone does not).
   *
   * @default - none
   */
  readonly config?: readonly string[];
  /**
   * Spread the pods over nodes and zones.
   *
   * @default true
   */
  readonly spread?: boolean;
  /**
   * Service account of the pods.
   *
   * @default - the namespace's default, with no token mounted
   */
  readonly serviceAccount?: kplus.IServiceAccount;
}

export function percentOrAbsolute(v: IntOrPercent): kplus.PercentOrAbsolute {
  return v.isPercent ? kplus.PercentOrAbsolute.percent(v.value) : kplus.PercentOrAbsolute.absolute(v.value);
}

/**
 * A hardened Deployment selected by the app.kubernetes.io labels rather than cdk8s-plus's
 * hashed address label, so manifests read (and diff) cleanly.
 */
export function labeledDeployment(scope: Construct, p: LabeledDeploymentProps): kplus.Deployment {
  const annotations = { ...p.annotations, ...(p.config ? { 'checksum/config': checksum(p.config) } : {}) };
  const deployment = new kplus.Deployment(scope, p.name, {
    metadata: { name: p.name, labels: p.labels },
    podMetadata: { labels: p.labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    select: false,
    ...(p.replicas !== undefined ? { replicas: p.replicas } : {}),
    ...(p.rollout
      ? {
          strategy: kplus.DeploymentStrategy.rollingUpdate({
            maxSurge: percentOrAbsolute(p.rollout.maxSurge),
            maxUnavailable: percentOrAbsolute(p.rollout.maxUnavailable),
          }),
        }
      : {}),
    securityContext: podSecurityContext(p.runAs),
    automountServiceAccountToken: false,
    ...(p.serviceAccount ? { serviceAccount: p.serviceAccount } : {}),
  });
  deployment.select(kplus.LabelSelector.of({ labels: p.selector }));
  if (p.spread ?? true) {
    ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', topologySpread(p.selector)));
  }
  return deployment;
}

/** Spreads replicas over nodes and zones; ScheduleAnyway so a small cluster still schedules. */
export function topologySpread(labels: Record<string, string>) {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    /** At most one more pod in any node or zone than in another. */
    maxSkew: 1,
    /** The node label the pods are spread over: hostname, then zone. */
    topologyKey,
    /** Schedule even when the spread cannot hold (a one-node cluster). */
    whenUnsatisfiable: 'ScheduleAnyway',
    /** Which pods count: the workload's own. */
    labelSelector: {
      /** The workload's selector labels. */
      matchLabels: labels,
    },
  }));
}

/** At most one pod of `name` down at a time for voluntary disruptions (drains, upgrades). */
export function podDisruptionBudget(
  scope: Construct,
  name: string,
  labels: Record<string, string>,
  selector: Record<string, string>,
): kplus.k8s.KubePodDisruptionBudget {
  // cdk8s-plus-27 has no PodDisruptionBudget construct; this is its bundled L1.
  return new kplus.k8s.KubePodDisruptionBudget(scope, `${name}-pdb`, {
    metadata: { name, labels },
    spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
  });
}

/** Points a Service at pods by their app.kubernetes.io labels. */
export function selectPods(service: kplus.Service, selector: Record<string, string>): void {
  for (const [k, v] of Object.entries(selector)) service.selectLabel(k, v);
}

/** sha256 over the texts, NUL-separated so that moving text between files changes it. */
function checksum(texts: readonly string[]): string {
  return createHash('sha256').update(texts.join('\u0000')).digest('hex');
}

/** The time a pod gets after SIGTERM to shut down: Kubernetes' own default grace period. */
export const SHUTDOWN_GRACE_SECONDS = 30;

/**
 * A `preStop` hook that sleeps `delay` in the first container before SIGTERM, so endpoint
 * removal and DNS re-resolution reach every client while the pod still serves, and a grace
 * period that covers the sleep plus {@link SHUTDOWN_GRACE_SECONDS}. A zero delay adds no hook.
 */
export function preStopSleep(workload: Construct, delay: Duration): void {
  const seconds = Math.ceil(delay.toSeconds());
  const api = ApiObject.of(workload);
  api.addJsonPatch(JsonPatch.add('/spec/template/spec/terminationGracePeriodSeconds', seconds + SHUTDOWN_GRACE_SECONDS));
  if (seconds > 0) {
    api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/lifecycle', { preStop: { exec: { command: ['sleep', String(seconds)] } } }));
  }
}
