import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { ResolvedResources } from '../../model/common.js';
import type { Memory } from '../../units/index.js';
import { quantities, SECRET_KEY, secretName } from './names.js';
import type { ProbeSpec } from './probes.js';

/** The identity a container runs as; chosen per image so it can really start. */
export interface RunAs {
  /** uid. */
  readonly user: number;
  /** gid; also the pod's fsGroup, so mounted volumes are writable. */
  readonly group: number;
}

/** Hardened defaults every container gets, with the uid/gid its image supports. */
export function securityContext(runAs: RunAs): kplus.ContainerSecurityContextProps {
  return {
    ensureNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    user: runAs.user,
    group: runAs.group,
  };
}

/** The pod-level context: fsGroup makes mounted volumes writable by the image's user. */
export function podSecurityContext(runAs: RunAs): kplus.PodSecurityContextProps {
  return { ensureNonRoot: true, user: runAs.user, group: runAs.group, fsGroup: runAs.group };
}

/** cdk8s-plus Probe from a mapped probe spec. */
export function toProbe(p: ProbeSpec): kplus.Probe {
  const opts = {
    periodSeconds: Duration.seconds(p.periodSeconds),
    timeoutSeconds: Duration.seconds(p.timeoutSeconds),
    failureThreshold: p.failureThreshold,
  };
  return p.httpGet
    ? kplus.Probe.fromHttpGet(p.httpGet.path, { ...opts, port: p.httpGet.port })
    : kplus.Probe.fromCommand([...p.exec!.command], opts);
}

/**
 * Sets a container's resources (the first app container unless `container` names another,
 * e.g. `initContainers/0`) to exact quantities. cdk8s-plus prints memory in Mi (`1024Mi`) and
 * cpu in millis; the model's own units (`1Gi`, `500m`) read better and round-trip with compose.
 */
export function setResources(workload: Construct, r: ResolvedResources, container = 'containers/0'): void {
  ApiObject.of(workload).addJsonPatch(JsonPatch.add(`/spec/template/spec/${container}/resources`, asQuantities(quantities(r))));
}

/**
 * Patches run before the L1 objects convert their fields, and those read a Quantity as
 * `{ value }`; a bare string would come out as null.
 */
export function quantity(text: string): { value: string } {
  return { value: text };
}

function asQuantities(q: ReturnType<typeof quantities>) {
  const wrap = (side?: Record<string, string>) => side && Object.fromEntries(Object.entries(side).map(([k, v]) => [k, quantity(v)]));
  return { ...(q.limits ? { limits: wrap(q.limits) } : {}), ...(q.requests ? { requests: wrap(q.requests) } : {}) };
}

/**
 * cdk8s-plus labels every pod template with a hashed `cdk8s.io/metadata.addr`; we select
 * on the app.kubernetes.io labels instead, so the manifests read (and diff) cleanly.
 */
export function dropAddressLabel(workload: Construct): void {
  ApiObject.of(workload).addJsonPatch(JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'));
}

/** Pull only when the pinned tag is missing locally; `Always` is cdk8s-plus's default. */
export const PULL = kplus.ImagePullPolicy.IF_NOT_PRESENT;

/** An emptyDir for a path a read-only root filesystem must still write (/tmp, sockets). */
export function scratch(scope: Construct, id: string, container: kplus.Container, path: string): void {
  // Containers of one pod (an init container and the app) share the one volume.
  const volume = (scope.node.tryFindChild(`${id}-vol`) as kplus.Volume | undefined) ?? kplus.Volume.fromEmptyDir(scope, `${id}-vol`, id);
  container.mount(path, volume);
}

/** Mounts model secrets as files at `/run/secrets/<name>/value`. */
export function mountSecrets(scope: Construct, prefix: string, container: kplus.Container, names: readonly string[]): void {
  for (const name of names) {
    const k8sName = secretName(name);
    // Containers of one pod (an init container and the app) share one volume per secret.
    const existing = scope.node.tryFindChild(`${prefix}-${k8sName}-vol`) as kplus.Volume | undefined;
    const volume =
      existing ??
      kplus.Volume.fromSecret(scope, `${prefix}-${k8sName}-vol`, kplus.Secret.fromSecretName(scope, `${prefix}-${k8sName}-ref`, k8sName), {
        name: `secret-${k8sName}`,
        items: { [SECRET_KEY]: { path: SECRET_KEY } },
      });
    container.mount(`/run/secrets/${name}`, volume, { readOnly: true });
  }
}

/** An env var read from a Secret by reference; the value never appears in a manifest. */
export function secretEnv(scope: Construct, id: string, name: string): kplus.EnvValue {
  return kplus.EnvValue.fromSecretValue({
    secret: kplus.Secret.fromSecretName(scope, id, secretName(name)),
    key: SECRET_KEY,
  });
}

/** Storage requests in the model's exact unit (cdk8s-plus prints fractional Gi). */
export function exactStorage(obj: Construct, path: string, size: Memory): void {
  ApiObject.of(obj).addJsonPatch(JsonPatch.replace(path, quantity(size.toKubernetes())));
}
