/**
 * `scaleout init`: a commented starter scaleout.yaml, the reference stack, with the line
 * that points YAML-aware editors at the JSON Schema the package ships.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';

/** Where an installed package's schema is, seen from a project's root. */
export const SCHEMA_LINE = '# yaml-language-server: $schema=node_modules/scaleout/schemas/scaleout.schema.json';

/** The starter file: the reference stack, every knob that matters commented. */
export const STARTER = `${SCHEMA_LINE}
# A scaleout stack: N replicas × W uvicorn workers, each worker with its own SQLAlchemy pool,
# behind nginx, sharing one PostgreSQL and one Redis. 'scaleout plan -c scaleout.yaml' shows
# the capacity of every profile; 'scaleout synth -c scaleout.yaml -o dist' writes compose and
# Kubernetes. Every key is documented in the schema above (hover in your editor).
name: uns                          # compose project name and label value (a DNS label)
backends:
  backend:                         # the backend's id: its DNS alias for nginx
    image: ghcr.io/uns/backend:5.4.1   # pin a tag (SO-IMAGE-TAG)
    port: 8000
    replicas: 1
    workers: 1                     # uvicorn workers per replica; each opens its own pool
    pool: { size: 5, maxOverflow: 5 }  # per worker: peak = replicas × workers × (size + maxOverflow)
    healthcheck: { path: /api/health, interval: 15s, timeout: 5s, retries: 3, startPeriod: 60s }
    resources:                     # binary memory units only: 512Mi, 1Gi
      limits: { cpu: 1, memory: 1Gi }
      requests: { cpu: 0.5, memory: 512Mi }
    routes: [/api/]                # URL prefixes nginx sends here
nginx:
  algorithm: round_robin           # or least_conn, ip_hash, hash
  keepalive: 32
  maxFails: 3
  failTimeout: 30s
postgres:
  maxConnections: 200              # 3 are reserved for superusers: 197 for the app
redis:
  maxClients: 10000
profiles:
  prod:                            # built-in profiles: dev (the base) and prod
    backends:
      backend:
        serviceName: backend-prod
        replicas: 3
        workers: 4
        resources:
          limits: { cpu: 2, memory: 2Gi }
          requests: { cpu: 1, memory: 1Gi }
        # Kubernetes: replace one pod at a time. With the default 25% surge a rollout peaks
        # at 3 + 1 surge + 1 draining = 5 pods × 4 workers × 10 = 200 > 197 (SO-POOL).
        rollout: { maxSurge: 0, maxUnavailable: 1 }
`;

/** Writes the starter to `path`; refuses to replace an existing file. */
export function writeStarter(path: string): void {
  if (existsSync(path)) {
    throw new ConfigError([
      { code: 'SO-CONFIG-OUTPUT', message: `${path} already exists; scaleout init never overwrites a file: remove it, or pass another -c FILE` },
    ]);
  }
  writeFileSync(path, STARTER);
}
