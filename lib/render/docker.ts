/**
 * The files a Docker engine runs, the same for compose and Pulumi: both put every replica of
 * a backend behind its construct id as a network alias, resolve it through Docker's embedded
 * DNS, and mount secrets under /run/secrets. One place builds their render options, so the
 * two targets cannot drift.
 */
import type { TargetKind } from '../capacity/target.js';
import type { ResolvedProfile } from '../plan/profile.js';
import { PGBOUNCER_EXPORTER_USER, poolerClientRoles } from '../plan/roles.js';
import { renderNginxConf } from './nginx-conf.js';
import { renderPgBouncerIni } from './pgbouncer-ini.js';

/** Docker's embedded DNS server on user-defined networks. */
export const DOCKER_DNS = '127.0.0.11';

/** Where compose and Pulumi mount a secret file. */
export const dockerSecretPath = (name: string): string => `/run/secrets/${name}`;

/** nginx.conf of one profile on Docker: upstreams by backend id, re-resolved through Docker DNS. */
export function dockerNginxConf(ctx: ResolvedProfile, stackName: string): string {
  return renderNginxConf(ctx.nginx!, ctx.backends, {
    stackName,
    upstreamHost: (b) => b.id,
    resolver: DOCKER_DNS,
    secretPath: dockerSecretPath,
    ...(ctx.monitoring ? { stubStatusPort: ctx.monitoring.nginxStatusPort } : {}),
  });
}

/**
 * pgbouncer.ini of one profile on Docker. `postgresHost` is the name the pooler reaches this
 * profile's Postgres by (compose names a profile's own server `<id>-<profile>`); `target`'s
 * semantics size the backends' client caps.
 */
export function dockerPgBouncerIni(ctx: ResolvedProfile, stackName: string, postgresHost: string, target: TargetKind): string {
  return renderPgBouncerIni(ctx.pooler!, ctx.postgres!, {
    stackName,
    postgresHost,
    secretPath: dockerSecretPath,
    clients: poolerClientRoles(ctx, target),
    // The pgbouncer exporter reads SHOW STATS as a user of its own.
    ...(ctx.monitoring ? { statsUsers: [PGBOUNCER_EXPORTER_USER] } : {}),
  });
}
