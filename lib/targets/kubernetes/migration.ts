/**
 * Migrations on Kubernetes: an init container in every pod of every database-using backend,
 * running the migration's argv in the migrating backend's image (docs/ARCHITECTURE.md,
 * "Migrations on Kubernetes"). The migration serializes itself with a Postgres advisory lock
 * and is idempotent (`alembic upgrade head`), so the first pod migrates and the others find
 * nothing to do. No Job: its pod template is immutable, and waiting for it would need API
 * access that `automountServiceAccountToken: false` and default-deny take away.
 */
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ResolvedBackend } from '../../model/backend.js';
import { migrationEnv, migrationSecrets } from '../../render/backend-env.js';
import type { RuleContext } from '../../rules/rule.js';
import { mountSecrets, PULL, scratch, securityContext, setResources, type RunAs } from './container.js';
import { secretFile } from './names.js';

/** The init container's name for the migration of `owner`. */
export const migrationContainerName = (owner: ResolvedBackend): string => owner.migration!.serviceName;

/**
 * Adds one init container per migration of the stack to the pods of `b` (a backend that uses
 * the database), in declaration order. Returns the init containers added.
 */
export function addMigrations(
  scope: Construct,
  ctx: RuleContext,
  b: ResolvedBackend,
  deployment: kplus.Deployment,
  runAs: RunAs,
): kplus.Container[] {
  const pg = ctx.postgres;
  if (!pg || !b.pool) return [];
  const owners = ctx.backends.filter((o) => o.migration);
  return owners.map((owner, i) => {
    const env = migrationEnv(owner, pg, secretFile);
    const container = deployment.addInitContainer({
      name: migrationContainerName(owner),
      image: owner.image,
      imagePullPolicy: PULL,
      command: [...owner.migration!.command],
      envVariables: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
      resources: {},
      securityContext: securityContext(runAs),
    });
    // The migrating backend's resources: an init container counts toward the pod's request.
    setResources(deployment, owner.resources, `initContainers/${i}`);
    scratch(scope, `${b.serviceName}-tmp`, container, '/tmp');
    mountSecrets(scope, b.serviceName, container, migrationSecrets(owner));
    return container;
  });
}
