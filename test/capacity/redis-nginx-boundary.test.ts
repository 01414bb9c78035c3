/**
 * SO-REDIS and SO-NGINX-CONN at the exact boundary. Expected demand is computed here from
 * The formulas of docs/ARCHITECTURE.md: Redis Σ peak × workers × redisPool + fixed ≤ maxclients; nginx
 * 2 × peak requests + worker_processes × (Σ upstream keepalive + listeners) ≤
 * worker_processes × worker_connections.
 */
import { describe, expect, it } from 'vitest';
import {
  Backend,
  evaluate,
  formatProblem,
  Nginx,
  Postgres,
  Redis,
  Stack,
  type NginxProps,
  type RedisProps,
} from '../../lib/index.js';

const base = {
  image: 'ghcr.io/acme/api:1.0.0',
  healthcheck: {},
  resources: { limits: { cpu: 1, memory: '1Gi' } },
};

function findings(rule: string, redis: RedisProps, nginx: NginxProps, target: 'compose' | 'kubernetes' = 'compose') {
  const stack = new Stack(undefined, 'uns');
  new Backend(stack, 'api', { ...base, replicas: 3, workers: 2, redisPool: 7, pool: { size: 5, maxOverflow: 5 }, routes: ['/api/'] });
  new Backend(stack, 'jobs', { ...base, replicas: 2, workers: 1, redisPool: 4, database: false, routes: ['/jobs/'] });
  new Nginx(stack, 'nginx', nginx);
  new Postgres(stack, 'db', { maxConnections: 10_000 });
  new Redis(stack, 'redis', redis);
  return evaluate(stack, { targets: [target], profiles: ['dev'] }).errors.filter((f) => f.code === rule);
}

describe('SO-REDIS boundary', () => {
  const demand = 3 * 2 * 7 + 2 * 1 * 4 + 2; // two backends + exporter 1 + cli 1

  it('passes at maxclients = demand and fails at demand − 1', () => {
    const fixed = { fixedClients: { exporter: 1, cli: 1 } };
    expect(findings('SO-REDIS', { maxClients: demand, ...fixed }, { workerConnections: 65535 })).toEqual([]);
    const [f] = findings('SO-REDIS', { maxClients: demand - 1, ...fixed }, { workerConnections: 65535 });
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-REDIS] uns/redis (profile dev, target compose): Redis client budget exceeded
        api  3 replicas at peak (replicas 3)
             × 2 workers × redis pool 7 = 42
        jobs  2 replicas at peak (replicas 2)
              × 1 worker × redis pool 4 = 8
        fixed clients cli 1 + exporter 1 = 2
        demand 52 > maxclients 51
        fix one of: api replicas ≤ 2 · api redisPool ≤ 6 · jobs replicas ≤ 1 · jobs redisPool ≤ 3 · maxclients ≥ 52"
    `);
  });

  it('counts the Kubernetes peak: replicas + surge + draining', () => {
    // api: 3 + ceil(25% × 3) + 1 = 5; jobs: 2 + ceil(25% × 2) + 1 = 4
    const k8s = 5 * 2 * 7 + 4 * 1 * 4;
    expect(findings('SO-REDIS', { maxClients: k8s }, { workerConnections: 65535 }, 'kubernetes')).toEqual([]);
    expect(findings('SO-REDIS', { maxClients: k8s - 1 }, { workerConnections: 65535 }, 'kubernetes')).toHaveLength(1);
  });
});

describe('SO-NGINX-CONN boundary', () => {
  // Derived peak requests: api 3 × 2 × (5 + 5) + jobs 2 × 1 × 40 (no pool: anyio's threadpool)
  const peak = 3 * 2 * 10 + 2 * 1 * 40;

  it('derives the peak from the backends: 2 × requests + keepalive per upstream + listener', () => {
    const wp = 2;
    const demand = 2 * peak + wp * (2 * 16 + 1);
    const wc = Math.ceil(demand / wp);
    expect(demand % wp).toBe(0);
    expect(findings('SO-NGINX-CONN', {}, { workerProcesses: wp, workerConnections: wc, keepalive: 16 })).toEqual([]);
    const [f] = findings('SO-NGINX-CONN', {}, { workerProcesses: wp, workerConnections: wc - 1, keepalive: 16 });
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-NGINX-CONN] uns/nginx (profile dev, target compose): nginx connection capacity exceeded
        peak proxied requests 140 (what the backends serve at once) × 2 connections (client + upstream) = 280
        idle upstream keepalive (16 + 16) × 2 worker processes = 64
        listeners 1 × 2 worker processes = 2
        demand 346 > capacity 344 (worker_processes 2 × worker_connections 172)
        fix one of: worker_connections ≥ 173 · worker_processes ≥ 3"
    `);
  });

  it('counts TLS as a second listener and honours an explicit peak', () => {
    const tls = { certificateSecret: 'cert', keySecret: 'key' };
    // Sized keepalive, one counted worker: api 3 × 2 × 10 = 60, jobs 2 × 1 × 40 = 80
    const demand = 2 * 500 + 1 * (60 + 80 + 2);
    const nginx = { peakConcurrentRequests: 500, workerProcesses: 'auto', tls } as const;
    expect(findings('SO-NGINX-CONN', {}, { ...nginx, workerConnections: demand })).toEqual([]);
    const [f] = findings('SO-NGINX-CONN', {}, { ...nginx, workerConnections: demand - 1 });
    expect(formatProblem(f!)).toContain('idle upstream keepalive (60 + 80) × 1 worker process = 140');
    expect(formatProblem(f!)).toContain('(worker_processes auto counted as 1)');
    expect(formatProblem(f!)).toContain('peakConcurrentRequests ≤ 499');
  });
});
