/** A small stack for the check --live tests, and live facts that match its plan. */
import type { ResolvedProfile } from '../../../lib/plan/profile.js';
import { resolveProfile } from '../../../lib/plan/profile.js';
import { loadConfigText } from '../../../lib/cli/config.js';
import type { PostgresFacts } from '../../../lib/cli/live/facts.js';
import { postgresRoles } from '../../../lib/plan/roles.js';
import type { TargetKind } from '../../../lib/capacity/target.js';

/** One backend on one Postgres; prod runs a second compose service (`api-prod`) with 3 replicas. */
export const CONFIG = `name: shop
backends:
  api:
    image: ghcr.io/acme/api:1.0.0
    port: 8000
    replicas: 1
    workers: 2
    pool: { size: 4, maxOverflow: 2 }
    redisPool: 0
postgres:
  maxConnections: 40
profiles:
  prod:
    backends:
      api:
        replicas: 3
        rollout: { maxSurge: 0, maxUnavailable: 1 }
`;

/** The same stack with the backend autoscaled on Kubernetes. */
export const AUTOSCALED = CONFIG.replace('    replicas: 1\n', '').replace('        replicas: 3\n', '        autoscale: { min: 2, max: 2, targetCpu: 70 }\n');

/** `text` loaded and resolved for `profile`. */
export function profileOf(text: string, profile = 'prod'): ResolvedProfile {
  return resolveProfile(loadConfigText(text, 'scaleout.yaml'), profile);
}

/**
 * Postgres facts in line with the plan: the model's settings, every planned role with its
 * planned limit, and each role holding `held(limit)` connections.
 */
export function factsInLine(ctx: ResolvedProfile, target: TargetKind, held: (limit: number) => number = () => 0): PostgresFacts {
  const pg = ctx.postgres!;
  const roles = postgresRoles(ctx, target);
  return {
    serverVersion: 150018,
    maxConnections: pg.maxConnections,
    superuserReservedConnections: pg.superuserReservedConnections,
    roles: [{ name: 'postgres', connectionLimit: -1 }, ...roles.map((r) => ({ name: r.name, connectionLimit: r.connectionLimit }))],
    connections: roles.filter((r) => held(r.connectionLimit) > 0).map((r) => ({ role: r.name, applicationName: 'app', count: held(r.connectionLimit) })),
  };
}
