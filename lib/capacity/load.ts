import { ConfigError } from '../errors.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedLoad } from '../model/load.js';
import { peakReplicas, type PeakReplicas } from './peak.js';
import { safeScale, safeScales, type Budgets, type SafeScale } from './safe-scale.js';
import type { TargetKind } from './target.js';

/** A backend's expected load against what it runs and what the budgets allow. */
export interface LoadSizing {
  /** The backend, resolved for the profile. */
  readonly backend: ResolvedBackend;
  /** Its expected load and the replicas that load needs. */
  readonly load: ResolvedLoad;
  /** Whose rollout semantics the peak and budgets were counted under. */
  readonly target: TargetKind;
  /** The knob that counts under this target (`replicas`, or `autoscale.max` on Kubernetes) and its value. */
  readonly provisioned: PeakReplicas;
  /** Largest value of that knob every budget allows, the other backends unchanged. */
  readonly maxSafe: number;
  /** The budget that bounds `maxSafe`. */
  readonly limitedBy: SafeScale['limitedBy'];
  /** The load needs more replicas than the budgets allow. */
  readonly overBudget: boolean;
  /** The backend runs fewer replicas than the load needs (replicas or autoscale.max set too low). */
  readonly underProvisioned: boolean;
}

/** The sizing of every backend with `load`, under `target` semantics. */
export function loadSizings(b: Budgets, target: TargetKind): LoadSizing[] {
  if (!b.backends.some((x) => x.load)) return [];
  return safeScales(b, target).flatMap((s) => {
    const load = s.backend.load;
    if (!load) return [];
    const provisioned = peakReplicas(s.backend, target);
    const overBudget = load.requiredReplicas > s.largest;
    const underProvisioned = provisioned.base < load.requiredReplicas;
    return [{ backend: s.backend, load, target, provisioned, maxSafe: s.largest, limitedBy: s.limitedBy, overBudget, underProvisioned }];
  });
}

/** `backend` with the knob that counts under `target` set to `n`. */
export function withKnob(backend: ResolvedBackend, target: TargetKind, n: number): ResolvedBackend {
  if (target === 'kubernetes' && backend.autoscale) return { ...backend, autoscale: { ...backend.autoscale, max: n } };
  return { ...backend, replicas: n };
}

/** `backend` running `n` replicas under every target: each target's knob at `n`, an autoscaler pinned (min = max = n). */
export function atReplicas(backend: ResolvedBackend, n: number): ResolvedBackend {
  const b = withKnob(withKnob(backend, 'compose', n), 'kubernetes', n);
  return b.autoscale ? { ...b, autoscale: { ...b.autoscale, min: n } } : b;
}

/** The budgets with `backend`'s knob at `n`, the other backends unchanged. */
export function budgetsAt<B extends Budgets>(b: B, backend: ResolvedBackend, target: TargetKind, n: number): B {
  return { ...b, backends: b.backends.map((x) => (x === backend ? withKnob(x, target, n) : x)) };
}

/**
 * Sizes every `autoscale.max` left to the budgets (load set, no max): the largest count
 * that keeps every budget under Kubernetes semantics, never below autoscale.min. In
 * declaration order, so an earlier backend takes the headroom first; later ones see it
 * at its sized max.
 */
export function sizeAutoscaleFromBudgets<B extends Budgets>(b: B): B {
  if (!b.backends.some((x) => x.autoscale?.maxFromBudget)) return b;
  const backends = [...b.backends];
  for (let i = 0; i < backends.length; i++) {
    const backend = backends[i]!;
    if (!backend.autoscale?.maxFromBudget) continue;
    const s = safeScale({ ...b, backends }, 'kubernetes', backend);
    if (s.limitedBy === 'none') {
      throw new ConfigError([
        {
          code: 'SO-CONFIG-VALUE',
          constructPath: backend.path,
          path: 'autoscale.max',
          message: "no budget bounds this backend's replicas (it uses no Postgres or Redis and nginx sets peakConcurrentRequests); set autoscale.max",
        },
      ]);
    }
    backends[i] = { ...backend, autoscale: { ...backend.autoscale, max: Math.max(s.largest, backend.autoscale.min) } };
  }
  return { ...b, backends };
}
