import type { ResolvedBackend, ResolvedMigration } from '../model/backend.js';
import type { TargetKind } from './target.js';

/** The connections one backend's migration holds during a rollout. */
export interface MigrationConnections {
  readonly backend: ResolvedBackend;
  readonly migration: ResolvedMigration;
  /** How many copies run at once: 1 on Docker; on Kubernetes, the pods a rollout starts at once. */
  readonly copies: number;
  /** `api-migrate (migration pool 1)`, or on Kubernetes `… × 2 starting pods: surge 1 + maxUnavailable 1)`. */
  readonly name: string;
  readonly demand: number;
}

/**
 * A migration is a fixed Postgres client while a rollout runs: old pods, new pods and the
 * migration hold connections at once. It connects to Postgres directly, also behind a pooler.
 * - compose runs it as one one-shot service, Pulumi as one container: `pool` once;
 * - Kubernetes runs it as an init container of every pod (docs/ARCHITECTURE.md, "Migrations
 *   on Kubernetes"); a rollout starts up to surge + maxUnavailable pods at once, each
 *   holding `pool` while it migrates or waits on the advisory lock.
 */
export function migrationConnections(backends: readonly ResolvedBackend[], target: TargetKind): MigrationConnections[] {
  return backends.flatMap((b) => {
    const m = b.migration;
    if (!m) return [];
    if (target !== 'kubernetes') return [{ backend: b, migration: m, copies: 1, name: `${m.serviceName} (migration pool ${m.pool})`, demand: m.pool }];
    const base = b.autoscale ? b.autoscale.max : b.replicas;
    const surge = b.rollout.maxSurge.resolve(base, 'up');
    const unavailable = b.rollout.maxUnavailable.resolve(base, 'down');
    const copies = Math.max(1, surge + unavailable);
    const name = `${m.serviceName} (migration pool ${m.pool} × ${copies} starting pod${copies === 1 ? '' : 's'}: surge ${surge} + maxUnavailable ${unavailable})`;
    return [{ backend: b, migration: m, copies, name, demand: m.pool * copies }];
  });
}
