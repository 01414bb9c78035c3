import type { ResolvedBackend } from '../model/backend.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { Fix } from './fix.js';
import { peakReplicas } from './peak.js';
import type { TargetKind } from './target.js';

/**
 * Concurrent requests one worker process of a backend without a database pool is assumed
 * to serve: anyio's default threadpool size, which caps sync endpoints.
 */
export const NO_POOL_CONCURRENCY = 40;

/**
 * Bounds of a sized upstream keepalive cache. 32 is nginx's own default (1.29.7+) and the
 * seed's value; above 512 idle connections per worker and upstream the cache costs more
 * worker_connections than it saves reconnects.
 */
export const KEEPALIVE_BOUNDS = {
  /** The seed's value, and nginx's usual one: never size below it. */
  min: 32,
  /** Idle connections are file descriptors and backend sockets; never cache more. */
  max: 512,
} as const;

/** Requests one worker process of `b` serves at once. */
export function perWorkerConcurrency(b: ResolvedBackend): number {
  return b.pool ? b.pool.size + b.pool.maxOverflow : NO_POOL_CONCURRENCY;
}

/** Worker processes the budget counts; `auto` counts as 1 because the core count is unknown at synth. */
export function countedWorkerProcesses(nginx: ResolvedNginx): number {
  return nginx.workerProcesses === 'auto' ? 1 : nginx.workerProcesses;
}

/** The upstream keepalive of one backend, and where it came from. */
export interface UpstreamKeepalive {
  /** The backend this upstream proxies to. */
  readonly backend: ResolvedBackend;
  /** Idle connections cached per nginx worker process for this upstream. */
  readonly keepalive: number;
  /** false when the user set nginx.keepalive. */
  readonly sized: boolean;
  /** Replicas at scale × workers × in-flight per worker: the requests this upstream serves at once. */
  readonly concurrency: number;
  /** `⌈3 replicas × 1 worker × 40 in flight ÷ 2 nginx workers⌉ = 60` */
  readonly explain: string;
}

/**
 * Sizes the idle cache so that every request the backends can serve at once finds a cached
 * connection: with fewer slots than in-flight requests, nginx closes connections as
 * responses come back and opens new ones for the next requests. Replicas at scale
 * (autoscale.max or replicas), not rollout transients, so every target renders the same
 * nginx.conf. `replicas` overrides the backend's count (safe-scale asks "what if").
 */
export function upstreamKeepalive(nginx: ResolvedNginx, b: ResolvedBackend, replicas?: number): UpstreamKeepalive {
  const atScale = replicas ?? b.autoscale?.max ?? b.replicas;
  const perWorker = perWorkerConcurrency(b);
  const concurrency = atScale * b.workers * perWorker;
  if (nginx.keepalive !== undefined) {
    return { backend: b, keepalive: nginx.keepalive, sized: false, concurrency, explain: `nginx.keepalive ${nginx.keepalive}` };
  }
  const wp = countedWorkerProcesses(nginx);
  const raw = Math.ceil(concurrency / wp);
  const keepalive = Math.min(KEEPALIVE_BOUNDS.max, Math.max(KEEPALIVE_BOUNDS.min, raw));
  const bound = keepalive !== raw ? `, bounded to ${KEEPALIVE_BOUNDS.min}–${KEEPALIVE_BOUNDS.max}` : '';
  const autoNote = nginx.workerProcesses === 'auto' ? ' (auto, counted as 1)' : '';
  const explain =
    `⌈${atScale} replicas × ${b.workers} workers × ${perWorker} in flight ÷ ${wp} nginx worker(s)${autoNote}⌉ = ${raw}${bound}`;
  return { backend: b, keepalive, sized: true, concurrency, explain };
}

/** nginx connection capacity against its peak, for one profile and target. */
export interface NginxBudget {
  /** Whose rollout semantics the peak was counted under. */
  readonly target: TargetKind;
  /** nginx, resolved for the profile. */
  readonly nginx: ResolvedNginx;
  /** Worker processes counted; `auto` counts as 1 because the core count is unknown at synth. */
  readonly workerProcesses: number;
  /** Concurrent proxied requests at peak: `peakConcurrentRequests`, else what the backends can serve at once. */
  readonly peakRequests: number;
  /** Whether peakRequests was derived from the backends rather than set. */
  readonly derived: boolean;
  /** Upstream blocks: one per backend. */
  readonly upstreams: number;
  /** Each upstream's keepalive, in backend order. */
  readonly keepalives: readonly UpstreamKeepalive[];
  /** Σ keepalive over the upstreams: idle upstream connections one worker process may hold. */
  readonly idlePerWorker: number;
  /** Listening sockets per worker process: 1, or 2 with TLS. */
  readonly listeners: number;
  /** 2 × peak requests + worker_processes × (Σ upstream keepalive + listeners). */
  readonly demand: number;
  /** worker_processes × worker_connections. */
  readonly capacity: number;
  /** `demand ≤ capacity`. */
  readonly ok: boolean;
}

/** Requests the backends can serve at once: Σ peak replicas × workers × per-worker concurrency. */
export function backendConcurrency(backends: readonly ResolvedBackend[], target: TargetKind): number {
  return backends.reduce((sum, b) => sum + peakReplicas(b, target).total * b.workers * perWorkerConcurrency(b), 0);
}

/**
 * A proxied request holds two connections (client and upstream); each worker process also
 * keeps up to `keepalive` idle upstream connections per upstream and one per listening socket.
 * Counting `auto` as 1 worker is the strict case: when 2 × peak + idle fits one worker, it
 * fits N workers, whose capacity grows by N × worker_connections and idle only by N × idle.
 */
export function nginxBudget(nginx: ResolvedNginx, all: readonly ResolvedBackend[], target: TargetKind): NginxBudget {
  // Workers serve no HTTP: nginx neither proxies to them nor keeps an upstream for them.
  const backends = all.filter((b) => b.kind === 'web');
  const workerProcesses = countedWorkerProcesses(nginx);
  const derived = nginx.peakConcurrentRequests === undefined;
  const peakRequests = nginx.peakConcurrentRequests ?? backendConcurrency(backends, target);
  const upstreams = backends.length;
  const keepalives = backends.map((b) => upstreamKeepalive(nginx, b));
  const idlePerWorker = keepalives.reduce((s, k) => s + k.keepalive, 0);
  const listeners = nginx.tls ? 2 : 1;
  const demand = 2 * peakRequests + workerProcesses * (idlePerWorker + listeners);
  const capacity = workerProcesses * nginx.workerConnections;
  return {
    target,
    nginx,
    workerProcesses,
    peakRequests,
    derived,
    upstreams,
    keepalives,
    idlePerWorker,
    listeners,
    demand,
    capacity,
    ok: demand <= capacity,
  };
}

/** Fixes for an exceeded nginx budget: more connections per worker, more workers, or a lower set peak. */
export function nginxFixes(b: NginxBudget): Fix[] {
  const id = b.nginx.id;
  const perWorkerIdle = b.idlePerWorker + b.listeners;
  const fixes: Fix[] = [
    { knob: `${id}.workerConnections`, op: 'atLeast', value: Math.ceil(b.demand / b.workerProcesses), term: 'worker_connections' },
  ];
  // Each extra worker adds worker_connections of capacity but also its own idle connections.
  const room = b.nginx.workerConnections - perWorkerIdle;
  if (room > 0) fixes.push({ knob: `${id}.workerProcesses`, op: 'atLeast', value: Math.ceil((2 * b.peakRequests) / room), term: 'worker_processes' });
  if (!b.derived) {
    const peak = Math.floor((b.capacity - b.workerProcesses * perWorkerIdle) / 2);
    fixes.push({ knob: `${id}.peakConcurrentRequests`, op: 'atMost', value: peak, term: 'peakConcurrentRequests' });
  }
  return fixes;
}
