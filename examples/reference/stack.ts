/**
 * The reference stack: the seed's system (FastAPI backend behind nginx, one PostgreSQL,
 * one Redis) declared with constructs. `scaleout.yaml` beside it declares the same stack;
 * both synthesize to identical bytes.
 */
import type { Construct } from 'constructs';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../lib/index.js';

export function referenceStack(scope?: Construct): Stack {
  const stack = new Stack(scope, 'uns');
  new Backend(stack, 'backend', {
    image: 'ghcr.io/uns/backend:5.4.1',
    port: 8000,
    replicas: 1,
    workers: 1,
    pool: { size: 5, maxOverflow: 5 },
    healthcheck: { path: '/api/health', interval: '15s', timeout: '5s', retries: 3, startPeriod: '60s' },
    resources: {
      limits: { cpu: 1, memory: '1Gi' },
      requests: { cpu: 0.5, memory: '512Mi' },
    },
    routes: ['/api/'],
    profiles: {
      prod: {
        serviceName: 'backend-prod',
        replicas: 3,
        workers: 4,
        resources: {
          limits: { cpu: 2, memory: '2Gi' },
          requests: { cpu: 1, memory: '1Gi' },
        },
        // Kubernetes: replace one pod at a time. With the default 25% surge a rollout peaks
        // at 3 + 1 surge + 1 draining = 5 pods × 4 workers × 10 = 200 > 197 (SO-POOL).
        rollout: { maxSurge: 0, maxUnavailable: 1 },
      },
    },
  });
  new Nginx(stack, 'nginx', { algorithm: 'round_robin', keepalive: 32, maxFails: 3, failTimeout: '30s' });
  new Postgres(stack, 'db', { maxConnections: 200 });
  new Redis(stack, 'redis', { maxClients: 10000 });
  return stack;
}
