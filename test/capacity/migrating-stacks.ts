/**
 * Random stacks whose backends run migrations: replicas or autoscale, int and percent
 * surge/unavailable, drainingPods, backends without a database. Shared by the tests that
 * check the migrations' demand as a knob moves.
 */
import fc from 'fast-check';
import { Backend, Postgres, Stack } from '../../lib/index.js';

/** One backend's settings. */
export const migratingBackendArb = fc.record({
  replicas: fc.integer({ min: 1, max: 12 }),
  autoscaleMax: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
  workers: fc.integer({ min: 1, max: 4 }),
  size: fc.integer({ min: 1, max: 6 }),
  overflow: fc.integer({ min: 0, max: 4 }),
  database: fc.boolean(),
  migrationPool: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  surge: fc.constantFrom<string | number>('0%', '25%', '50%', '100%', 0, 1, 2),
  unavailable: fc.constantFrom<string | number>('0%', '25%', '34%', 0, 1, 3),
  drainingPods: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
});

/** What {@link migratingBackendArb} generates. */
export type MigratingBackend = typeof migratingBackendArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * A stack of these backends and one Postgres. maxSurge and maxUnavailable both 0 is refused
 * (a rollout could not progress), so maxUnavailable becomes 1 then; percentages that round
 * to 0 pods stay, and a rollout still starts one pod for them.
 */
export function migratingStack(specs: readonly MigratingBackend[], maxConnections = 10_000): Stack {
  const stack = new Stack(undefined, 'uns');
  specs.forEach((s, i) => {
    const still = (v: string | number) => v === 0 || v === '0%';
    const unavailable = still(s.surge) && still(s.unavailable) ? 1 : s.unavailable;
    const min = Math.min(s.replicas, s.autoscaleMax ?? s.replicas);
    new Backend(stack, `b${i}`, {
      image: 'a/b:1',
      replicas: s.replicas,
      workers: s.workers,
      pool: { size: s.size, maxOverflow: s.overflow },
      database: s.database,
      rollout: { maxSurge: s.surge, maxUnavailable: unavailable, ...(s.drainingPods !== undefined ? { drainingPods: s.drainingPods } : {}) },
      ...(s.autoscaleMax !== undefined ? { autoscale: { min, max: s.autoscaleMax } } : {}),
      ...(s.migrationPool !== undefined ? { migrations: { command: ['alembic', 'upgrade', 'head'], pool: s.migrationPool } } : {}),
      routes: [`/b${i}/`],
    });
  });
  new Postgres(stack, 'db', { maxConnections });
  return stack;
}

