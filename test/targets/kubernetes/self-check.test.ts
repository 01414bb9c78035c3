/**
 * A self-check modelled on kube-score, kube-linter and Polaris (reference/peers.md §8): each
 * check is a small pure function from a chart's manifests to its violations. Every check runs
 * on every example and profile, and has a negative test that mutates a copy of a rendered
 * manifest so the check reports it.
 */
import { describe, expect, it } from 'vitest';
import {
  byKind,
  containersOf,
  copy,
  exampleCharts,
  named,
  podLabelsOf,
  podSpecOf,
  selects,
  serviceSelects,
  workloads,
  type Manifest,
} from '../../helpers/k8s.js';

type Check = (manifests: readonly Manifest[]) => string[];

const id = (m: Manifest) => `${m.kind}/${m.metadata.name}`;

/** Each container of each workload, with a label for messages. */
function eachContainer(manifests: readonly Manifest[]) {
  return workloads(manifests).flatMap((w) =>
    containersOf(w).map(({ container, init }) => ({
      w,
      c: container,
      init,
      where: `${id(w)} ${init ? 'initContainer' : 'container'} ${container.name}`,
    })),
  );
}

/** kube-score container-resources, kube-linter unset-*-requirements, Polaris efficiency. */
const containerResources: Check = (manifests) =>
  eachContainer(manifests).flatMap(({ c, where }) =>
    (['requests', 'limits'] as const).flatMap((side) =>
      (['cpu', 'memory'] as const)
        .filter((r) => c.resources?.[side]?.[r] === undefined || c.resources[side][r] === '')
        .map((r) => `${where}: no ${r} ${side}`),
    ),
  );

/**
 * Polaris readinessProbeMissing; kube-score pod-probes; startup probe per the issue. Init
 * containers cannot have probes (the API rejects them) unless they are sidecars
 * (`restartPolicy: Always`), so only those are checked.
 */
const containerProbes: Check = (manifests) =>
  eachContainer(manifests)
    // A Job's container runs to completion (the role setup): nothing to probe.
    .filter(({ w }) => w.kind !== 'Job')
    .filter(({ c, init }) => !init || c.restartPolicy === 'Always')
    .flatMap(({ c, where }) => [
      ...(c.readinessProbe ? [] : [`${where}: no readinessProbe`]),
      ...(c.startupProbe ? [] : [`${where}: no startupProbe`]),
    ]);

/** kube-linter liveness-port / readiness-port / startup-port: a probe's port must exist. */
const probePorts: Check = (manifests) =>
  eachContainer(manifests).flatMap(({ c, where }) => {
    const ports = (c.ports ?? []) as { containerPort: number; name?: string }[];
    return (['readinessProbe', 'startupProbe', 'livenessProbe'] as const).flatMap((p) => {
      const port = c[p]?.httpGet?.port ?? c[p]?.tcpSocket?.port;
      if (port === undefined) return [];
      const ok = typeof port === 'number' ? ports.some((x) => x.containerPort === port) : ports.some((x) => x.name === port);
      return ok ? [] : [`${where}: ${p} port ${port} is not a container port`];
    });
  });

/** runAsNonRoot (pod or container), readOnlyRootFilesystem, no privilege escalation. */
const containerSecurity: Check = (manifests) =>
  eachContainer(manifests).flatMap(({ w, c, where }) => {
    const pod = podSpecOf(w)?.securityContext ?? {};
    const sc = c.securityContext ?? {};
    const out: string[] = [];
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) out.push(`${where}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) out.push(`${where}: runs as uid 0`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${where}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged === true) out.push(`${where}: privileged`);
    return out;
  });

/** The tag of an image reference, or undefined when it has none (a digest counts as pinned). */
function imageTag(image: string): string | undefined {
  if (image.includes('@sha256:')) return image.split('@')[1];
  const last = image.slice(image.lastIndexOf('/') + 1);
  const i = last.indexOf(':');
  return i === -1 ? undefined : last.slice(i + 1);
}

/** kube-score container-image-tag, kube-linter latest-tag, Polaris tagNotSpecified. */
const imageTags: Check = (manifests) =>
  eachContainer(manifests).flatMap(({ c, where }) => {
    const tag = imageTag(String(c.image ?? ''));
    if (tag === undefined || tag === '') return [`${where}: image '${c.image}' has no tag`];
    return tag === 'latest' ? [`${where}: image '${c.image}' uses the latest tag`] : [];
  });

function hpaTargets(manifests: readonly Manifest[]): Set<string> {
  return new Set(byKind(manifests, 'HorizontalPodAutoscaler').map((h) => `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`));
}

/** kube-score deployment-has-poddisruptionbudget, Polaris missingPodDisruptionBudget. */
const disruptionBudgets: Check = (manifests) => {
  const scaled = hpaTargets(manifests);
  const pdbs = byKind(manifests, 'PodDisruptionBudget');
  return byKind(manifests, 'Deployment')
    .filter((d) => (d.spec.replicas ?? 1) > 1 || scaled.has(id(d)))
    .filter((d) => !pdbs.some((p) => selects(p.spec?.selector, podLabelsOf(d))))
    .map((d) => `${id(d)}: no PodDisruptionBudget selects its pods`);
};

/** kube-score pod-topology-spread-constraints, for the same Deployments as the PDB check. */
const topologySpread: Check = (manifests) => {
  const scaled = hpaTargets(manifests);
  return byKind(manifests, 'Deployment')
    .filter((d) => (d.spec.replicas ?? 1) > 1 || scaled.has(id(d)))
    .filter((d) => {
      const tsc = (podSpecOf(d)?.topologySpreadConstraints ?? []) as any[];
      return !tsc.some((t) => t.topologyKey === 'kubernetes.io/hostname' && selects(t.labelSelector, podLabelsOf(d)));
    })
    .map((d) => `${id(d)}: no hostname topology spread over its own pods`);
};

/** A policy for every pod of the stack (default deny, DNS): it names no one workload. */
const isStackWide = (s: any) => isEmptySelector(s) || !s?.matchLabels?.['app.kubernetes.io/name'];
const isEmptySelector = (s: any) =>
  s !== undefined && Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;

/**
 * kube-score pod-networkpolicy, Polaris missingNetworkPolicy: every pod is selected by a
 * policy of its own. Namespace-wide policies (podSelector `{}`: default deny, DNS) select
 * every pod, so they do not count here.
 */
const podNetworkPolicies: Check = (manifests) => {
  const own = byKind(manifests, 'NetworkPolicy').filter((p) => !isStackWide(p.spec?.podSelector));
  return workloads(manifests)
    .filter((w) => !own.some((p) => selects(p.spec.podSelector, podLabelsOf(w))))
    .map((w) => `${id(w)}: no NetworkPolicy other than the namespace-wide ones selects its pods`);
};

/** kube-score networkpolicy-targets-pod: a workload-specific policy selects some pod. */
const networkPoliciesTargetPods: Check = (manifests) =>
  byKind(manifests, 'NetworkPolicy')
    .filter((p) => !isEmptySelector(p.spec?.podSelector))
    .filter((p) => !workloads(manifests).some((w) => selects(p.spec.podSelector, podLabelsOf(w))))
    .map((p) => `${id(p)}: selects no pod of this chart`);

/**
 * A default deny that covers every pod of the stack (Ingress and Egress, no rules) but, with a
 * non-empty podSelector, never the other pods of a shared namespace (issue 15).
 */
const defaultDeny: Check = (manifests) => {
  const pods = workloads(manifests).map(podLabelsOf);
  const deny = byKind(manifests, 'NetworkPolicy').filter(
    (p) =>
      !isEmptySelector(p.spec?.podSelector) &&
      pods.every((labels) => selects(p.spec.podSelector, labels)) &&
      ['Ingress', 'Egress'].every((t) => (p.spec.policyTypes ?? []).includes(t)) &&
      (p.spec.ingress ?? []).length === 0 &&
      (p.spec.egress ?? []).length === 0,
  );
  return deny.length > 0 ? [] : ['no default-deny NetworkPolicy (a non-empty podSelector matching every stack pod, Ingress and Egress, no rules)'];
};

/**
 * kube-score deployment-targeted-by-hpa-does-not-have-replicas-configured and
 * horizontalpodautoscaler-has-target.
 */
const hpaTargetsHaveNoReplicas: Check = (manifests) =>
  byKind(manifests, 'HorizontalPodAutoscaler').flatMap((h) => {
    const ref = h.spec.scaleTargetRef;
    const target = manifests.find((m) => m.kind === ref.kind && m.metadata.name === ref.name);
    if (!target) return [`${id(h)}: target ${ref.kind}/${ref.name} does not exist`];
    return target.spec.replicas === undefined ? [] : [`${id(target)}: targeted by ${id(h)} but sets spec.replicas ${target.spec.replicas}`];
  });

/** kube-score service-targets-pod, kube-linter dangling-service. */
const servicesSelectPods: Check = (manifests) =>
  byKind(manifests, 'Service')
    .filter((s) => !workloads(manifests).some((w) => serviceSelects(s, podLabelsOf(w))))
    .map((s) => `${id(s)}: selects no pod of this chart (selector ${JSON.stringify(s.spec?.selector ?? {})})`);

/** kube-linter invalid-target-ports: a Service's targetPort is a port of the pods it selects. */
const serviceTargetPorts: Check = (manifests) =>
  byKind(manifests, 'Service').flatMap((s) => {
    const pods = workloads(manifests).filter((w) => serviceSelects(s, podLabelsOf(w)));
    const ports = pods.flatMap((w) => containersOf(w).flatMap(({ container }) => (container.ports ?? []) as any[]));
    return ((s.spec?.ports ?? []) as any[])
      .filter((p) => {
        const target = p.targetPort ?? p.port;
        return !ports.some((cp) => (typeof target === 'number' ? cp.containerPort === target : cp.name === target));
      })
      .map((p) => `${id(s)}: targetPort ${p.targetPort ?? p.port} is no container port of the pods it selects`);
  });

/** kube-score deployment-pod-selector-labels-match-template-metadata-labels. */
const selectorsMatchTemplates: Check = (manifests) =>
  workloads(manifests)
    // The API generates a Job's selector; setting one needs manualSelector.
    .filter((w) => w.kind !== 'Job')
    .filter((w) => !selects(w.spec?.selector, podLabelsOf(w)) || isEmptySelector(w.spec?.selector))
    .map((w) => `${id(w)}: spec.selector does not select its own pod template`);

/** Polaris automountServiceAccountToken. */
const serviceAccountTokens: Check = (manifests) =>
  workloads(manifests)
    .filter((w) => podSpecOf(w)?.automountServiceAccountToken !== false)
    .map((w) => `${id(w)}: automountServiceAccountToken is not false`);

const HASH_SUFFIX = /-[0-9a-f]{8}$/;

/** Readable, stable names: no cdk8s hash suffix on objects, containers or volumes. */
const stableNames: Check = (manifests) =>
  manifests.flatMap((m) => {
    const spec = podSpecOf(m);
    const names = [
      m.metadata.name,
      ...(spec ? containersOf(m).map(({ container }) => container.name as string) : []),
      ...((spec?.volumes ?? []) as any[]).map((v) => v.name as string),
      ...((m.spec?.volumeClaimTemplates ?? []) as any[]).map((v) => v.metadata?.name as string),
    ];
    return names.filter((n) => HASH_SUFFIX.test(n)).map((n) => `${id(m)}: name '${n}' ends in a hash`);
  });

const ADDR = 'cdk8s.io/metadata.addr';

/** No `cdk8s.io/metadata.addr` anywhere: not as a label, selector key or value. */
const noAddressLabel: Check = (manifests) =>
  manifests.flatMap((m) => {
    const found: string[] = [];
    const walk = (v: unknown, path: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === ADDR) found.push(`${path}.${k}`);
          walk(x, `${path}.${k}`);
        }
      } else if (v === ADDR) found.push(path);
    };
    walk(m, '');
    return found.map((p) => `${id(m)}: ${ADDR} at ${p}`);
  });

const APP_LABELS = ['name', 'instance', 'component', 'part-of', 'managed-by'].map((k) => `app.kubernetes.io/${k}`);

/** The recommended app.kubernetes.io labels on every object a workload brings, and its pods. */
const appLabels: Check = (manifests) =>
  manifests
    .filter((m) => m.kind !== 'NetworkPolicy' && m.kind !== 'Namespace')
    .flatMap((m) => {
      const missing = APP_LABELS.filter((k) => !m.metadata.labels?.[k]);
      const pods = podSpecOf(m) ? APP_LABELS.filter((k) => !podLabelsOf(m)[k]) : [];
      return [
        ...(missing.length ? [`${id(m)}: missing labels ${missing.join(', ')}`] : []),
        ...(pods.length ? [`${id(m)}: pod template missing labels ${pods.join(', ')}`] : []),
      ];
    });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const RFC1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * The API server's name rules, which kubernetes-models' schemas do not check: Service names
 * are RFC 1035 labels (≤ 63), other objects DNS subdomains; containers, volumes and claim
 * templates DNS labels; port names at most 15 characters.
 */
const nameSyntax: Check = (manifests) =>
  manifests.flatMap((m) => {
    const out: string[] = [];
    const nameRule = m.kind === 'Service' ? RFC1035_LABEL : DNS_SUBDOMAIN;
    if (!nameRule.test(m.metadata.name)) out.push(`${id(m)}: invalid name (${m.metadata.name.length} chars)`);
    const spec = podSpecOf(m);
    const labels = [
      ...(spec ? containersOf(m).map(({ container }) => container.name as string) : []),
      ...((spec?.volumes ?? []) as any[]).map((v) => v.name as string),
      ...((m.spec?.volumeClaimTemplates ?? []) as any[]).map((v) => v.metadata?.name as string),
    ];
    for (const n of labels) if (!DNS_LABEL.test(n)) out.push(`${id(m)}: '${n}' is not a DNS label`);
    const ports = [
      ...(spec ? containersOf(m).flatMap(({ container }) => (container.ports ?? []) as any[]) : []),
      ...(m.kind === 'Service' ? ((m.spec?.ports ?? []) as any[]) : []),
    ];
    for (const p of ports) if (p.name !== undefined && (p.name.length > 15 || !DNS_LABEL.test(p.name))) out.push(`${id(m)}: port name '${p.name}' is invalid`);
    return out;
  });

/** kube-score label-values: every label (object, pod template, selectors) is valid. */
const labelSyntax: Check = (manifests) =>
  manifests.flatMap((m) => {
    const maps: [string, Record<string, string> | undefined][] = [
      ['labels', m.metadata.labels],
      ['pod labels', m.spec?.template?.metadata?.labels],
      ['selector', m.kind === 'Service' ? m.spec?.selector : m.spec?.selector?.matchLabels],
    ];
    return maps.flatMap(([where, map]) =>
      Object.entries(map ?? {}).flatMap(([k, v]) => [
        ...(LABEL_KEY.test(k) ? [] : [`${id(m)}: ${where} key '${k}' is invalid`]),
        ...(LABEL_VALUE.test(v) ? [] : [`${id(m)}: ${where} ${k} value '${v}' is invalid (${v.length} chars)`]),
      ]),
    );
  });

const CHECKS: Record<string, Check> = {
  containerResources,
  containerProbes,
  probePorts,
  containerSecurity,
  imageTags,
  disruptionBudgets,
  topologySpread,
  podNetworkPolicies,
  networkPoliciesTargetPods,
  defaultDeny,
  hpaTargetsHaveNoReplicas,
  servicesSelectPods,
  serviceTargetPorts,
  selectorsMatchTemplates,
  serviceAccountTokens,
  stableNames,
  noAddressLabel,
  appLabels,
  nameSyntax,
  labelSyntax,
};

const charts = exampleCharts();

describe('self-check passes on every example and profile', () => {
  for (const c of charts) {
    describe(`${c.example} (${c.profile})`, () => {
      it('has workloads to check', () => {
        expect(workloads(c.manifests).length).toBeGreaterThanOrEqual(2);
      });
      for (const [name, check] of Object.entries(CHECKS)) {
        it(name, () => {
          expect(check(c.manifests)).toEqual([]);
        });
      }
    });
  }
});

// Negative tests: each check reports a mutated copy of a rendered chart.
const refProd = charts.find((c) => c.example === 'reference' && c.profile === 'prod')!.manifests;
const shopProd = charts.find((c) => c.example === 'multi-tier' && c.profile === 'prod')!.manifests;

/** A copy of `manifests` with `fn` applied to the named object's copy. */
function mutate(manifests: readonly Manifest[], kind: string, name: string, fn: (m: any) => void): Manifest[] {
  const out = copy(manifests) as Manifest[];
  fn(named(out, kind, name));
  return out;
}

const app = (m: any) => m.spec.template.spec.containers[0];

describe('every check can fail', () => {
  it('containerResources: a missing memory limit, and an init container without resources', () => {
    const bad = mutate(refProd, 'Deployment', 'backend-prod', (d) => delete app(d).resources.limits.memory);
    expect(containerResources(bad)).toEqual(['Deployment/backend-prod container app: no memory limits']);
    const init = mutate(refProd, 'StatefulSet', 'db', (s) => {
      s.spec.template.spec.initContainers = [{ name: 'init', image: 'busybox:1.36' }];
    });
    expect(containerResources(init)).toEqual([
      'StatefulSet/db initContainer init: no cpu requests',
      'StatefulSet/db initContainer init: no memory requests',
      'StatefulSet/db initContainer init: no cpu limits',
      'StatefulSet/db initContainer init: no memory limits',
    ]);
  });

  it('containerProbes: no startup probe', () => {
    const bad = mutate(refProd, 'Deployment', 'nginx', (d) => delete app(d).startupProbe);
    expect(containerProbes(bad)).toEqual(['Deployment/nginx container nginx: no startupProbe']);
    const noReady = mutate(refProd, 'StatefulSet', 'redis', (s) => delete app(s).readinessProbe);
    expect(containerProbes(noReady)).toEqual(['StatefulSet/redis container redis: no readinessProbe']);
    const sidecar = mutate(refProd, 'StatefulSet', 'db', (s) => {
      s.spec.template.spec.initContainers = [
        { name: 'migrate', image: 'busybox:1.36' },
        { name: 'exporter', image: 'exporter:0.15', restartPolicy: 'Always' },
      ];
    });
    expect(containerProbes(sidecar)).toEqual([
      'StatefulSet/db initContainer exporter: no readinessProbe',
      'StatefulSet/db initContainer exporter: no startupProbe',
    ]);
  });

  it('probePorts: a probe on a port the container does not open', () => {
    const bad = mutate(refProd, 'Deployment', 'backend-prod', (d) => (app(d).readinessProbe.httpGet.port = 9000));
    expect(probePorts(bad)).toEqual(['Deployment/backend-prod container app: readinessProbe port 9000 is not a container port']);
  });

  it('containerSecurity: root allowed at both levels, writable root, escalation', () => {
    const bad = mutate(refProd, 'Deployment', 'backend-prod', (d) => {
      delete app(d).securityContext.runAsNonRoot;
      delete d.spec.template.spec.securityContext.runAsNonRoot;
      app(d).securityContext.readOnlyRootFilesystem = false;
      delete app(d).securityContext.allowPrivilegeEscalation;
    });
    expect(containerSecurity(bad)).toEqual([
      'Deployment/backend-prod container app: runAsNonRoot is not true',
      'Deployment/backend-prod container app: readOnlyRootFilesystem is not true',
      'Deployment/backend-prod container app: allowPrivilegeEscalation is not false',
    ]);
    // The pod level alone is enough for runAsNonRoot; a container-level false overrides it.
    const podOnly = mutate(refProd, 'Deployment', 'nginx', (d) => delete app(d).securityContext.runAsNonRoot);
    expect(containerSecurity(podOnly)).toEqual([]);
    const overridden = mutate(refProd, 'Deployment', 'nginx', (d) => (app(d).securityContext.runAsNonRoot = false));
    expect(containerSecurity(overridden)).toEqual(['Deployment/nginx container nginx: runAsNonRoot is not true']);
  });

  it('imageTags: latest and untagged images; registry ports and digests are read right', () => {
    expect(imageTag('ghcr.io/uns/backend:5.4.1')).toBe('5.4.1');
    expect(imageTag('localhost:5000/uns/backend')).toBeUndefined();
    expect(imageTag('localhost:5000/uns/backend:1.0')).toBe('1.0');
    expect(imageTag('postgres@sha256:abc')).toBe('sha256:abc');
    const latest = mutate(refProd, 'Deployment', 'backend-prod', (d) => (app(d).image = 'ghcr.io/uns/backend:latest'));
    expect(imageTags(latest)).toEqual(["Deployment/backend-prod container app: image 'ghcr.io/uns/backend:latest' uses the latest tag"]);
    const untagged = mutate(refProd, 'StatefulSet', 'db', (s) => (app(s).image = 'localhost:5000/postgres'));
    expect(imageTags(untagged)).toEqual(["StatefulSet/db container postgres: image 'localhost:5000/postgres' has no tag"]);
  });

  it('disruptionBudgets: a PDB that selects other pods, and an HPA target without one', () => {
    const bad = mutate(refProd, 'PodDisruptionBudget', 'backend-prod', (p) => {
      p.spec.selector.matchLabels['app.kubernetes.io/name'] = 'backend';
    });
    expect(disruptionBudgets(bad)).toEqual(['Deployment/backend-prod: no PodDisruptionBudget selects its pods']);
    // api has no spec.replicas at all: only its HPA makes it need a PDB.
    const noPdb = copy(shopProd).filter((m) => !(m.kind === 'PodDisruptionBudget' && m.metadata.name === 'api'));
    expect(disruptionBudgets(noPdb)).toEqual(['Deployment/api: no PodDisruptionBudget selects its pods']);
  });

  it('topologySpread: a replicated Deployment without spread', () => {
    const bad = mutate(shopProd, 'Deployment', 'api', (d) => delete d.spec.template.spec.topologySpreadConstraints);
    expect(topologySpread(bad)).toEqual(['Deployment/api: no hostname topology spread over its own pods']);
  });

  it('podNetworkPolicies: a pod only the namespace-wide policies select', () => {
    const bad = copy(refProd).filter((m) => !(m.kind === 'NetworkPolicy' && m.metadata.name === 'redis'));
    expect(podNetworkPolicies(bad)).toEqual(['StatefulSet/redis: no NetworkPolicy other than the namespace-wide ones selects its pods']);
  });

  it('networkPoliciesTargetPods: a policy for pods that do not exist', () => {
    const bad = mutate(refProd, 'NetworkPolicy', 'db', (p) => (p.spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'postgres'));
    expect(networkPoliciesTargetPods(bad)).toEqual(['NetworkPolicy/db: selects no pod of this chart']);
  });

  it('defaultDeny: missing, partial, or with a rule', () => {
    const gone = copy(refProd).filter((m) => m.metadata.name !== 'default-deny');
    const msg = ['no default-deny NetworkPolicy (a non-empty podSelector matching every stack pod, Ingress and Egress, no rules)'];
    expect(defaultDeny(gone)).toEqual(msg);
    expect(defaultDeny(mutate(refProd, 'NetworkPolicy', 'default-deny', (p) => (p.spec.policyTypes = ['Ingress'])))).toEqual(msg);
    expect(
      defaultDeny(mutate(refProd, 'NetworkPolicy', 'default-deny', (p) => (p.spec.podSelector = { matchLabels: { a: 'b' } }))),
    ).toEqual(msg);
    // Every pod of the namespace, the user's too: refused.
    expect(defaultDeny(mutate(refProd, 'NetworkPolicy', 'default-deny', (p) => (p.spec.podSelector = {})))).toEqual(msg);
    expect(defaultDeny(mutate(refProd, 'NetworkPolicy', 'default-deny', (p) => (p.spec.ingress = [{}])))).toEqual(msg);
  });

  it('hpaTargetsHaveNoReplicas: fixed replicas under an HPA, and a dangling HPA', () => {
    const bad = mutate(shopProd, 'Deployment', 'api', (d) => (d.spec.replicas = 2));
    expect(hpaTargetsHaveNoReplicas(bad)).toEqual(['Deployment/api: targeted by HorizontalPodAutoscaler/api but sets spec.replicas 2']);
    const dangling = mutate(shopProd, 'HorizontalPodAutoscaler', 'api', (h) => (h.spec.scaleTargetRef.name = 'apis'));
    expect(hpaTargetsHaveNoReplicas(dangling)).toEqual(['HorizontalPodAutoscaler/api: target Deployment/apis does not exist']);
  });

  it('servicesSelectPods: a selector no pod matches, and an empty one', () => {
    const bad = mutate(refProd, 'Service', 'backend-prod-headless', (s) => (s.spec.selector['app.kubernetes.io/instance'] = 'uns-dev'));
    expect(servicesSelectPods(bad)).toEqual([
      'Service/backend-prod-headless: selects no pod of this chart (selector {"app.kubernetes.io/instance":"uns-dev","app.kubernetes.io/name":"backend-prod"})',
    ]);
    const empty = mutate(refProd, 'Service', 'db', (s) => delete s.spec.selector);
    expect(servicesSelectPods(empty)).toEqual(['Service/db: selects no pod of this chart (selector {})']);
  });

  it('serviceTargetPorts: a targetPort nothing listens on', () => {
    const bad = mutate(refProd, 'Service', 'nginx', (s) => (s.spec.ports[0].targetPort = 80));
    expect(serviceTargetPorts(bad)).toEqual(['Service/nginx: targetPort 80 is no container port of the pods it selects']);
  });

  it('selectorsMatchTemplates: a workload selector that misses its template', () => {
    const bad = mutate(refProd, 'StatefulSet', 'redis', (s) => (s.spec.selector.matchLabels['app.kubernetes.io/name'] = 'cache'));
    expect(selectorsMatchTemplates(bad)).toEqual(['StatefulSet/redis: spec.selector does not select its own pod template']);
  });

  it('serviceAccountTokens: the token mounted (the API default when unset)', () => {
    const bad = mutate(refProd, 'StatefulSet', 'db', (s) => delete s.spec.template.spec.automountServiceAccountToken);
    expect(serviceAccountTokens(bad)).toEqual(['StatefulSet/db: automountServiceAccountToken is not false']);
  });

  it('stableNames: hashed object and volume names', () => {
    const bad = mutate(refProd, 'Deployment', 'backend-prod', (d) => {
      d.metadata.name = 'backend-prod-c8a1b2c3';
      d.spec.template.spec.volumes[0].name = 'pvc-0a1b2c3d';
    });
    expect(stableNames(bad)).toEqual([
      "Deployment/backend-prod-c8a1b2c3: name 'backend-prod-c8a1b2c3' ends in a hash",
      "Deployment/backend-prod-c8a1b2c3: name 'pvc-0a1b2c3d' ends in a hash",
    ]);
  });

  it('noAddressLabel: the cdk8s address label on a pod template or in a selector', () => {
    const bad = mutate(refProd, 'Deployment', 'nginx', (d) => (d.spec.template.metadata.labels[ADDR] = 'c8a1b2c3d4'));
    expect(noAddressLabel(bad)).toEqual([`Deployment/nginx: ${ADDR} at .spec.template.metadata.labels.${ADDR}`]);
    const sel = mutate(refProd, 'Service', 'redis', (s) => (s.spec.selector[ADDR] = 'c8a1b2c3d4'));
    expect(noAddressLabel(sel)).toEqual([`Service/redis: ${ADDR} at .spec.selector.${ADDR}`]);
  });

  it('appLabels: a missing app.kubernetes.io label', () => {
    const bad = mutate(refProd, 'Deployment', 'backend-prod', (d) => {
      delete d.metadata.labels['app.kubernetes.io/part-of'];
      delete d.spec.template.metadata.labels['app.kubernetes.io/component'];
    });
    expect(appLabels(bad)).toEqual([
      'Deployment/backend-prod: missing labels app.kubernetes.io/part-of',
      'Deployment/backend-prod: pod template missing labels app.kubernetes.io/component',
    ]);
  });

  it('nameSyntax: a Service name over 63 characters, an invalid container name', () => {
    const long = 'backend-prod-' + 'x'.repeat(47) + '-headless';
    const bad = mutate(refProd, 'Service', 'backend-prod-headless', (s) => (s.metadata.name = long));
    expect(nameSyntax(bad)).toEqual([`Service/${long}: invalid name (69 chars)`]);
    const container = mutate(refProd, 'Deployment', 'nginx', (d) => (app(d).name = 'Nginx_1'));
    expect(nameSyntax(container)).toEqual(["Deployment/nginx: 'Nginx_1' is not a DNS label"]);
    const port = mutate(refProd, 'Deployment', 'nginx', (d) => (app(d).ports[0].name = 'http-for-the-world'));
    expect(nameSyntax(port)).toEqual(["Deployment/nginx: port name 'http-for-the-world' is invalid"]);
  });

  it('labelSyntax: a label value over 63 characters', () => {
    const long = 's'.repeat(50) + '-production-eu-west-1';
    const bad = mutate(refProd, 'PodDisruptionBudget', 'nginx', (p) => (p.metadata.labels['app.kubernetes.io/instance'] = long));
    expect(labelSyntax(bad)).toEqual([`PodDisruptionBudget/nginx: labels app.kubernetes.io/instance value '${long}' is invalid (71 chars)`]);
    const key = mutate(refProd, 'Service', 'db', (s) => (s.spec.selector['bad key'] = 'x'));
    expect(labelSyntax(key)).toEqual(["Service/db: selector key 'bad key' is invalid"]);
  });
});
