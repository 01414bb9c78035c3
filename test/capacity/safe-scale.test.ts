/**
 * safeScales swaps one backend's share into precomputed totals. A brute-force oracle that
 * rebuilds every budget at each candidate count must agree with it on random stacks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Backend,
  budgetsAt,
  Nginx,
  nginxBudget,
  PgBouncer,
  poolerClientBudget,
  Postgres,
  postgresBudget,
  Redis,
  redisBudget,
  safeScale,
  safeScales,
  Stack,
  type ResolvedBackend,
  type TargetKind,
} from '../../lib/index.js';
import { migratingBackendArb, migratingStack } from './migrating-stacks.js';

function oracle(backends: ResolvedBackend[], ctx: { postgres: any; redis: any; nginx: any }, target: TargetKind) {
  return backends.map((_, i) => {
    const at = (n: number) =>
      backends.map((x, j) => (j === i ? { ...x, replicas: n, ...(x.autoscale ? { autoscale: { ...x.autoscale, max: n } } : {}) } : x));
    const failing = (n: number) => {
      const bs = at(n);
      if (!postgresBudget(bs, ctx.postgres, target).ok) return 'PostgreSQL';
      if (!redisBudget(bs, ctx.redis, target).ok) return 'Redis';
      if (!nginxBudget(ctx.nginx, bs, target).ok) return 'nginx';
      return undefined;
    };
    let largest = 0;
    while (largest < 400 && failing(largest + 1) === undefined) largest++;
    return { largest, limitedBy: failing(largest + 1) ?? 'none' };
  });
}

const backendArb = fc.record({
  replicas: fc.integer({ min: 1, max: 6 }),
  workers: fc.integer({ min: 1, max: 4 }),
  size: fc.integer({ min: 1, max: 6 }),
  overflow: fc.integer({ min: 0, max: 4 }),
  redisPool: fc.integer({ min: 0, max: 5 }),
  database: fc.boolean(),
  surge: fc.constantFrom('25%', '50%', 0, 1, 2),
});

describe('safeScales', () => {
  it('agrees with a brute-force oracle on random stacks', () => {
    fc.assert(
      fc.property(
        fc.array(backendArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 20, max: 400 }),
        fc.integer({ min: 10, max: 400 }),
        fc.integer({ min: 64, max: 2048 }),
        fc.constantFrom<TargetKind>('compose', 'kubernetes'),
        (specs, maxConnections, maxClients, workerConnections, target) => {
          const stack = new Stack(undefined, 'uns');
          specs.forEach((s, i) =>
            new Backend(stack, `b${i}`, {
              image: 'a/b:1',
              replicas: s.replicas,
              workers: s.workers,
              pool: { size: s.size, maxOverflow: s.overflow },
              database: s.database,
              redisPool: s.redisPool,
              rollout: { maxSurge: s.surge, maxUnavailable: 1 },
              routes: [`/b${i}/`],
            }),
          );
          new Nginx(stack, 'nginx', { workerConnections });
          new Postgres(stack, 'db', { maxConnections });
          new Redis(stack, 'redis', { maxClients });
          const ctx = {
            backends: stack.backends.map((b) => b.resolve('dev')),
            postgres: stack.postgres!.resolve('dev'),
            redis: stack.redis!.resolve('dev'),
            nginx: stack.nginx!.resolve('dev'),
          };
          const got = safeScales(ctx, target).map((s) => ({
            largest: Math.min(s.largest, 400),
            limitedBy: s.largest >= 400 ? 'none' : s.limitedBy,
          }));
          const want = oracle(ctx.backends, ctx, target).map((w) => (w.largest >= 400 ? { largest: 400, limitedBy: 'none' } : w));
          expect(got).toEqual(want);
          // One backend alone (the planner's question) answers the same.
          expect(ctx.backends.map((x) => safeScale(ctx, target, x))).toEqual(safeScales(ctx, target));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('agrees with rebuilding every budget on Kubernetes stacks with migrations, autoscale and a pooler', () => {
    // Cases where a migration's copies move the bound: a backend bounded by PostgreSQL.
    let bounded = 0;
    fc.assert(
      fc.property(
        fc.array(migratingBackendArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 20, max: 500 }),
        fc.option(fc.record({ maxClientConn: fc.integer({ min: 10, max: 600 }), defaultPoolSize: fc.integer({ min: 1, max: 40 }) }), { nil: undefined }),
        (specs, maxConnections, pooler) => {
          const stack = migratingStack(specs, maxConnections);
          if (pooler) new PgBouncer(stack, 'pgbouncer', pooler);
          const ctx = {
            backends: stack.backends.map((b) => b.resolve('dev')),
            postgres: stack.postgres!.resolve('dev'),
            ...(pooler ? { pooler: stack.pooler!.resolve('dev') } : {}),
          };
          const failing = (i: number, n: number) => {
            const at = budgetsAt(ctx, ctx.backends[i]!, 'kubernetes', n);
            if (!postgresBudget(at.backends, ctx.postgres, 'kubernetes', ctx.pooler).ok) return 'PostgreSQL';
            if (ctx.pooler && !poolerClientBudget(at.backends, ctx.pooler, 'kubernetes').ok) return 'PgBouncer';
            return undefined;
          };
          const want = ctx.backends.map((_, i) => {
            let largest = 0;
            while (largest < 400 && failing(i, largest + 1) === undefined) largest++;
            return largest >= 400 ? { largest: 400, limitedBy: 'none' } : { largest, limitedBy: failing(i, largest + 1) ?? 'none' };
          });
          const got = safeScales(ctx, 'kubernetes').map((s) => (s.largest >= 400 ? { largest: 400, limitedBy: 'none' } : { largest: s.largest, limitedBy: s.limitedBy }));
          expect(got).toEqual(want);
          expect(ctx.backends.map((x) => safeScale(ctx, 'kubernetes', x))).toEqual(safeScales(ctx, 'kubernetes'));
          if (ctx.backends.some((b) => b.migration) && want.some((w) => w.limitedBy === 'PostgreSQL' && w.largest > 0)) bounded++;
        },
      ),
      { numRuns: 150 },
    );
    expect(bounded).toBeGreaterThan(5);
  });
});
