import type { IntOrPercent } from '../units/index.js';
import type { TargetKind } from './target.js';

/** Anything with replicas and a rollout: a backend, or the pooler. */
export interface Scalable {
  /** Replicas outside a rollout (a pooler's instances). */
  readonly replicas: number;
  /** HPA bounds; on Kubernetes the peak counts from `max`. */
  readonly autoscale?: {
    /** Most replicas the autoscaler may run. */
    readonly max: number;
  };
  /** How a new version replaces the old one. */
  readonly rollout: {
    /** Extra pods a Kubernetes rollout may start; resolved against the base count, rounded up. */
    readonly maxSurge: IntOrPercent;
    /** Pods a Kubernetes rollout may take down; resolved against the base count, rounded down. */
    readonly maxUnavailable: IntOrPercent;
    /** Old pods still terminating while their replacements run, when set explicitly. */
    readonly drainingPods?: number;
    /** The compose procedure that scales to 2 × replicas, then back down. */
    readonly scaleUpThenDown: boolean;
  };
}

/** Peak replica count of a backend and how it was reached. */
export interface PeakReplicas {
  /** Replicas (or instances) running at once at the peak of a rollout. */
  readonly total: number;
  /** The knob a user turns to change the peak: `replicas`, `autoscale.max`, or a pooler's `instances`. */
  readonly knob: 'replicas' | 'autoscale.max' | 'instances';
  /** The knob's current value. */
  readonly base: number;
  /** Pods a Kubernetes rollout starts above `base` (maxSurge against it, rounded up); 0 under compose and Pulumi. */
  readonly surge: number;
  /** Pods a Kubernetes rollout may take down (maxUnavailable against `base`, rounded down); 0 under compose and Pulumi. */
  readonly unavailable: number;
  /** `autoscale.max 6 + surge 2 + draining 2`; just `replicas 3` when nothing is added. */
  readonly explain: string;
}

/**
 * Peak replicas under `target` semantics with the knob set to `base`:
 * - kubernetes: M + surge + draining, M = autoscale.max or replicas, surge = maxSurge
 *   against M rounded up, draining (pods still terminating) defaulting to the larger of
 *   surge and maxUnavailable (rounded down);
 * - compose: replicas, doubled by the seed's scale-up-then-down procedure;
 * - pulumi: replicas (containers are replaced one at a time).
 */
export function peakReplicasAt(b: Scalable, target: TargetKind, base: number, count: 'replicas' | 'instances' = 'replicas'): PeakReplicas {
  if (target === 'kubernetes') {
    const knob = b.autoscale ? 'autoscale.max' : count;
    const surge = b.rollout.maxSurge.resolve(base, 'up');
    const unavailable = b.rollout.maxUnavailable.resolve(base, 'down');
    // Terminating pods are not counted by the Deployment controller; with maxSurge 0 it
    // starts replacements while maxUnavailable old pods still drain their connections.
    const fromUnavailable = b.rollout.drainingPods === undefined && unavailable > surge;
    const draining = b.rollout.drainingPods ?? Math.max(surge, unavailable);
    const total = base + surge + draining;
    const pct = b.rollout.maxSurge.isPercent ? ` (${b.rollout.maxSurge} of ${base}, rounded up)` : '';
    const why = fromUnavailable
      ? ` (maxUnavailable ${b.rollout.maxUnavailable}${b.rollout.maxUnavailable.isPercent ? ` of ${base}, rounded down` : ''})`
      : '';
    const explain =
      surge + draining === 0
        ? `${knob} ${base}`
        : `${knob} ${base} + surge ${surge}${pct} + draining ${draining}${why}`;
    return { total, knob, base, surge, unavailable, explain };
  }
  if (target === 'compose' && b.rollout.scaleUpThenDown) {
    return { total: 2 * base, knob: count, base, surge: 0, unavailable: 0, explain: `${count} ${base} × 2 (scale-up-then-down rollout)` };
  }
  return { total: base, knob: count, base, surge: 0, unavailable: 0, explain: `${count} ${base}` };
}

/** Peak replicas at the backend's own settings. */
export function peakReplicas(b: Scalable, target: TargetKind): PeakReplicas {
  const base = target === 'kubernetes' && b.autoscale ? b.autoscale.max : b.replicas;
  return peakReplicasAt(b, target, base);
}
