/**
 * Everything a DockerStack decides before it registers anything: the gate, image
 * overrides, the rendered nginx.conf and the capacity summary. Pure, so it runs (and
 * throws) before the component calls `super()`.
 */
import { ConfigError, type ConfigIssueInit } from '../../errors.js';
import { suggestion } from '../../model/did-you-mean.js';
import { hasDigest, imageTag, parseVersion, tagVersion } from '../../model/image.js';
import { imageRef } from '../../model/schema-kit.js';
import type { Stack } from '../../model/stack.js';
import { poolerAuthUsers, postgresRoles, type PostgresRole } from '../../plan/roles.js';
import { renderRolesSql } from '../../render/postgres-roles-sql.js';
import { dockerSecretPath } from '../../render/docker.js';
import { dockerNginxConf, dockerPgBouncerIni } from '../../render/docker.js';
import { backendSpec, migrationSpec, nginxSpec, pgbouncerSpec, postgresSpec, redisSpec, roleSetupSpec, type ServiceSpec } from '../../render/docker-services.js';
import { synthGate, type GateReport } from '../../rules/gate.js';
import type { RuleContext } from '../../rules/rule.js';
import { capacitySummary, type CapacitySummary } from './capacity-summary.js';
import { monitoringFiles, monitoringSpecs, type MonitoringFiles, type MonitoringSpec } from './monitoring.js';

/** Every container's spec for one profile, built once: the component registers these. */
export interface DockerSpecs {
  readonly postgres?: ServiceSpec;
  readonly redis?: ServiceSpec;
  /** Every PgBouncer instance runs this spec. */
  readonly pooler?: ServiceSpec;
  /** By backend id; every replica runs its backend's spec. */
  readonly backends: ReadonlyMap<string, ServiceSpec>;
  /** The one-shot role setup, with Postgres. */
  readonly roleSetup?: ServiceSpec;
  /** By backend id: the one-shot migration of each backend that declares one. */
  readonly migrations: ReadonlyMap<string, ServiceSpec>;
  readonly nginx?: ServiceSpec;
  readonly monitoring: readonly MonitoringSpec[];
}

/** The resolved, gated deployment of one profile. */
export interface DockerPlan {
  /** The model stack's name; containers, networks and volumes are named after it. */
  readonly stackName: string;
  /** The profile deployed. */
  readonly profile: string;
  /** The gate's report: warnings and suppressions (errors would have thrown). */
  readonly report: GateReport;
  /** The resolved profile, with image overrides applied. */
  readonly ctx: RuleContext;
  /** nginx.conf exactly as the compose target renders it for this profile. */
  readonly nginxConf: string;
  /** Budgets of this profile under Pulumi semantics. */
  readonly capacity: CapacitySummary;
  /**
   * The login roles' password secrets (lib/plan/roles.ts) and the pooler's other users',
   * sorted; the ones not set are derived from the superuser's (secrets.ts).
   */
  readonly roleSecrets: readonly string[];
  /**
   * Every secret some container mounts under /run/secrets and whose value is stored (read
   * off the containers' specs), and every role's password secret, sorted. The pooler's
   * userlist is not: it is written from the passwords of the users it lists.
   */
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
  return planWithSpecs(stack, profile, images);
}

/** A {@link DockerPlan} with the spec of every container, for the component that registers them. */
export interface DockerStackPlan extends DockerPlan {
  readonly specs: DockerSpecs;
}

/** {@link planDockerStack}, keeping the specs it read the secret list off. */
export function planWithSpecs(stack: Stack, profile: string, images: Readonly<Record<string, string>> = {}): DockerStackPlan {
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
  const specs: DockerSpecs = {
    ...(ctx.postgres ? { postgres: postgresSpec(ctx.postgres, ctx.postgres.id), roleSetup: roleSetupSpec(ctx.postgres, roles, 'roles.sql', ctx.postgres.id) } : {}),
    ...(ctx.redis ? { redis: redisSpec(ctx.redis, ctx.redis.id) } : {}),
    ...(ctx.pooler && ctx.postgres ? { pooler: pgbouncerSpec(ctx.pooler, 'pgbouncer.ini') } : {}),
    backends: new Map(ctx.backends.map((b) => [b.id, backendSpec(b, ctx.postgres, ctx.redis, ctx.pooler, {})])),
    migrations: new Map(ctx.postgres ? ctx.backends.filter((b) => b.migration).map((b) => [b.id, migrationSpec(b, ctx.postgres!, {})]) : []),
    ...(ctx.nginx ? { nginx: nginxSpec(ctx.nginx, 'nginx.conf') } : {}),
    monitoring: ctx.monitoring ? monitoringSpecs(ctx) : [],
  };
  const all = [specs.postgres, specs.roleSetup, specs.redis, specs.pooler, ...specs.backends.values(), ...specs.migrations.values(), specs.nginx, ...specs.monitoring.map((m) => m.spec)];
  const derived = ctx.pooler?.userlistSecret;
  const secretNames = [...new Set([...all.flatMap((spec) => spec?.secrets ?? []), ...roleSecrets])].filter((n) => n !== derived).sort();
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
    specs,
    secretNames,
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
  const problems: ConfigIssueInit[] = [];
  for (const [id, image] of Object.entries(images)) {
    if (!ids.includes(id)) {
      problems.push({
        code: 'SO-CONFIG-KEY',
        path: `images.${id}`,
        message: `stack '${ctx.stack.stackName}' has no construct '${id}'${suggestion(id, ids)}; known: ${ids.join(', ')}`,
      });
    } else if (typeof image !== 'string' || !imageRef.safeParse(image).success) {
      // Stack config is user input like the model's `image:`: the same grammar applies.
      const issue = typeof image === 'string' ? imageRef.safeParse(image).error?.issues[0]?.message : undefined;
      problems.push({ code: 'SO-CONFIG-VALUE', path: `images.${id}`, message: issue ?? `expected an image reference string like 'ghcr.io/acme/api:1.2.3'` });
    } else if (!hasDigest(image) && (imageTag(image) ?? 'latest') === 'latest') {
      problems.push({ code: 'SO-CONFIG-VALUE', path: `images.${id}`, message: `'${image}' is not pinned; give it a version tag (e.g. :1.2.3) or a digest` });
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
