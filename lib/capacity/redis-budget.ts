import type { ResolvedBackend } from '../model/backend.js';
import type { Fix } from './fix.js';
import { backendFix } from './postgres-budget.js';
import type { ResolvedRedis } from '../model/redis.js';
import { floorOf, largestAtMost, type MinReplicas } from './search.js';
import { peakReplicas, peakReplicasAt, type PeakReplicas } from './peak.js';
import type { TargetKind } from './target.js';

/** One backend's share of the Redis client demand. */
export interface BackendRedisClients {
  /** The backend, resolved for the profile. */
  readonly backend: ResolvedBackend;
  /** Its peak replicas under the target's semantics. */
  readonly peak: PeakReplicas;
  /** Worker processes per replica. */
  readonly workers: number;
  /** Redis connections per worker (`redisPool`). */
  readonly pool: number;
  /** peak replicas × workers × pool. */
  readonly demand: number;
}

/** The Redis `maxclients` budget of one profile under one target's semantics. */
export interface RedisBudget {
  /** Whose rollout semantics the peak was counted under. */
  readonly target: TargetKind;
  /** Redis, resolved for the profile; `maxClients` is the capacity. */
  readonly redis: ResolvedRedis;
  /** Backends that use Redis (`redisPool` > 0). */
  readonly backends: readonly BackendRedisClients[];
  /** Connections of clients other than the backends (exporters). */
  readonly fixedClients: number;
  /** Σ backends + fixed clients. */
  readonly demand: number;
  /** `demand ≤ maxclients`. */
  readonly ok: boolean;
}

/** demand = Σ peak_replicas × workers × redisPool + fixed clients ≤ maxclients. */
export function redisBudget(backends: readonly ResolvedBackend[], redis: ResolvedRedis, target: TargetKind): RedisBudget {
  const shares = backends
    .filter((b) => b.redisPool > 0)
    .map((b) => {
      const peak = peakReplicas(b, target);
      return { backend: b, peak, workers: b.workers, pool: b.redisPool, demand: peak.total * b.workers * b.redisPool };
    });
  const fixedClients = redis.fixedClients.reduce((s, c) => s + c.count, 0);
  const demand = shares.reduce((s, b) => s + b.demand, 0) + fixedClients;
  return { target, redis, backends: shares, fixedClients, demand, ok: demand <= redis.maxClients };
}

/** Fixes for an exceeded Redis budget; replica counts below `minReplicas` are not offered. */
export function redisFixes(budget: RedisBudget, minReplicas: MinReplicas = 1): Fix[] {
  const { backends, demand, redis, target } = budget;
  const fixes: Fix[] = [];
  const named = backends.length > 1;
  for (const s of backends) {
    const room = redis.maxClients - (demand - s.demand);
    const maxBase = largestAtMost(s.peak.base - 1, (m) => peakReplicasAt(s.backend, target, m).total * s.workers * s.pool <= room);
    if (maxBase !== undefined && maxBase >= floorOf(minReplicas, s.backend)) fixes.push(backendFix(s.backend, s.peak.knob, 'atMost', maxBase, named));
    const maxPool = largestAtMost(s.pool - 1, (p) => s.peak.total * s.workers * p <= room);
    if (maxPool !== undefined) fixes.push(backendFix(s.backend, 'redisPool', 'atMost', maxPool, named));
  }
  fixes.push(maxClientsFix(redis, demand));
  return fixes;
}

/** `redis.maxClients ≥ n`, worded as the server's `maxclients`. */
export function maxClientsFix(redis: ResolvedRedis, n: number): Fix {
  return { knob: `${redis.id}.maxClients`, op: 'atLeast', value: n, term: 'maxclients' };
}
