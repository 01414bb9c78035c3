import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ResolvedBackend } from '../../model/backend.js';
import { backendEnv, backendSecrets } from '../../render/backend-env.js';
import type { RuleContext } from '../../rules/rule.js';
import { dropAddressLabel, exactStorage, mountSecrets, PULL, scratch, securityContext, setResources, toProbe } from './container.js';
import { labeledDeployment, podDisruptionBudget, preStopSleep, selectPods } from './workload.js';
import { appLabels, secretFile, selectorLabels } from './names.js';
import { addMigrations } from './migration.js';
import { mapProbes } from './probes.js';

/** The objects one backend becomes; exposed so users can patch them. */
export interface BackendResources {
  /** The backend's Deployment. */
  readonly deployment: kplus.Deployment;
  /** The ClusterIP Service; a worker (`kind: worker`) has none. */
  readonly service?: kplus.Service;
  /** Resolves to every ready pod, for nginx's per-pod balancing; a worker has none. */
  readonly headlessService?: kplus.Service;
  /** One init container per migration of the stack, in the pods of a database-using backend. */
  readonly migrations: readonly kplus.Container[];
  /** The HorizontalPodAutoscaler, when the backend autoscales. */
  readonly autoscaler?: kplus.HorizontalPodAutoscaler;
  /** Keeps at most one pod down during voluntary disruptions. */
  readonly disruptionBudget: kplus.k8s.KubePodDisruptionBudget;
  /** One PersistentVolumeClaim per volume, in volume order. */
  readonly claims: readonly kplus.PersistentVolumeClaim[];
}

// Any uid runs a Python app whose files are world-readable; this one matches no system user.
const BACKEND_USER = { user: 10001, group: 10001 };

export function backendResources(scope: Construct, ctx: RuleContext, b: ResolvedBackend): BackendResources {
  const name = b.serviceName;
  const stack = ctx.stack.stackName;
  const labels = appLabels(stack, ctx.profile, name, 'backend');
  const selector = selectorLabels(stack, ctx.profile, name);
  const deployment = labeledDeployment(scope, {
    name,
    labels,
    selector,
    runAs: BACKEND_USER,
    // An HPA owns the count when autoscaling; a fixed replicas field would fight it.
    ...(b.autoscale ? {} : { replicas: b.replicas }),
    rollout: b.rollout,
  });
  const probes = b.healthcheck ? mapProbes(b.healthcheck) : undefined;
  const env = backendEnv(b, ctx.postgres, ctx.redis, secretFile, ctx.pooler);
  const web = b.kind === 'web';
  // Named, for the PodMonitor's endpoint (prometheusOperator); a worker has only its metrics port.
  const containerPorts = web ? [{ number: b.port, name: 'http' }] : b.metricsPort !== undefined ? [{ number: b.metricsPort, name: 'metrics' }] : [];
  const container = deployment.addContainer({
    name: 'app',
    image: b.image,
    imagePullPolicy: PULL,
    ...(b.command ? { command: [...b.command] } : {}),
    ...(b.args ? { args: [...b.args] } : {}),
    ...(containerPorts.length ? { ports: containerPorts } : {}),
    envVariables: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)])),
    resources: {},
    securityContext: securityContext(BACKEND_USER),
    ...(probes
      ? {
          readiness: toProbe(probes.readiness),
          startup: toProbe(probes.startup),
          ...(probes.liveness ? { liveness: toProbe(probes.liveness) } : {}),
        }
      : {}),
  });
  setResources(deployment, b.resources);
  dropAddressLabel(deployment);
  preStopSleep(deployment, b.preStopDelay);
  scratch(scope, `${name}-tmp`, container, '/tmp');
  mountSecrets(scope, name, container, backendSecrets(b, ctx.postgres, ctx.redis));
  const claims = b.volumes.map((v) => {
    const claim = new kplus.PersistentVolumeClaim(scope, `${name}-${v.name}`, {
      metadata: { name: `${name}-${v.name}`, labels },
      accessModes: [v.accessMode === 'ReadWriteMany' ? kplus.PersistentVolumeAccessMode.READ_WRITE_MANY : kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      storage: Size.mebibytes(v.size.toMebibytes()),
    });
    exactStorage(claim, '/spec/resources/requests/storage', v.size);
    container.mount(v.path, kplus.Volume.fromPersistentVolumeClaim(scope, `${name}-${v.name}-vol`, claim), { readOnly: v.readOnly });
    return claim;
  });

  const migrations = addMigrations(scope, ctx, b, deployment, BACKEND_USER);

  // Nothing connects to a worker: no Service (Prometheus finds its pods directly).
  const ports = [{ name: 'http', port: b.port, targetPort: b.port }];
  const service = web ? new kplus.Service(scope, `${name}-service`, { metadata: { name, labels }, ports }) : undefined;
  const headlessService = web
    ? new kplus.Service(scope, `${name}-headless`, { metadata: { name: `${name}-headless`, labels }, clusterIP: 'None', ports })
    : undefined;
  for (const svc of [service, headlessService]) if (svc) selectPods(svc, selector);
  const autoscaler = b.autoscale
    ? new kplus.HorizontalPodAutoscaler(scope, `${name}-hpa`, {
        metadata: { name, labels },
        target: deployment,
        minReplicas: b.autoscale.min,
        maxReplicas: b.autoscale.max,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(b.autoscale.targetCpu))],
      })
    : undefined;
  const disruptionBudget = podDisruptionBudget(scope, name, labels, selector);
  return {
    deployment,
    ...(service ? { service } : {}),
    ...(headlessService ? { headlessService } : {}),
    migrations,
    ...(autoscaler ? { autoscaler } : {}),
    disruptionBudget,
    claims,
  };
}
