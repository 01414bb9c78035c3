/**
 * Capacity truth at the PostgreSQL boundary, on a real PostgreSQL 15 behind real nginx.
 *
 * For each shape: exactly at budget, saturated so that every worker opens size + overflow
 * connections, the server refuses nothing and the peak equals the prediction; one
 * connection over budget is refused by synth (SO-POOL); forced with a suppression, the
 * real server refuses connections (SQLSTATE 53300, in the server log and the app's error).
 *
 * Shapes:
 * - A: 2 replicas × 2 workers × (pool 2 + overflow 1) = 12, superuser_reserved 3.
 * - B: fixed clients. PostgreSQL 15 has no reserved_connections (16+), so the second shape
 *   holds K real connections as the model's fixed clients: 1 replica × 3 workers ×
 *   (1 + 2) = 9, plus fixed clients 2 = 11, superuser_reserved 2.
 *
 * The peak is counted over a walsender session (replication=database), which takes no
 * connection slot; the app role's client backends are counted, fixed clients included.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, SynthError } from '../../lib/index.js';
import { E2eStack } from './harness.js';
import { stackPerTest } from './lifecycle.js';
import type { FixedClients } from './postgres.js';
import { describeRun, PG_REFUSED, saturatePostgres, type Saturation } from './saturate.js';
import { e2eModel, type E2eModel, type E2eStackProps } from './stacks.js';

interface Shape {
  readonly name: string;
  readonly replicas: number;
  readonly workers: number;
  readonly pool: { readonly size: number; readonly maxOverflow: number };
  readonly superuserReserved: number;
  /** Fixed clients at budget; budget + 1 adds one more. */
  readonly fixed: Readonly<Record<string, number>>;
}

const SHAPES: readonly Shape[] = [
  { name: 'A: 2 replicas × 2 workers × (2 + 1)', replicas: 2, workers: 2, pool: { size: 2, maxOverflow: 1 }, superuserReserved: 3, fixed: {} },
  { name: 'B: 1 replica × 3 workers × (1 + 2) + 2 fixed clients', replicas: 1, workers: 3, pool: { size: 1, maxOverflow: 2 }, superuserReserved: 2, fixed: { admin: 1, exporter: 1 } },
];

const perWorker = (s: Shape) => s.pool.size + s.pool.maxOverflow;
const appDemand = (s: Shape) => s.replicas * s.workers * perWorker(s);
const fixedSum = (f: Readonly<Record<string, number>>) => Object.values(f).reduce((a, b) => a + b, 0);
/** The monitoring role's connection (issue 15): a fixed client of every Postgres, held here as one. */
const MONITOR = 1;
/** docs/ARCHITECTURE.md: demand = Σ peak_replicas × per_replica + Σ fixed clients (the monitoring role's included). */
const demand = (s: Shape) => appDemand(s) + fixedSum(s.fixed) + MONITOR;
/** max_connections that leaves exactly `available` slots to ordinary roles. */
const maxConnectionsFor = (s: Shape, available: number) => available + s.superuserReserved;

/**
 * The over-budget variant: shape A loses one slot (max_connections − 1); shape B gains one
 * fixed client. Either way demand is available + 1.
 */
function variant(s: Shape, over: boolean): { props: E2eStackProps; fixed: Record<string, number>; available: number } {
  const withFixed = Object.keys(s.fixed).length > 0;
  const fixed = over && withFixed ? { ...s.fixed, migrations: 1 } : { ...s.fixed };
  const available = over && !withFixed ? demand(s) - 1 : demand(s);
  return {
    fixed,
    available,
    props: {
      backend: { replicas: s.replicas, workers: s.workers, pool: s.pool, redisPool: 1 },
      db: { maxConnections: maxConnectionsFor(s, available), superuserReservedConnections: s.superuserReserved, fixedClients: fixed },
    },
  };
}

let h: E2eStack | undefined;
let held: FixedClients | undefined;
const stacks = stackPerTest(async () => {
  await held?.release();
  held = undefined;
  h = undefined;
});

/** Starts the stack, holds the fixed clients, and saturates it through nginx with /api/slow. */
async function run(model: E2eModel, s: Shape, fixed: Record<string, number>, predictedPeak: number, over: boolean): Promise<Saturation> {
  h = await stacks.start(model.stack);
  held = await h.pg!.holdConnections(fixedSum(fixed) + MONITOR);
  return saturatePostgres(h, {
    concurrency: 40 * s.replicas,
    workers: s.replicas * s.workers,
    capPerWorker: perWorker(s),
    predictedPeak,
    refused: PG_REFUSED,
    ...(over ? { stopAfterRefusals: 5 } : {}),
  });
}

describe.each(SHAPES)('PostgreSQL capacity truth, shape $name', (s) => {
  it('at budget: every worker opens size + overflow, the peak equals the prediction, nothing is refused', async () => {
    const v = variant(s, false);
    const model = e2eModel(v.props);
    // GIVEN a stack whose demand is exactly what ordinary roles may use
    expect(evaluate(model.stack, { targets: ['compose'], profiles: ['dev'] }).errors.filter((f) => f.code === 'SO-POOL')).toEqual([]);
    expect(demand(s)).toBe(v.available);

    // WHEN it is saturated
    const r = await run(model, s, v.fixed, demand(s), false);
    const why = describeRun(r);
    console.info(`${s.name} at budget:`, why);

    // THEN every worker reached its cap, the peak is the prediction, and nothing was refused
    expect(r.perWorker.size, why).toBe(s.replicas * s.workers);
    expect([...r.perWorker.values()], why).toEqual(Array(s.replicas * s.workers).fill(perWorker(s)));
    expect(r.peak, why).toBe(demand(s));
    expect(r.refusals, why).toEqual([]);
    expect(r.otherFailures, why).toEqual([]);
    expect(h!.pg!.logLines(/ 53300 /)).toEqual([]);
  }, 90_000);

  it('budget + 1: refused by synth with SO-POOL; forced, the real server refuses connections (53300)', async () => {
    const v = variant(s, true);
    const model = e2eModel(v.props);
    // GIVEN demand one connection over what is available
    expect(demand(s) + fixedSum(v.fixed) - fixedSum(s.fixed)).toBe(v.available + 1);

    // THEN synth refuses it, naming the arithmetic
    let refused: unknown;
    try {
      await E2eStack.start(model.stack);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(SynthError);
    expect((refused as Error).message).toContain('[SO-POOL]');
    expect((refused as Error).message).toContain(`demand ${v.available + 1} > available ${v.available}`);

    // WHEN forced with a suppression on the construct that owns the finding
    model.db.suppress('SO-POOL', 'e2e: prove the real server refuses the connection over budget');
    const report = evaluate(model.stack, { targets: ['compose'], profiles: ['dev'] });
    expect(report.suppressed.map((x) => x.problem.code)).toContain('SO-POOL');
    const r = await run(model, s, v.fixed, v.available, true);
    const why = describeRun(r);
    console.info(`${s.name} budget + 1 forced:`, why);

    // THEN the real server refuses connections as the role runs out of slots
    expect(r.refusals.length, why).toBeGreaterThan(0);
    expect(r.refusals[0]!.body).toMatch(/remaining connection slots are reserved for non-replication superuser connections/);
    expect(h!.pg!.logLines(/ 53300 FATAL: {2}remaining connection slots are reserved/).length, why).toBeGreaterThan(0);
    // and the role got exactly the slots the budget says it has, not one more
    expect(r.peak, why).toBe(v.available);
  }, 90_000);
});
