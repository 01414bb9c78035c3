/**
 * SO-POOL's `replicas ≤ X` (or `autoscale.max ≤ X`) fix and CAPACITY.md's "largest safe"
 * must name the same number for the same profile and target. On Kubernetes a migration runs
 * in every starting pod, so both must let its copies shrink as the replicas drop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { peakReplicasAt, postgresBudget, postgresFixes, safeScales, type BackendConnections, type TargetKind } from '../../lib/index.js';
import { migratingBackendArb, migratingStack } from './migrating-stacks.js';

describe('postgresFixes and safeScales', () => {
  for (const target of ['kubernetes', 'compose'] as const satisfies readonly TargetKind[]) {
    it(`name the same largest replica count on ${target} stacks with migrations`, () => {
      let compared = 0;
      let throughMigrations = 0;
      fc.assert(
        fc.property(
          fc.array(migratingBackendArb, { minLength: 1, maxLength: 4 }).filter((specs) => specs.some((s) => s.migrationPool !== undefined)),
          fc.integer({ min: 20, max: 500 }),
          (specs, maxConnections) => {
            const stack = migratingStack(specs, maxConnections);
            const ctx = { backends: stack.backends.map((b) => b.resolve('dev')), postgres: stack.postgres!.resolve('dev') };
            const budget = postgresBudget(ctx.backends, ctx.postgres, target);
            fc.pre(!budget.ok);
            const fixes = postgresFixes(budget);
            for (const s of safeScales(ctx, target)) {
              const share = budget.backends.find((x) => x.backend === s.backend);
              if (!share) continue;
              const fix = fixes.find((f) => f.knob === `${s.backend.id}.${share.peak.knob}`);
              // Below 1 replica there is no fix to offer; otherwise it is the largest safe count.
              expect(fix?.value).toBe(s.largest >= 1 ? s.largest : undefined);
              compared++;
              // Cases where holding the migrations at the current replicas gives another bound.
              const room = budget.available - (budget.demand - share.demand);
              if (s.largest >= 1 && frozenLargest(share, room, target) !== s.largest) throughMigrations++;
            }
          },
        ),
        { numRuns: 200 },
      );
      expect(compared).toBeGreaterThan(100);
      if (target === 'kubernetes') expect(throughMigrations).toBeGreaterThan(10);
      else expect(throughMigrations).toBe(0);
    });
  }
});

/** The bound with the migrations' demand held at the current replicas (the old fix search). */
function frozenLargest(s: BackendConnections, room: number, target: TargetKind): number {
  let n = 0;
  while (n < s.peak.base - 1 && peakReplicasAt(s.backend, target, n + 1).total * s.workers * s.perWorker <= room) n++;
  return n;
}
