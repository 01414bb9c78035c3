import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { renderPgBouncerIni } from '../../render/pgbouncer-ini.js';
import type { RuleContext } from '../../rules/rule.js';
import { PGBOUNCER_EXPORTER_USER, poolerClientRoles } from '../../plan/roles.js';
import { labeledDeployment, podDisruptionBudget, preStopSleep, selectPods } from './workload.js';
import { dropAddressLabel, mountSecrets, PULL, scratch, securityContext, setResources } from './container.js';
import { appLabels, secretFile, selectorLabels } from './names.js';

/** The objects the pooler becomes; exposed so users can patch them. */
export interface PoolerResources {
  /** PgBouncer's Deployment. */
  readonly deployment: kplus.Deployment;
  /** The ConfigMap holding pgbouncer.ini. */
  readonly configMap: kplus.ConfigMap;
  /** The Service the backends connect through. */
  readonly service: kplus.Service;
  /** Keeps at most one pooler pod down during voluntary disruptions. */
  readonly disruptionBudget: kplus.k8s.KubePodDisruptionBudget;
  /** The pgbouncer.ini the ConfigMap holds. */
  readonly ini: string;
}

// PgBouncer refuses to run as root; uid/gid 70 is `postgres` in the alpine-based images.
const PGBOUNCER_USER = { user: 70, group: 70 };

/** PgBouncer as a Deployment: its ini in a ConfigMap (checksummed), the userlist from a Secret. */
export function pgbouncerResources(scope: Construct, ctx: RuleContext): PoolerResources {
  const p = ctx.pooler!;
  const pg = ctx.postgres!;
  const name = p.id;
  const stack = ctx.stack.stackName;
  const labels = appLabels(stack, ctx.profile, name, 'database');
  const selector = selectorLabels(stack, ctx.profile, name);
  const ini = renderPgBouncerIni(p, pg, {
    stackName: stack,
    postgresHost: pg.id,
    secretPath: secretFile,
    clients: poolerClientRoles(ctx, 'kubernetes'),
    // The pgbouncer exporter reads SHOW STATS as a user of its own.
    ...(ctx.monitoring ? { statsUsers: [PGBOUNCER_EXPORTER_USER] } : {}),
  });
  const configMap = new kplus.ConfigMap(scope, `${name}-ini`, { metadata: { name: `${name}-ini`, labels }, data: { 'pgbouncer.ini': ini } });
  const deployment = labeledDeployment(scope, {
    name,
    labels,
    selector,
    runAs: PGBOUNCER_USER,
    config: [ini],
    replicas: p.replicas,
    rollout: p.rollout,
  });
  const h = p.healthcheck;
  const probe = (failureThreshold: number) =>
    kplus.Probe.fromTcpSocket({
      port: p.port,
      periodSeconds: Duration.seconds(Math.max(1, h.interval.toSeconds())),
      timeoutSeconds: Duration.seconds(Math.max(1, h.timeout.toSeconds())),
      failureThreshold,
    });
  const container = deployment.addContainer({
    name: 'pgbouncer',
    image: p.image,
    imagePullPolicy: PULL,
    command: ['pgbouncer'],
    args: ['/etc/pgbouncer/pgbouncer.ini'],
    portNumber: p.port,
    resources: {},
    securityContext: securityContext(PGBOUNCER_USER),
    readiness: probe(h.retries),
    startup: probe(Math.ceil(h.startPeriod.milliseconds / (Math.max(1, h.interval.toSeconds()) * 1000)) + h.retries),
  });
  setResources(deployment, p.resources);
  dropAddressLabel(deployment);
  // The backends reach it through a Service: like a web backend, it keeps serving until its
  // endpoint is gone, then gets the same shutdown time.
  preStopSleep(deployment, p.preStopDelay);
  container.mount('/etc/pgbouncer/pgbouncer.ini', kplus.Volume.fromConfigMap(scope, `${name}-ini-vol`, configMap), {
    subPath: 'pgbouncer.ini',
    readOnly: true,
  });
  scratch(scope, `${name}-tmp`, container, '/tmp');
  mountSecrets(scope, name, container, [p.userlistSecret]);
  const service = new kplus.Service(scope, `${name}-service`, {
    metadata: { name, labels },
    ports: [{ name: 'postgres', port: p.port, targetPort: p.port }],
  });
  selectPods(service, selector);
  const disruptionBudget = podDisruptionBudget(scope, name, labels, selector);
  return { deployment, configMap, service, disruptionBudget, ini };
}
