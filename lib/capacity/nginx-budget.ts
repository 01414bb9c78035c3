import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedNginx } from '../model/nginx.js';
import { peakReplicas } from './peak.js';
import type { TargetKind } from './target.js';

/**
 * Concurrent requests one worker process of a backend without a database pool is assumed
 * to serve: anyio's default threadpool size, which caps sync endpoints.
 */
export const NO_POOL_CONCURRENCY = 40;

/** nginx connection capacity against its peak, for one profile and target. */
export interface NginxBudget {
  readonly target: TargetKind;
  readonly nginx: ResolvedNginx;
  /** Worker processes counted; `auto` counts as 1 because the core count is unknown at synth. */
  readonly workerProcesses: number;
  readonly peakRequests: number;
  /** Whether peakRequests was derived from the backends rather than set. */
  readonly derived: boolean;
  readonly upstreams: number;
  readonly listeners: number;
  /** 2 × peak requests + worker_processes × (upstreams × keepalive + listeners). */
  readonly demand: number;
  readonly capacity: number;
  readonly ok: boolean;
}

/** Requests the backends can serve at once: Σ peak replicas × workers × per-worker concurrency. */
export function backendConcurrency(backends: readonly ResolvedBackend[], target: TargetKind): number {
  return backends.reduce((sum, b) => {
    const perWorker = b.pool ? b.pool.size + b.pool.maxOverflow : NO_POOL_CONCURRENCY;
    return sum + peakReplicas(b, target).total * b.workers * perWorker;
  }, 0);
}

/**
 * A proxied request holds two connections (client and upstream); each worker process also
 * keeps up to `keepalive` idle upstream connections per upstream and one per listening socket.
 */
export function nginxBudget(nginx: ResolvedNginx, backends: readonly ResolvedBackend[], target: TargetKind): NginxBudget {
  const workerProcesses = nginx.workerProcesses === 'auto' ? 1 : nginx.workerProcesses;
  const derived = nginx.peakConcurrentRequests === undefined;
  const peakRequests = nginx.peakConcurrentRequests ?? backendConcurrency(backends, target);
  const upstreams = backends.length;
  const listeners = nginx.tls ? 2 : 1;
  const demand = 2 * peakRequests + workerProcesses * (upstreams * nginx.keepalive + listeners);
  const capacity = workerProcesses * nginx.workerConnections;
  return { target, nginx, workerProcesses, peakRequests, derived, upstreams, listeners, demand, capacity, ok: demand <= capacity };
}

export function nginxFixes(b: NginxBudget): string[] {
  const perWorkerIdle = b.upstreams * b.nginx.keepalive + b.listeners;
  const fixes = [`worker_connections ≥ ${Math.ceil(b.demand / b.workerProcesses)}`];
  // Each extra worker adds worker_connections of capacity but also its own idle connections.
  const room = b.nginx.workerConnections - perWorkerIdle;
  if (room > 0) fixes.push(`worker_processes ≥ ${Math.ceil((2 * b.peakRequests) / room)}`);
  if (!b.derived) fixes.push(`peakConcurrentRequests ≤ ${Math.floor((b.capacity - b.workerProcesses * perWorkerIdle) / 2)}`);
  return fixes;
}
