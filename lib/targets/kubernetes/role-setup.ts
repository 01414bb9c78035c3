/**
 * The role setup on Kubernetes: a Job that runs the rendered script (lib/render/postgres-roles-sql.ts)
 * with psql from the Postgres image. A Job's pod template is immutable, so the Job and its
 * ConfigMap are named by a hash of what they run: a changed plan is a new Job that
 * `kubectl apply` creates, and an unchanged one is left alone. Until it has run, the backends'
 * logins fail and their pods restart; they start serving once their roles exist. A finished
 * Job is deleted after {@link ROLE_SETUP_TTL_SECONDS}, so changed plans leave no completed Jobs
 * behind; applying the same plan again recreates it, and the script is idempotent.
 */
import { createHash } from 'node:crypto';
import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { POSTGRES_PORT } from '../../model/postgres.js';
import { postgresRoles } from '../../plan/roles.js';
import { renderRolesSql, ROLE_SETUP_SQL_PATH, roleSetupPsqlArgs } from '../../render/postgres-roles-sql.js';
import type { RuleContext } from '../../rules/rule.js';
import { dropAddressLabel, mountSecrets, PULL, scratch, secretEnv, securityContext, setResources, podSecurityContext, type RunAs } from './container.js';
import { appLabels, secretFile } from './names.js';
import { resolveResources } from '../../model/resources.js';

/** The role-setup Job and its script; exposed so users can patch them. */
export interface RoleSetupResources {
  /** The Job, `<postgres id>-role-setup-<hash>`. */
  readonly job: kplus.Job;
  /** The script, in a ConfigMap of the Job's name. */
  readonly configMap: kplus.ConfigMap;
  /** The script the Job runs. */
  readonly sql: string;
  /** The workload name its pods carry (`app.kubernetes.io/name`), for network policies. */
  readonly workload: string;
}

// psql runs as the alpine image's postgres user (uid/gid 70), as the server does.
const PSQL_USER: RunAs = { user: 70, group: 70 };
/** Seconds a finished role-setup Job (and its pod and logs) is kept before Kubernetes deletes it. */
export const ROLE_SETUP_TTL_SECONDS = 300;

const RESOURCES = resolveResources({ limits: { cpu: 0.5, memory: '128Mi' }, requests: { cpu: 0.05, memory: '32Mi' } });

/** `<postgres id>-role-setup`, the workload name of the Job's pods. */
export function roleSetupWorkload(ctx: RuleContext): string {
  return `${ctx.postgres!.id}-role-setup`;
}

/** The Job, named `<postgres id>-role-setup-<hash of script, image and database>`. */
export function roleSetupResources(scope: Construct, ctx: RuleContext): RoleSetupResources {
  const pg = ctx.postgres!;
  const stack = ctx.stack.stackName;
  const workload = roleSetupWorkload(ctx);
  const roles = postgresRoles(ctx, 'kubernetes');
  const sql = renderRolesSql(roles, pg, { stackName: stack, secretPath: secretFile });
  const hash = createHash('sha256').update([sql, pg.image, pg.id, pg.user, pg.database].join('\u0000')).digest('hex').slice(0, 10);
  const name = `${workload}-${hash}`;
  const labels = appLabels(stack, ctx.profile, workload, 'database');
  const configMap = new kplus.ConfigMap(scope, `${workload}-sql`, { metadata: { name, labels }, data: { 'roles.sql': sql } });
  const job = new kplus.Job(scope, workload, {
    metadata: { name, labels },
    podMetadata: { labels },
    select: false,
    // Retries cover a server that is still starting; a script error fails the same way each time.
    backoffLimit: 6,
    // Named by content, every changed plan is a new Job: without a TTL the old ones pile up.
    ttlAfterFinished: Duration.seconds(ROLE_SETUP_TTL_SECONDS),
    securityContext: podSecurityContext(PSQL_USER),
    automountServiceAccountToken: false,
    restartPolicy: kplus.RestartPolicy.NEVER,
  });
  const container = job.addContainer({
    name: 'psql',
    image: pg.image,
    imagePullPolicy: PULL,
    command: ['psql'],
    args: ['-h', pg.id, '-p', String(POSTGRES_PORT), '-U', pg.user, '-d', pg.database, ...roleSetupPsqlArgs()],
    // The superuser's password by Secret reference; psql reads the roles' own from files.
    envVariables: { PGPASSWORD: secretEnv(scope, `${workload}-password`, pg.passwordSecret) },
    resources: {},
    securityContext: securityContext(PSQL_USER),
  });
  setResources(job, RESOURCES);
  dropAddressLabel(job);
  container.mount(ROLE_SETUP_SQL_PATH, kplus.Volume.fromConfigMap(scope, `${workload}-sql-vol`, configMap), { subPath: 'roles.sql', readOnly: true });
  scratch(scope, `${workload}-tmp`, container, '/tmp');
  mountSecrets(scope, workload, container, [...new Set(roles.map((r) => r.passwordSecret))].sort());
  return { job, configMap, sql, workload };
}
