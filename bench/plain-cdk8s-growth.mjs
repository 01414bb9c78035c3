// The growth peer for bench/synth.ts: a plain cdk8s-plus-27 app with the Kubernetes objects
// scaleout emits per backend of the growth stack (a Deployment, a Service, a headless
// Service, a PodDisruptionBudget and a NetworkPolicy, in a dev and a prod chart), plus the
// fixed Postgres, Redis and nginx objects, written as a cdk8s user would by hand.
// Usage: node bench/plain-cdk8s-growth.mjs N  — prints {"backends":N,"ms":…,"rssMiB":…}.
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { reportMedianOfFive } from './median-of-five.mjs';

const N = Number(process.argv[2] ?? 25);
const sec = { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };

class Big extends Chart {
  constructor(scope, id, n) {
    super(scope, id);
    const labels = (name) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': id, 'app.kubernetes.io/part-of': 'big' });
    const nginx = new kplus.Deployment(this, 'nginx', { metadata: { name: 'nginx', labels: labels('nginx') }, replicas: 2 });
    nginx.addContainer({ name: 'nginx', image: 'nginxinc/nginx-unprivileged:1.28.0-alpine', portNumber: 8080, securityContext: { ...sec, user: 101, group: 101 } });
    for (let i = 0; i < n; i++) {
      const name = `svc-${i}`;
      const probe = kplus.Probe.fromHttpGet('/health', { port: 8000, periodSeconds: Duration.seconds(10), timeoutSeconds: Duration.seconds(3), failureThreshold: 3 });
      const d = new kplus.Deployment(this, name, {
        metadata: { name, labels: labels(name) },
        replicas: 2,
        strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(1), maxUnavailable: kplus.PercentOrAbsolute.absolute(0) }),
      });
      const c = d.addContainer({
        name: 'app', image: `ghcr.io/acme/${name}:1.0.0`, portNumber: 8000, securityContext: { ...sec, user: 10001, group: 10001 },
        envVariables: { WEB_CONCURRENCY: kplus.EnvValue.fromValue('2'), DB_POOL_SIZE: kplus.EnvValue.fromValue('2'), DB_MAX_OVERFLOW: kplus.EnvValue.fromValue('1'), REDIS_POOL: kplus.EnvValue.fromValue('2') },
        resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } },
        readiness: probe, startup: probe,
      });
      c.mount('/tmp', kplus.Volume.fromEmptyDir(this, `${name}-tmp`, 'tmp'));
      d.exposeViaService({ name, ports: [{ port: 8000 }] });
      new kplus.Service(this, `${name}-headless`, { metadata: { name: `${name}-headless` }, selector: d, clusterIP: 'None', ports: [{ port: 8000 }] });
      new kplus.k8s.KubePodDisruptionBudget(this, `${name}-pdb`, { metadata: { name }, spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels(name) } } });
      new kplus.NetworkPolicy(this, `${name}-netpol`, { metadata: { name }, selector: d, ingress: { rules: [{ peer: nginx, ports: [kplus.NetworkPolicyPort.tcp(8000)] }] } });
    }
    for (const [name, image, port] of [['db', 'postgres:16.10-alpine', 5432], ['redis', 'redis:7.2.11-alpine', 6379]]) {
      const svc = new kplus.Service(this, `${name}-svc`, { metadata: { name }, clusterIP: 'None', ports: [{ port }] });
      const sts = new kplus.StatefulSet(this, name, { metadata: { name, labels: labels(name) }, service: svc, replicas: 1 });
      sts.addContainer({ name, image, portNumber: port, securityContext: { ...sec, user: 999, group: 999 } });
    }
    new kplus.ConfigMap(this, 'nginx-conf', { metadata: { name: 'nginx-conf' }, data: { 'nginx.conf': 'events {}\n' } });
    new kplus.NetworkPolicy(this, 'deny', { metadata: { name: 'default-deny' }, selector: kplus.Pods.all(this, 'all'), ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY }, egress: { default: kplus.NetworkPolicyTrafficDefault.DENY } });
  }
}

function synth() {
  const app = new App({ outdir: '/nonexistent' });
  new Big(app, 'big-dev', N);
  new Big(app, 'big-prod', N);
  return app.synthYaml();
}
reportMedianOfFive(N, synth);
