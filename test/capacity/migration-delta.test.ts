/**
 * The migrations' demand as one backend's knob moves, in closed form
 * (`migrationDelta`: Σ migration pools × change in that backend's starting pods), must equal
 * rebuilding every backend and counting `migrationConnections` again, the way safeScales
 * used to. Random stacks: replicas or autoscale, int and percent surge/unavailable,
 * drainingPods, backends without a database, several migrations, every target.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetsAt, migrationConnections, migrationDelta, migrationPools, peakReplicas, startingPods, type ResolvedBackend, type TargetKind } from '../../lib/index.js';
import { migratingBackendArb, migratingStack } from './migrating-stacks.js';

const demandOf = (backends: readonly ResolvedBackend[], target: TargetKind) =>
  migrationConnections(backends, target).reduce((s, m) => s + m.demand, 0);

/** The formula migrationConnections inlined before it asked peakReplicasAt. */
function inlinedPods(b: ResolvedBackend, base: number): number {
  return Math.max(1, b.rollout.maxSurge.resolve(base, 'up') + b.rollout.maxUnavailable.resolve(base, 'down'));
}

/** The old path: every backend copied with one knob at `n`, every migration counted again. */
function rebuilt(backends: readonly ResolvedBackend[], backend: ResolvedBackend, target: TargetKind, n: number): number {
  if (target !== 'kubernetes' || !backend.pool) return 0;
  return demandOf(budgetsAt({ backends }, backend, target, n).backends, target) - demandOf(backends, target);
}

describe('migrationDelta', () => {
  it('equals rebuilding every backend and counting the migrations again', () => {
    let compared = 0;
    fc.assert(
      fc.property(
        fc.array(migratingBackendArb, { minLength: 1, maxLength: 5 }),
        fc.constantFrom<TargetKind>('compose', 'kubernetes', 'pulumi'),
        fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 6 }),
        (specs, target, ns) => {
          const backends = migratingStack(specs).backends.map((b) => b.resolve('dev'));
          const migrations = migrationConnections(backends, target);
          for (const backend of backends) {
            const delta = migrationDelta(migrationPools(migrations), backend, target);
            for (const n of ns) {
              expect(startingPods(backend, n)).toBe(inlinedPods(backend, n));
              expect(delta(n)).toBe(rebuilt(backends, backend, target, n));
              compared++;
            }
            // At its own value nothing moves.
            expect(delta(peakReplicas(backend, target).base)).toBe(0);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(compared).toBeGreaterThan(300);
  });

  it('startingPods is surge + maxUnavailable against the knob, at least 1', () => {
    const stack = migratingStack([
      { replicas: 4, autoscaleMax: 10, workers: 1, size: 1, overflow: 0, database: true, migrationPool: 1, surge: '25%', unavailable: '25%', drainingPods: undefined },
      { replicas: 3, autoscaleMax: undefined, workers: 1, size: 1, overflow: 0, database: true, migrationPool: undefined, surge: 0, unavailable: '34%', drainingPods: undefined },
    ])!;
    const [auto, fixed] = stack.backends.map((b) => b.resolve('dev'));
    // autoscale.max 10: surge 25% rounds up to 3, maxUnavailable 25% rounds down to 2.
    expect(startingPods(auto!, 10)).toBe(5);
    // replicas 3: surge 0, maxUnavailable 34% of 3 rounds down to 1.
    expect(startingPods(fixed!, 3)).toBe(1);
    // replicas 2: 34% of 2 rounds down to 0; a rollout still starts one pod.
    expect(startingPods(fixed!, 2)).toBe(1);
  });
});
