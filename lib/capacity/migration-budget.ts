import type { ResolvedBackend, ResolvedMigration } from '../model/backend.js';
import { peakReplicas, peakReplicasAt, type Scalable } from './peak.js';
import type { TargetKind } from './target.js';

/** The connections one backend's migration holds during a rollout. */
export interface MigrationConnections {
  /** The backend that declares the migration. */
  readonly backend: ResolvedBackend;
  /** The migration itself: its command and pool. */
  readonly migration: ResolvedMigration;
  /** How many copies run at once: 1 on Docker; on Kubernetes, the pods a rollout starts at once. */
  readonly copies: number;
  /** `api-migrate (migration pool 1)`, or on Kubernetes `… × 3 starting pods, surge + maxUnavailable: api 2 + worker 1)`. */
  readonly name: string;
  /** `pool × copies`: the connections it adds to the fixed clients. */
  readonly demand: number;
}

/**
 * A migration is a fixed Postgres client while a rollout runs: old pods, new pods and the
 * migration hold connections at once. It connects to Postgres directly, also behind a pooler.
 * - compose runs it as one one-shot service, Pulumi as one container: `pool` once;
 * - Kubernetes runs it as an init container in every pod of every database-using backend
 *   (docs/ARCHITECTURE.md, "Migrations on Kubernetes"); a rollout starts up to
 *   surge + maxUnavailable pods of each at once (at least 1), each copy holding `pool`
 *   while it migrates or waits on the advisory lock.
 */
export function migrationConnections(backends: readonly ResolvedBackend[], target: TargetKind): MigrationConnections[] {
  // Kubernetes runs every migration in the pods of every database-using backend.
  const starting = backends.filter((b) => b.pool).map((b) => ({ b, pods: startingPods(b, peakReplicas(b, 'kubernetes').base) }));
  const copies = starting.reduce((s, x) => s + x.pods, 0);
  const terms = starting.map((x) => `${x.b.serviceName} ${x.pods}`).join(' + ');
  return backends.flatMap((b) => {
    const m = b.migration;
    if (!m) return [];
    if (target !== 'kubernetes' || copies === 0) {
      return [{ backend: b, migration: m, copies: 1, name: `${m.serviceName} (migration pool ${m.pool})`, demand: m.pool }];
    }
    const name = `${m.serviceName} (migration pool ${m.pool} × ${copies} starting pod${copies === 1 ? '' : 's'}, surge + maxUnavailable: ${terms})`;
    return [{ backend: b, migration: m, copies, name, demand: m.pool * copies }];
  });
}

/**
 * Pods a Kubernetes rollout of `b` starts at once with its knob (replicas or autoscale.max)
 * at `base`: surge + maxUnavailable, at least 1. Each runs the stack's migrations as init
 * containers.
 */
export function startingPods(b: Scalable, base: number): number {
  const peak = peakReplicasAt(b, 'kubernetes', base);
  return Math.max(1, peak.surge + peak.unavailable);
}

/** Σ pool of every migration: the connections each starting pod adds on Kubernetes. */
export function migrationPools(migrations: readonly MigrationConnections[]): number {
  return migrations.reduce((s, m) => s + m.migration.pool, 0);
}

/**
 * How the migrations' demand moves when `backend`'s knob goes from its value to `n`, the
 * others unchanged: on Kubernetes every migration runs in each starting pod of every
 * database-using backend, so `pools` ({@link migrationPools}) × (startingPods at `n` − at
 * its value); elsewhere a migration runs once, whatever the replicas.
 */
export function migrationDelta(pools: number, backend: ResolvedBackend, target: TargetKind): (n: number) => number {
  if (target !== 'kubernetes' || !backend.pool || pools === 0) return () => 0;
  const now = startingPods(backend, peakReplicas(backend, target).base);
  return (n) => pools * (startingPods(backend, n) - now);
}
