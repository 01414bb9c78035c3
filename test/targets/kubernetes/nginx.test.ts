/**
 * nginx on Kubernetes: the rendered nginx.conf in a ConfigMap, a checksum of it on the pod
 * template (a config change rolls the pods, capacity-facts §7.7), upstreams resolved per pod
 * through the headless Service where the nginx version allows, an unprivileged image on 8080,
 * a configurable Service, and TLS from Secrets by reference.
 */
import { ApiObject, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { loadConfigText } from '../../../lib/cli/config.js';
import type { Stack } from '../../../lib/index.js';
import { KubernetesChart, unprivilegedImage, type KubernetesChartProps } from '../../../lib/targets/kubernetes/index.js';
import { byKind, containersOf, EXAMPLES_DIR, exampleCharts, named, podSpecOf, render, type Manifest } from '../../helpers/k8s.js';

const REFERENCE_YAML = readFileSync(join(EXAMPLES_DIR, 'reference', 'scaleout.yaml'), 'utf8');

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The reference YAML with `from` replaced by `to` (which must occur exactly once). */
function referenceWith(from: string, to: string): Stack {
  expect(REFERENCE_YAML.split(from).length - 1, `'${from}' occurs once in the reference YAML`).toBe(1);
  return loadConfigText(REFERENCE_YAML.replace(from, to), 'scaleout.yaml');
}

function nginxOf(manifests: readonly Manifest[]) {
  const conf = named(manifests, 'ConfigMap', 'nginx-conf').data!['nginx.conf']!;
  const deployment = named(manifests, 'Deployment', 'nginx');
  return { conf, deployment, checksum: deployment.spec.template.metadata.annotations['checksum/config'] as string };
}

const prod = (stack: Stack, props: Omit<KubernetesChartProps, 'stack' | 'profile'> = {}) => render(stack, 'prod', props);

describe('ConfigMap and checksum', () => {
  it('the ConfigMap holds the nginx.conf the chart rendered, mounted at /etc/nginx/nginx.conf', () => {
    const { chart, manifests } = prod(referenceStack());
    const { conf, deployment } = nginxOf(manifests);
    expect(conf).toBe(chart.nginx!.conf);
    expect(conf).toMatch(/^\s*listen 8080;$/m);
    const [{ container }] = containersOf(deployment);
    const mount = container.volumeMounts.find((m: any) => m.mountPath === '/etc/nginx/nginx.conf');
    expect(mount).toMatchObject({ subPath: 'nginx.conf', readOnly: true });
    const volume = podSpecOf(deployment).volumes.find((v: any) => v.name === mount.name);
    expect(volume.configMap.name).toBe('nginx-conf');
  });

  it('checksum/config is the sha256 of the nginx.conf, in every example', () => {
    for (const c of exampleCharts()) {
      const { conf, checksum } = nginxOf(c.manifests);
      expect(checksum, `${c.example} ${c.profile}`).toBe(sha256(conf));
      expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('changes when the nginx model changes (maxFails 3 → 4)', () => {
    const before = nginxOf(prod(referenceWith('maxFails: 3', 'maxFails: 3')).manifests);
    const after = nginxOf(prod(referenceWith('maxFails: 3', 'maxFails: 4')).manifests);
    expect(before.conf).toMatch(/max_fails=3 /);
    expect(after.conf).toMatch(/max_fails=4 /);
    expect(after.checksum).not.toBe(before.checksum);
    expect(after.checksum).toBe(sha256(after.conf));
  });

  it('stays the same for an identical model and for changes nginx does not see', () => {
    const base = nginxOf(prod(referenceStack()).manifests).checksum;
    expect(nginxOf(prod(referenceStack()).manifests).checksum).toBe(base);
    expect(nginxOf(prod(loadConfigText(REFERENCE_YAML, 'scaleout.yaml')).manifests).checksum).toBe(base);
    expect(nginxOf(prod(referenceWith('maxClients: 10000', 'maxClients: 9000')).manifests).checksum).toBe(base);
    const newImage = referenceWith('ghcr.io/uns/backend:5.4.1', 'ghcr.io/uns/backend:5.4.2');
    const m = prod(newImage).manifests;
    expect(nginxOf(m).checksum).toBe(base);
    // ... while the backend itself did change.
    expect(containersOf(named(m, 'Deployment', 'backend-prod'))[0]!.container.image).toBe('ghcr.io/uns/backend:5.4.2');
  });
});

describe('upstream hosts', () => {
  const servers = (conf: string) => [...conf.matchAll(/^\s*server (\S+?)(?: (resolve))? max_fails/gm)].map((m) => [m[1], m[2] ?? '']);

  it('nginx ≥ 1.27.3: the headless Service FQDN with resolve, against cluster DNS', () => {
    for (const c of exampleCharts()) {
      const n = c.stack.nginx!.resolve(c.profile);
      expect(n.image, 'the examples run nginx from 1.27.3 on').toMatch(/^nginx:1\.(2[89]|[3-9]\d)\./);
      const { conf } = nginxOf(c.manifests);
      // Workers (kind: worker) have no upstream.
      const want = c.stack.backends
        .map((b) => b.resolve(c.profile))
        .filter((b) => b.kind === 'web')
        .map((b) => [`${b.serviceName}-headless.${c.stack.namespaceOf(c.profile)}.svc.cluster.local:${b.port}`, 'resolve']);
      expect(servers(conf), `${c.example} ${c.profile}`).toEqual(want);
      expect(conf).toMatch(/^\s*resolver kube-dns\.kube-system\.svc\.cluster\.local valid=\d+s/m);
      // Each headless name is a Service of the chart that selects the backend's pods.
      for (const b of c.stack.backends.map((x) => x.resolve(c.profile)).filter((x) => x.kind === 'web')) {
        const svc = named(c.manifests, 'Service', `${b.serviceName}-headless`);
        expect(svc.spec.clusterIP).toBe('None');
        expect(svc.spec.ports).toEqual([{ name: 'http', port: b.port, targetPort: b.port }]);
      }
    }
  });

  it('namespace, cluster domain and resolver are configurable', () => {
    const { manifests } = prod(referenceStack(), { namespace: 'shop', clusterDomain: 'k8s.example', dnsResolver: '10.96.0.10' });
    const { conf } = nginxOf(manifests);
    expect(servers(conf)).toEqual([['backend-prod-headless.shop.svc.k8s.example:8000', 'resolve']]);
    expect(conf).toMatch(/^\s*resolver 10\.96\.0\.10 valid=/m);
    expect(manifests.every((m) => m.metadata.namespace === 'shop')).toBe(true);
    const { conf: domainOnly } = nginxOf(prod(referenceStack(), { clusterDomain: 'k8s.example' }).manifests);
    expect(domainOnly).toMatch(/^\s*resolver kube-dns\.kube-system\.svc\.k8s\.example valid=/m);
  });

  it("version '1.22': the ClusterIP Service FQDN, no resolve and no resolver", () => {
    const stack = referenceWith('nginx:\n', "nginx:\n  version: '1.22'\n");
    const { conf } = nginxOf(prod(stack).manifests);
    expect(servers(conf)).toEqual([['backend-prod.uns-prod.svc.cluster.local:8000', '']]);
    expect(conf).not.toMatch(/resolver|resolve|headless/);
  });

  it('the version boundary: 1.27.2 resolves once, 1.27.3 re-resolves', () => {
    const at = (tag: string) => nginxOf(prod(referenceWith('nginx:\n', `nginx:\n  image: nginx:${tag}\n`)).manifests);
    const old = at('1.27.2-alpine');
    expect(servers(old.conf)).toEqual([['backend-prod.uns-prod.svc.cluster.local:8000', '']]);
    const resolving = at('1.27.3-alpine');
    expect(servers(resolving.conf)).toEqual([['backend-prod-headless.uns-prod.svc.cluster.local:8000', 'resolve']]);
    expect(containersOf(old.deployment)[0]!.container.image).toBe('nginxinc/nginx-unprivileged:1.27.2-alpine');
  });
});

describe('Service, image and ports', () => {
  it('the Service is a LoadBalancer by default: model port → 8080', () => {
    const svc = named(prod(referenceStack()).manifests, 'Service', 'nginx');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
  });

  it('nginxServiceType sets the Service type', () => {
    for (const [type, want] of [
      [kplus.ServiceType.CLUSTER_IP, 'ClusterIP'],
      [kplus.ServiceType.NODE_PORT, 'NodePort'],
      [kplus.ServiceType.LOAD_BALANCER, 'LoadBalancer'],
    ] as const) {
      expect(named(prod(referenceStack(), { nginxServiceType: type }).manifests, 'Service', 'nginx').spec.type).toBe(want);
    }
    // Only nginx's Service: backends stay ClusterIP.
    const ms = prod(referenceStack(), { nginxServiceType: kplus.ServiceType.NODE_PORT }).manifests;
    expect(named(ms, 'Service', 'backend-prod').spec.type).toBe('ClusterIP');
  });

  it('every example runs nginxinc/nginx-unprivileged with the model tag, on container port 8080', () => {
    for (const c of exampleCharts()) {
      const image = c.stack.nginx!.resolve(c.profile).image;
      const tag = image.slice(image.lastIndexOf(':') + 1);
      const [{ container }] = containersOf(named(c.manifests, 'Deployment', 'nginx'));
      expect(container.image).toBe(`nginxinc/nginx-unprivileged:${tag}`);
      expect(container.ports[0]).toEqual({ containerPort: 8080, name: 'http' });
      expect(container.securityContext).toMatchObject({ runAsUser: 101, runAsNonRoot: true, readOnlyRootFilesystem: true });
      // The unprivileged image writes only /tmp, which must be an emptyDir.
      const tmp = container.volumeMounts.find((m: any) => m.mountPath === '/tmp');
      expect(podSpecOf(named(c.manifests, 'Deployment', 'nginx')).volumes.find((v: any) => v.name === tmp.name).emptyDir).toEqual({});
    }
  });

  it('unprivilegedImage maps official nginx references only', () => {
    expect(unprivilegedImage('nginx:1.28.0-alpine')).toBe('nginxinc/nginx-unprivileged:1.28.0-alpine');
    expect(unprivilegedImage('docker.io/library/nginx:1.27.3')).toBe('nginxinc/nginx-unprivileged:1.27.3');
    expect(unprivilegedImage('library/nginx:1.26')).toBe('nginxinc/nginx-unprivileged:1.26');
    expect(unprivilegedImage('nginxinc/nginx-unprivileged:1.27.3')).toBe('nginxinc/nginx-unprivileged:1.27.3');
    expect(unprivilegedImage('registry.example/mirror/nginx:1.27.3')).toBe('registry.example/mirror/nginx:1.27.3');
  });

  it('the escape hatches are the objects rendered', () => {
    const app = Testing.app();
    const stack = referenceStack(app);
    const chart = new KubernetesChart(app, 'uns-prod', { stack, profile: 'prod' });
    expect(ApiObject.of(chart.nginx!.deployment).name).toBe('nginx');
    expect(ApiObject.of(chart.nginx!.configMap).name).toBe('nginx-conf');
    expect(ApiObject.of(chart.nginx!.service).name).toBe('nginx');
    chart.nginx!.service.metadata.addAnnotation('service.beta.kubernetes.io/aws-load-balancer-type', 'nlb');
    const svc = named(chart.toJson() as Manifest[], 'Service', 'nginx');
    expect(svc.metadata.annotations).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
  });
});

describe('TLS from Secrets by reference', () => {
  const c = exampleCharts().find((x) => x.example === 'multi-tier' && x.profile === 'prod')!;
  const tls = c.stack.nginx!.resolve('prod').tls!;
  const { conf, deployment } = nginxOf(c.manifests);
  const [{ container }] = containersOf(deployment);

  it('mounts each certificate Secret read-only where nginx.conf reads it', () => {
    for (const secret of [tls.certificateSecret, tls.keySecret]) {
      const k8sName = secret.replace(/_/g, '-');
      const volume = podSpecOf(deployment).volumes.find((v: any) => v.secret?.secretName === k8sName);
      expect(volume, k8sName).toBeDefined();
      const mount = container.volumeMounts.find((m: any) => m.name === volume.name);
      expect(mount).toEqual({ mountPath: `/run/secrets/${secret}`, name: volume.name, readOnly: true });
      const key = volume.secret.items[0].path;
      expect(conf).toContain(`/run/secrets/${secret}/${key};`);
    }
    expect(conf).toMatch(new RegExp(`ssl_certificate /run/secrets/${tls.certificateSecret}/`));
    expect(conf).toMatch(new RegExp(`ssl_certificate_key /run/secrets/${tls.keySecret}/`));
  });

  it('listens on 8443 behind the Service TLS port', () => {
    expect(conf).toMatch(/^\s*listen 8443 ssl;$/m);
    expect(container.ports).toContainEqual({ containerPort: 8443, name: 'https' });
    expect(named(c.manifests, 'Service', 'nginx').spec.ports).toContainEqual({ name: 'https', port: tls.port, targetPort: 8443 });
  });

  it('renders no Secret object and no key material', () => {
    for (const x of exampleCharts()) {
      expect(byKind(x.manifests, 'Secret')).toEqual([]);
      expect(JSON.stringify(x.manifests)).not.toMatch(/BEGIN [A-Z ]*(PRIVATE KEY|CERTIFICATE)/);
    }
  });

  it('without TLS there is no 8443 and no certificate mount', () => {
    const { conf: plain, deployment: d } = nginxOf(prod(referenceStack()).manifests);
    expect(plain).not.toMatch(/8443|ssl_certificate/);
    expect(containersOf(d)[0]!.container.ports).toEqual([{ containerPort: 8080, name: 'http' }]);
    expect(podSpecOf(d).volumes.filter((v: any) => v.secret)).toEqual([]);
  });
});
