import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

// docs/ARCHITECTURE.md: worker_processes × worker_connections must cover 2 connections per proxied
// request plus the idle upstream keepalive connections (and one per listening socket).
// Peak requests default to what the backends serve at once: peak replicas × workers × pool max.
const nginxDemand = (requests: number, workerProcesses: number, keepalive = 32, listeners = 1) =>
  2 * requests + workerProcesses * (1 * keepalive + listeners);

describe('SO-NGINX-CONN', () => {
  it('fails when worker_connections cannot hold the peak', () => {
    // GIVEN compose peak requests 2 replicas × 1 worker × 15 = 30 → 2 × 30 + 33 = 93 > 64
    const demand = nginxDemand(2 * 1 * 15, 1);
    expect(demand).toBe(93);
    const { stack } = minimalStack({ nginx: { workerConnections: 64 } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'], profiles: ['dev'] });

    // THEN
    const [f, ...rest] = findingsOf(report, 'SO-NGINX-CONN');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'SO-NGINX-CONN', severity: 'error', path: 'uns/nginx', target: 'compose' });
    expect(formatProblem(f!)).toContain(`demand ${demand} > capacity 64`);
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-NGINX-CONN] uns/nginx (profile dev, target compose): nginx connection capacity exceeded
        peak proxied requests 30 (what the backends serve at once) × 2 connections (client + upstream) = 60
        idle upstream keepalive 32 × 1 worker process = 32
        listeners 1 × 1 worker process = 1
        demand 93 > capacity 64 (worker_processes 1 × worker_connections 64)
        fix one of: worker_connections ≥ 93 · worker_processes ≥ 2"
    `);
  });

  it('uses peakConcurrentRequests when set, and counts idle connections per worker process', () => {
    // GIVEN 2 × 500 + 2 × (32 + 2 listeners with TLS) = 1068 > 2 × 512
    const demand = nginxDemand(500, 2, 32, 2);
    const { stack } = minimalStack({
      nginx: {
        peakConcurrentRequests: 500,
        workerProcesses: 2,
        workerConnections: 512,
        tls: { certificateSecret: 'tls_crt', keySecret: 'tls_key' },
      },
    });
    // WHEN
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['prod'] }), 'SO-NGINX-CONN');
    // THEN
    const text = formatProblem(f!);
    expect(text).toContain(`peak proxied requests 500 (peakConcurrentRequests)`);
    expect(text).toContain(`demand ${demand} > capacity ${2 * 512}`);
    // the largest peakConcurrentRequests that fits: (1024 − 2 × 34) / 2
    expect(text).toContain(`peakConcurrentRequests ≤ ${Math.floor((1024 - 2 * 34) / 2)}`);
  });

  it('is suppressed by a suppression on the nginx construct', () => {
    // GIVEN
    const failing = minimalStack({ nginx: { workerConnections: 64 } }).stack;
    const { stack } = minimalStack({
      nginx: {
        workerConnections: 64,
        suppressions: [{ rule: 'SO-NGINX-CONN', reason: 'rate limited upstream of nginx', profiles: ['dev', 'prod'] }],
      },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-NGINX-CONN')).toEqual([]);
    expect(suppressedOf(report, 'SO-NGINX-CONN').map((f) => f.path)).toEqual(['uns/nginx', 'uns/nginx']);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes exactly at capacity', () => {
    // GIVEN kubernetes peak requests (2 + 1 + 1) × 1 × 15 = 60 → 153
    const demand = nginxDemand(4 * 15, 1);
    const exact = minimalStack({ nginx: { workerConnections: demand } }).stack;
    const short = minimalStack({ nginx: { workerConnections: demand - 1 } }).stack;
    // THEN
    expect(findingsOf(evaluate(exact, { targets: ['kubernetes'] }), 'SO-NGINX-CONN')).toEqual([]);
    expect(findingsOf(evaluate(short, { targets: ['kubernetes'] }), 'SO-NGINX-CONN')).toHaveLength(2);
  });
});
