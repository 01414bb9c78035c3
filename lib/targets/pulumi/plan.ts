/**
 * Everything a DockerStack decides before it registers anything: the gate, image
 * overrides, the rendered nginx.conf and the capacity summary. Pure, so it runs (and
 * throws) before the component calls `super()`.
 */
import { ConfigError } from '../../errors.js';
import { suggestion } from '../../model/did-you-mean.js';
import { hasDigest, imageTag, parseVersion, tagVersion } from '../../model/image.js';
import type { Stack } from '../../model/stack.js';
import { poolerAuthUsers, postgresRoles, type PostgresRole } from '../../plan/roles.js';
import { backendSecrets } from '../../render/backend-env.js';
import { renderRolesSql } from '../../render/postgres-roles-sql.js';
import { dockerSecretPath } from '../../render/docker.js';
import { dockerNginxConf, dockerPgBouncerIni } from '../../render/docker.js';
import { synthGate, type GateReport } from '../../rules/gate.js';
import type { RuleContext } from '../../rules/rule.js';
import { capacitySummary, type CapacitySummary } from './capacity-summary.js';
import { monitoringFiles, type MonitoringFiles } from './monitoring.js';

/** The resolved, gated deployment of one profile. */
export interface DockerPlan {
  readonly stackName: string;
  readonly profile: string;
  /** The gate's report: warnings and suppressions (errors would have thrown). */
  readonly report: GateReport;
  /** The resolved profile, with image overrides applied. */
  readonly ctx: RuleContext;
  /** nginx.conf exactly as the compose target renders it for this profile. */
  readonly nginxConf: string;
  readonly capacity: CapacitySummary;
  /**
   * The login roles' password secrets (lib/plan/roles.ts) and the pooler's other users',
   * sorted; the ones not set are derived from the superuser's (secrets.ts).
   */
  readonly roleSecrets: readonly string[];
  /** Every secret some container mounts under /run/secrets, sorted. */
  readonly secretNames: readonly string[];
  /** The Postgres login roles of this profile under Pulumi semantics (lib/plan/roles.ts). */
  readonly roles: readonly PostgresRole[];
  /** The role-setup script the one-shot container runs, when the stack has Postgres. */
  readonly rolesSql?: string;
  /** The pooler's pgbouncer.ini, when the stack has one. */
  readonly pgbouncerIni?: string;
  /** Prometheus and Grafana files to upload, when the stack has Monitoring. */
  readonly monitoring?: MonitoringFiles;
}

/**
 * Runs the one synth gate for `profile` under Pulumi semantics and prepares the deployment.
 * Throws SynthError when a rule fails and ConfigError for bad input; registers nothing.
 *
 * @param images image overrides by construct id (`backend`, `nginx`, `db`, `redis`)
 */
export function planDockerStack(stack: Stack, profile: string, images: Readonly<Record<string, string>> = {}): DockerPlan {
  const report = synthGate(stack, { targets: ['pulumi'], profiles: [profile] });
  const ctx = applyImages(report.contexts[0]!, images);
  // Every replica container carries the backend id as a network alias (see containers.ts),
  // so nginx.conf is the one compose gets.
  const nginxConf = dockerNginxConf(ctx, stack.stackName);
  // The pooler's userlist is built from the passwords of the users it lists, so it needs no
  // secret of its own here.
  const pgbouncerIni = ctx.pooler && ctx.postgres ? dockerPgBouncerIni(ctx, stack.stackName, ctx.postgres.id, 'pulumi') : undefined;
  const roles = postgresRoles(ctx, 'pulumi');
  const rolesSql = ctx.postgres ? renderRolesSql(roles, ctx.postgres, { stackName: stack.stackName, secretPath: dockerSecretPath }) : undefined;
  const roleSecrets = new Set([...roles.map((r) => r.passwordSecret), ...poolerAuthUsers(ctx).map((u) => u.passwordSecret)]);
  const secrets = new Set<string>(roleSecrets);
  if (ctx.postgres) secrets.add(ctx.postgres.passwordSecret);
  if (ctx.redis) secrets.add(ctx.redis.passwordSecret);
  for (const b of ctx.backends) for (const s of backendSecrets(b, ctx.postgres, ctx.redis)) secrets.add(s);
  if (ctx.nginx?.tls) secrets.add(ctx.nginx.tls.certificateSecret).add(ctx.nginx.tls.keySecret);
  if (ctx.monitoring) secrets.add(ctx.monitoring.grafana.adminPasswordSecret);
  const monitoring = ctx.monitoring ? monitoringFiles(ctx, stack.stackName) : undefined;
  return {
    stackName: stack.stackName,
    profile,
    report,
    ctx,
    nginxConf,
    roles,
    ...(rolesSql !== undefined ? { rolesSql } : {}),
    ...(pgbouncerIni ? { pgbouncerIni } : {}),
    ...(monitoring ? { monitoring } : {}),
    capacity: capacitySummary(ctx),
    secretNames: [...secrets].sort(),
    roleSecrets: [...roleSecrets].sort(),
  };
}

/**
 * Replaces images by construct id. Overrides are deploy-time input (stack config), so each
 * must be pinned: a tag other than `latest`, or a digest. nginx.conf is rendered for the
 * version in the override's tag when it has one, since that is the nginx that will run.
 */
function applyImages(ctx: RuleContext, images: Readonly<Record<string, string>>): RuleContext {
  const ids = [...ctx.backends.map((b) => b.id), ctx.nginx?.id, ctx.postgres?.id, ctx.pooler?.id, ctx.redis?.id].filter(
    (x): x is string => x !== undefined,
  );
  const problems: string[] = [];
  for (const [id, image] of Object.entries(images)) {
    if (!ids.includes(id)) {
      problems.push(`images.${id}: stack '${ctx.stack.stackName}' has no construct '${id}'${suggestion(id, ids)}; known: ${ids.join(', ')}`);
    } else if (!hasDigest(image) && (imageTag(image) ?? 'latest') === 'latest') {
      problems.push(`images.${id}: '${image}' is not pinned; give it a version tag (e.g. :1.2.3) or a digest`);
    }
  }
  if (problems.length) throw new ConfigError(problems, `image overrides for profile ${ctx.profile}:`);
  const pick = (id: string, image: string) => images[id] ?? image;
  const n = ctx.nginx;
  const nginxTagVersion = n && images[n.id] !== undefined ? tagVersion(images[n.id]!) : undefined;
  const nginx = n && {
    ...n,
    image: pick(n.id, n.image),
    version: nginxTagVersion ? parseVersion(nginxTagVersion) : n.version,
  };
  return {
    ...ctx,
    backends: ctx.backends.map((b) => ({ ...b, image: pick(b.id, b.image) })),
    ...(nginx ? { nginx } : {}),
    ...(ctx.postgres ? { postgres: { ...ctx.postgres, image: pick(ctx.postgres.id, ctx.postgres.image) } } : {}),
    ...(ctx.pooler ? { pooler: { ...ctx.pooler, image: pick(ctx.pooler.id, ctx.pooler.image) } } : {}),
    ...(ctx.redis ? { redis: { ...ctx.redis, image: pick(ctx.redis.id, ctx.redis.image) } } : {}),
  };
}
