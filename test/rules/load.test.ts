/**
 * SO-LOAD: the replicas a backend's load needs, ⌈expectedRps / rpsPerReplica⌉ + 1, must fit
 * every budget under the target's semantics. The reference numbers: 4 workers × (pool 5 +
 * overflow 5) = 40 connections per replica, max_connections 200 − 3 superuser slots = 197.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, PgBouncer, resolveProfile, synthGate, SynthError, type BackendConstructProps } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

const PER_REPLICA = 4 * (5 + 5);
// The monitoring role (issue 15) is a fixed client of every Postgres: the app gets what is left.
const MONITOR = 1;
const AVAILABLE = 200 - 3;

/** The reference numbers with `load` in every profile and no replicas. */
function loaded(expectedRps: number, backend: Partial<BackendConstructProps> = {}) {
  return minimalStack({
    backend: { replicas: undefined, workers: 4, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps }, ...backend },
    db: { maxConnections: 200 },
  }).stack;
}

const prodFindings = (stack: ReturnType<typeof loaded>, target: 'compose' | 'kubernetes' | 'pulumi') =>
  findingsOf(evaluate(stack, { targets: [target], profiles: ['prod'] }), 'SO-LOAD');

describe('SO-LOAD at the compose boundary', () => {
  it('passes the largest load that fits: 300 RPS → 4 replicas → 160 ≤ 197', () => {
    // GIVEN ⌈300 / 100⌉ + 1 = 4 replicas × 40 = 160
    expect(4 * PER_REPLICA).toBeLessThanOrEqual(AVAILABLE);
    const stack = loaded(300);
    expect(resolveProfile(stack, 'prod').backends[0]!.replicas).toBe(4);
    // WHEN / THEN: neither SO-LOAD nor SO-POOL has anything to say
    const report = evaluate(stack, { targets: ['compose', 'pulumi'], profiles: ['prod'] });
    expect(findingsOf(report, 'SO-LOAD')).toEqual([]);
    expect(findingsOf(report, 'SO-POOL')).toEqual([]);
  });

  it('fails the next one: 301 RPS → 5 replicas → 200 + monitor 1 > 197, with the derivation and the fixes', () => {
    // GIVEN ⌈301 / 100⌉ + 1 = 5 replicas × 40 = 200
    expect(5 * PER_REPLICA).toBeGreaterThan(AVAILABLE);
    const stack = loaded(301);

    // WHEN
    const [f, ...rest] = prodFindings(stack, 'compose');

    // THEN
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'SO-LOAD', severity: 'error', path: 'uns/backend', profiles: ['prod'], target: 'compose' });
    const text = formatProblem(f!);
    expect(text).toContain('301 RPS needs 5 replicas (⌈301 ÷ 100 RPS per replica⌉ + 1)');
    expect(text).toContain(`demand ${5 * PER_REPLICA + MONITOR} > available ${AVAILABLE}`);
    // 4 replicas fit (160), and serve 3 × 100 RPS with one spare
    expect(text).toContain('the budget allows 4 replicas (limited by PostgreSQL), which serve 300 RPS');
    // fixes at 5 replicas: 5 × 3 × 10 = 150 ≤ 197; 5 × 4 × 9 = 180 ≤ 197; 200 + 3 slots;
    // ⌈301 / 3⌉ = 101 RPS per replica lets 4 replicas serve it
    expect(text).toMatchInlineSnapshot(`
      "[SO-LOAD] uns/backend (profile prod, target compose): the expected load needs more replicas than the budget allows
        backend  301 RPS needs 5 replicas (⌈301 ÷ 100 RPS per replica⌉ + 1)
                 5 replicas at peak (replicas 5)
        PostgreSQL: 5 × 4 workers × (pool 5 + overflow 5) = 200; demand 201 > available 197 (max_connections 200 − superuser_reserved 3)
        the budget allows 4 replicas (limited by PostgreSQL), which serve 300 RPS at 100 RPS per replica
        fix one of: add PgBouncer (postgres.pooler: { maxClientConn: 200, defaultPoolSize: 196 }; one pooler instance holds 196 server connections) · max_connections ≥ 204 · workers ≤ 3 · pool.size + maxOverflow ≤ 9 · rpsPerReplica ≥ 101 (if measured)"
    `);
  });

  it('counts the seed scale-up-then-down doubling under compose', () => {
    // GIVEN 2 replicas doubled to 4 × 40 = 160 fit; 3 doubled to 6 × 40 = 240 do not
    const fits = loaded(100, { rollout: { scaleUpThenDown: true } });
    const over = loaded(101, { rollout: { scaleUpThenDown: true } });
    // THEN
    expect(prodFindings(fits, 'compose')).toEqual([]);
    expect(formatProblem(prodFindings(over, 'compose')[0]!)).toContain('6 replicas at peak (replicas 3 × 2 (scale-up-then-down rollout))');
  });
});

describe('SO-LOAD under Kubernetes semantics: surge and draining pods count', () => {
  // peak(n) = n + surge ⌈25% × n⌉ + draining (= surge)
  const k8sPeak = (n: number) => n + 2 * Math.ceil(n / 4);

  it('default rollout: 100 RPS → 2 replicas → 4 at peak → 160 fits; 101 RPS → 3 → 5 at peak → 200 does not', () => {
    expect(k8sPeak(2) * PER_REPLICA).toBeLessThanOrEqual(AVAILABLE);
    expect(k8sPeak(3) * PER_REPLICA).toBeGreaterThan(AVAILABLE);
    expect(prodFindings(loaded(100), 'kubernetes')).toEqual([]);
    const [f] = prodFindings(loaded(101), 'kubernetes');
    const text = formatProblem(f!);
    expect(text).toContain('5 replicas at peak (replicas 3 + surge 1 (25% of 3, rounded up) + draining 1)');
    expect(text).toContain('demand 201 > available 197');
    expect(text).toContain('the budget allows 2 replicas (limited by PostgreSQL), which serve 100 RPS');
    // the same loads are fine under compose, where 3 replicas are 3 at peak
    expect(prodFindings(loaded(101), 'compose')).toEqual([]);
  });

  it("the reference's prod rollout (maxSurge 0, maxUnavailable 1): 200 RPS → 3 + 1 draining → 160 fits; 201 → 4 + 1 → 200 does not", () => {
    const rollout = { maxSurge: 0, maxUnavailable: 1 };
    expect((3 + 1) * PER_REPLICA).toBeLessThanOrEqual(AVAILABLE);
    expect((4 + 1) * PER_REPLICA).toBeGreaterThan(AVAILABLE);
    expect(prodFindings(loaded(200, { rollout }), 'kubernetes')).toEqual([]);
    const text = formatProblem(prodFindings(loaded(201, { rollout }), 'kubernetes')[0]!);
    expect(text).toContain('5 replicas at peak (replicas 4 + surge 0 + draining 1 (maxUnavailable 1))');
    expect(text).toContain('the budget allows 3 replicas');
  });
});

describe('SO-LOAD: the other budgets', () => {
  it('names Redis when maxclients is what the load breaks', () => {
    // GIVEN redis 4 replicas × 4 workers × 10 = 160 > maxclients 150; Postgres has room (max_connections 1000)
    const stack = minimalStack({
      backend: { replicas: undefined, workers: 4, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps: 300 } },
      db: { maxConnections: 1000 },
      redis: { maxClients: 150 },
    }).stack;
    // WHEN
    const text = formatProblem(prodFindings(stack, 'compose')[0]!);
    // THEN 3 × 40 = 120 ≤ 150 fit; at 4: workers ≤ 3 (120), redisPool ≤ 9 (144)
    expect(text).toContain('Redis: 4 × 4 workers × redis pool 10 = 160; demand 160 > maxclients 150');
    expect(text).toContain('the budget allows 3 replicas (limited by Redis), which serve 200 RPS');
    expect(text).toContain('fix one of: maxclients ≥ 160 · workers ≤ 3 · redisPool ≤ 9 · rpsPerReplica ≥ 150 (if measured)');
  });

  it('names the PgBouncer client side behind a pooler', () => {
    // GIVEN 4 replicas × 40 = 160 app connections > max_client_conn 150 × 1 instance
    const { stack } = minimalStack({
      backend: { replicas: undefined, workers: 4, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps: 300 } },
      db: { maxConnections: 200 },
    });
    new PgBouncer(stack, 'pgbouncer', { maxClientConn: 150, defaultPoolSize: 20 });
    const [f] = prodFindings(stack, 'compose');
    expect(formatProblem(f!)).toContain('PgBouncer clients: 4 × 4 workers × (pool 5 + overflow 5) = 160; demand 160 > capacity 150');
  });
});

describe('SO-LOAD: replicas set beside the load', () => {
  it('replicas win over the load, and SO-LOAD says when they fall short of it', () => {
    // GIVEN replicas 3 and 500 RPS (6 needed); 2 workers × 10 = 20 per replica, so ⌊197 / 20⌋ = 9 fit
    const stack = loaded(500, { replicas: 3, workers: 2 });
    expect(resolveProfile(stack, 'prod').backends[0]).toMatchObject({ replicas: 3, replicasFrom: 'replicas' });
    // WHEN
    const [f, ...rest] = prodFindings(stack, 'compose');
    // THEN
    expect(rest).toEqual([]);
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-LOAD] uns/backend (profile prod, target compose): replicas 3 cannot serve the expected load
        backend  500 RPS needs 6 replicas (⌈500 ÷ 100 RPS per replica⌉ + 1); replicas 3 serve 200 RPS
        the budget allows 9 replicas (limited by PostgreSQL)
        fix one of: replicas ≥ 6 (or leave replicas out and the load sizes it) · rpsPerReplica ≥ 250 (if measured)"
    `);
  });

  it('reports the budget, not the replicas, when the budget cannot hold what the load needs either', () => {
    const [f] = prodFindings(loaded(500, { replicas: 4 }), 'compose');
    expect(f!.message).toBe('the expected load needs more replicas than the budget allows');
  });

  it('checks autoscale.max on Kubernetes and replicas on compose', () => {
    // GIVEN autoscale 2..3 with 300 RPS (4 needed), 1 worker × 10 per replica: the budget has room
    const stack = loaded(300, { workers: 1, autoscale: { min: 2, max: 3 } });
    // THEN compose runs replicas = 4 from the load; the HPA may only reach 3
    expect(prodFindings(stack, 'compose')).toEqual([]);
    const [f] = prodFindings(stack, 'kubernetes');
    expect(f!.message).toBe('autoscale.max 3 cannot serve the expected load');
    expect(formatProblem(f!)).toContain('autoscale.max ≥ 4 (or leave autoscale.max out and the budget sizes it)');
  });

  it('is a warning outside production: the load there is usually inherited from the base config', () => {
    const report = evaluate(loaded(301), { targets: ['compose'] });
    expect(findingsOf(report, 'SO-LOAD').map((f) => [f.profiles[0], f.severity]).sort()).toEqual([
      ['dev', 'warning'],
      ['prod', 'error'],
    ]);
  });
});

describe('SO-LOAD and the fixes other rules offer', () => {
  it('SO-POOL offers no replica count below what the load needs', () => {
    // GIVEN 500 RPS → 6 replicas × 40 = 240 > 197; 4 replicas would fit but serve only 300 RPS
    const pool = (stack: ReturnType<typeof loaded>) =>
      formatProblem(findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['prod'] }), 'SO-POOL')[0]!);
    // THEN without load, replicas ≤ 4 is a fix; with it, it is not
    expect(pool(loaded(500, { replicas: 6, load: undefined }))).toContain('fix one of: replicas ≤ 4 · pool.size + maxOverflow ≤ 8');
    expect(pool(loaded(500))).toContain('fix one of: pool.size + maxOverflow ≤ 8 · workers ≤ 3 · max_connections ≥ 244');
  });
});

describe('SO-LOAD: suppression and the gate', () => {
  it('is suppressed by a suppression on the backend', () => {
    // GIVEN replicas pinned at 4 (160 ≤ 197: SO-POOL passes), a load that needs 6
    const failing = loaded(500, { replicas: 4 });
    const stack = loaded(500, { replicas: 4, suppressions: [{ rule: 'SO-LOAD', reason: 'the 500 RPS figure is for next year' }] });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(evaluate(failing, { targets: ['compose'] }), 'SO-LOAD')).not.toEqual([]);
    expect(findingsOf(report, 'SO-LOAD')).toEqual([]);
    expect(suppressedOf(report, 'SO-LOAD').map((f) => f.profiles[0])).toEqual(['dev', 'prod']);
    expect(report.unusedSuppressions).toEqual([]);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('refuses synth in production with the SO-LOAD message', () => {
    expect(() => synthGate(loaded(500, { replicas: 4 }), { targets: ['compose'] })).toThrow(SynthError);
    expect(() => synthGate(loaded(500, { replicas: 4 }), { targets: ['compose'] })).toThrow(/\[SO-LOAD\] uns\/backend \(profile prod, target compose\)/);
  });

  it('passes a stack without load', () => {
    expect(findingsOf(evaluate(minimalStack().stack, { targets: ['compose', 'kubernetes', 'pulumi'] }), 'SO-LOAD')).toEqual([]);
  });
});
