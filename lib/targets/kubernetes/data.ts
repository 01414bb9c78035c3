import { POSTGRES_PORT, postgresServerArgs } from '../../model/postgres.js';
import { REDIS_PORT } from '../../model/redis.js';
import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ResolvedCompute } from '../../model/common.js';
import type { RuleContext } from '../../rules/rule.js';
import type { Memory } from '../../units/index.js';
import { redisPingScript, redisStartScript } from '../../render/redis-server.js';
import { dropAddressLabel, mountSecrets, PULL, quantity, podSecurityContext, scratch, securityContext, setResources, type RunAs } from './container.js';
import { appLabels, secretFile, selectorLabels, type Component } from './names.js';

/** A single-replica data service; exposed so users can patch it. */
export interface DataResources {
  /** The StatefulSet with its data volume claim. */
  readonly statefulSet: kplus.StatefulSet;
  /** The Service the clients connect through. */
  readonly service: kplus.Service;
}

// The alpine images' own users: postgres is uid/gid 70, redis uid 999 in group 1000.
const POSTGRES_USER: RunAs = { user: 70, group: 70 };
const REDIS_USER: RunAs = { user: 999, group: 1000 };

interface DataSpec {
  readonly name: string;
  readonly component: Component;
  readonly image: string;
  readonly port: number;
  readonly runAs: RunAs;
  readonly resources: { readonly limits: ResolvedCompute; readonly requests: ResolvedCompute };
  /** Data directory, on a claim from the volumeClaimTemplate; undefined keeps it in an emptyDir. */
  readonly data: { readonly path: string; readonly size: Memory; readonly persistent: boolean };
  readonly scratch: readonly string[];
  readonly container: Omit<kplus.ContainerProps, 'image' | 'name' | 'resources' | 'securityContext'>;
}

function dataService(scope: Construct, ctx: RuleContext, spec: DataSpec): { res: DataResources; container: kplus.Container } {
  const { name } = spec;
  const stack = ctx.stack.stackName;
  const labels = appLabels(stack, ctx.profile, name, spec.component);
  const selector = selectorLabels(stack, ctx.profile, name);
  // Headless: clients resolve the pod itself, and the StatefulSet gets stable DNS.
  const service = new kplus.Service(scope, `${name}-service`, {
    metadata: { name, labels },
    clusterIP: 'None',
    ports: [{ name: spec.component === 'database' ? 'postgres' : 'redis', port: spec.port, targetPort: spec.port }],
  });
  const statefulSet = new kplus.StatefulSet(scope, name, {
    metadata: { name, labels },
    podMetadata: { labels },
    select: false,
    service,
    replicas: 1,
    securityContext: podSecurityContext(spec.runAs),
    automountServiceAccountToken: false,
  });
  statefulSet.select(kplus.LabelSelector.of({ labels: selector }));
  for (const [k, v] of Object.entries(selector)) service.selectLabel(k, v);
  // Passing the Service to the StatefulSet makes cdk8s-plus select its hashed label too.
  ApiObject.of(service).addJsonPatch(JsonPatch.remove('/spec/selector/cdk8s.io~1metadata.addr'));
  const container = statefulSet.addContainer({
    ...spec.container,
    name: spec.component === 'database' ? 'postgres' : 'redis',
    image: spec.image,
    imagePullPolicy: PULL,
    portNumber: spec.port,
    resources: {},
    securityContext: securityContext(spec.runAs),
  });
  setResources(statefulSet, spec.resources);
  dropAddressLabel(statefulSet);
  for (const path of spec.scratch) scratch(scope, `${name}-${path.split('/').pop()}`, container, path);
  const api = ApiObject.of(statefulSet);
  if (spec.data.persistent) {
    // cdk8s-plus-27 StatefulSets have no volumeClaimTemplates; add one through the escape hatch.
    api.addJsonPatch(
      JsonPatch.add('/spec/volumeClaimTemplates', [
        {
          metadata: { name: 'data', labels },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: quantity(spec.data.size.toKubernetes()) } } },
        },
      ]),
      JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: 'data', mountPath: spec.data.path }),
    );
  } else {
    scratch(scope, `${name}-data`, container, spec.data.path);
  }
  return { res: { statefulSet, service }, container };
}

const exec = (command: string[], periodSeconds: number, failureThreshold: number) =>
  kplus.Probe.fromCommand(command, {
    periodSeconds: Duration.seconds(periodSeconds),
    timeoutSeconds: Duration.seconds(5),
    failureThreshold,
  });

/** PostgreSQL with the model's connection limits as server args; the password by Secret reference. */
export function postgresResources(scope: Construct, ctx: RuleContext): DataResources {
  const pg = ctx.postgres!;
  const ready = ['pg_isready', '-h', '127.0.0.1', '-U', pg.user, '-d', pg.database];
  const { res, container } = dataService(scope, ctx, {
    name: pg.id,
    component: 'database',
    image: pg.image,
    port: POSTGRES_PORT,
    runAs: POSTGRES_USER,
    resources: pg.resources,
    // PGDATA is a subdirectory so the volume's lost+found never makes initdb refuse it.
    data: { path: '/var/lib/postgresql/data', size: pg.storage, persistent: true },
    scratch: ['/var/run/postgresql', '/tmp'],
    container: {
      args: postgresServerArgs(pg),
      envVariables: {
        PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata'),
        POSTGRES_DB: kplus.EnvValue.fromValue(pg.database),
        POSTGRES_USER: kplus.EnvValue.fromValue(pg.user),
        POSTGRES_PASSWORD_FILE: kplus.EnvValue.fromValue(secretFile(pg.passwordSecret)),
      },
      readiness: exec(ready, 5, 3),
      // initdb on a fresh volume takes a while: up to 5 s × 24 = 2 minutes.
      startup: exec(ready, 5, 24),
    },
  });
  mountSecrets(scope, pg.id, container, [pg.passwordSecret]);
  return res;
}

/**
 * Redis with maxclients from the model. The password is a mounted Secret file fed to
 * redis-server on stdin and to the probe's redis-cli through `--askpass`, so no argv or env
 * holds it (`lib/render/redis-server.ts`).
 */
export function redisResources(scope: Construct, ctx: RuleContext): DataResources {
  const r = ctx.redis!;
  const passwordFile = secretFile(r.passwordSecret);
  const ping = ['sh', '-c', redisPingScript(passwordFile)];
  const { res, container } = dataService(scope, ctx, {
    name: r.id,
    component: 'cache',
    image: r.image,
    port: REDIS_PORT,
    runAs: REDIS_USER,
    resources: r.resources,
    data: { path: '/data', size: r.storage, persistent: r.persistence !== 'none' },
    scratch: ['/tmp'],
    container: {
      // Already the redis user (runAsUser), so the image's entrypoint only execs the server.
      command: ['sh', '-c', redisStartScript(r, passwordFile)],
      readiness: exec(ping, 5, 3),
      startup: exec(ping, 5, 12),
    },
  });
  mountSecrets(scope, r.id, container, [r.passwordSecret]);
  return res;
}
