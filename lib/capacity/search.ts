import type { ResolvedBackend } from '../model/backend.js';

/**
 * The largest n in [1, upper] with `fits(n)`, assuming `fits` is monotone (true up to some
 * point, then false). Binary search keeps fix suggestions cheap for large stacks.
 */
export function largestAtMost(upper: number, fits: (n: number) => boolean): number | undefined {
  if (upper < 1 || !fits(1)) return undefined;
  let lo = 1;
  let hi = upper;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The fewest replicas a fix may suggest for a backend: a number for all of them (2 in
 * production, per SO-HA), or per backend (what its load needs, per SO-LOAD).
 */
export type MinReplicas = number | ((backend: ResolvedBackend) => number);

export function floorOf(min: MinReplicas, backend: ResolvedBackend): number {
  return typeof min === 'number' ? min : min(backend);
}
