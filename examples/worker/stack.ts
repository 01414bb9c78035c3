/**
 * A whole application: the reference API, a queue worker tier and a database migration on
 * one Postgres and one Redis. `scaleout.yaml` beside it declares the same stack; both
 * synthesize to identical bytes.
 */
import type { Construct } from 'constructs';
import { Backend, Monitoring, Nginx, Postgres, Redis, Stack } from '../../lib/index.js';

export function workerStack(scope?: Construct): Stack {
  const stack = new Stack(scope, 'shop');
  new Backend(stack, 'api', {
    image: 'ghcr.io/acme/shop:1.0.0',
    replicas: 2,
    workers: 2,
    pool: { size: 5, maxOverflow: 5 },
    redisPool: 5,
    healthcheck: { path: '/api/health', interval: '15s', timeout: '5s', retries: 3, startPeriod: '30s' },
    resources: {
      limits: { cpu: 1, memory: '1Gi' },
      requests: { cpu: 0.5, memory: '512Mi' },
    },
    routes: ['/api/'],
    // Runs once per deploy before every backend that uses the database.
    migrations: { command: ['python3', 'migrate.py'], pool: 1 },
    profiles: { prod: { autoscale: { min: 2, max: 4 } } },
  });
  // No port, routes, Service or upstream: a queue consumer with an exec healthcheck.
  new Backend(stack, 'worker', {
    image: 'ghcr.io/acme/shop:1.0.0',
    kind: 'worker',
    command: ['python3', 'worker.py'],
    replicas: 2,
    workers: 2,
    pool: { size: 2, maxOverflow: 2 },
    redisPool: 4,
    metricsPort: 9100,
    env: { METRICS_PORT: '9100' },
    healthcheck: { command: ['CMD', 'python3', 'worker.py', '--check'], interval: '15s', timeout: '5s', retries: 3, startPeriod: '10s' },
    resources: {
      limits: { cpu: 1, memory: '512Mi' },
      requests: { cpu: 0.25, memory: '256Mi' },
    },
    profiles: {
      prod: {
        autoscale: { min: 2, max: 6, targetCpu: 80 },
        rollout: { maxSurge: 1, maxUnavailable: 0 },
      },
    },
  });
  new Nginx(stack, 'nginx', { algorithm: 'least_conn' });
  new Postgres(stack, 'db', { maxConnections: 200 });
  new Redis(stack, 'redis', { maxClients: 1000 });
  new Monitoring(stack, 'monitoring', { grafana: { adminPasswordSecret: 'grafana_admin_password' } });
  return stack;
}
