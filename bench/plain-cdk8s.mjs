// The peer for bench/synth.ts: a hand-written plain cdk8s-plus-27 app with the same
// Kubernetes objects scaleout emits for the reference stack (both profiles), written the
// way a cdk8s user would write them by hand. Usage: node bench/plain-cdk8s.mjs OUTDIR
import { App, Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

const PROFILES = { dev: { name: 'backend', replicas: 1, workers: 1, cpu: [500, 1000], mem: [512, 1024] }, prod: { name: 'backend-prod', replicas: 3, workers: 4, cpu: [1000, 2000], mem: [1024, 2048] } };
const secret = (scope, name) => kplus.Secret.fromSecretName(scope, `${name}-ref`, name);

class Reference extends Chart {
  constructor(scope, id, p) {
    super(scope, id);
    const labels = (name) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': id, 'app.kubernetes.io/part-of': 'uns' });
    const sec = { ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };
    const probe = (failureThreshold) => kplus.Probe.fromHttpGet('/api/health', { port: 8000, periodSeconds: Duration.seconds(15), timeoutSeconds: Duration.seconds(5), failureThreshold });

    const backend = new kplus.Deployment(this, p.name, { metadata: { name: p.name, labels: labels(p.name) }, replicas: p.replicas, strategy: kplus.DeploymentStrategy.rollingUpdate({ maxSurge: kplus.PercentOrAbsolute.absolute(0), maxUnavailable: kplus.PercentOrAbsolute.absolute(1) }) });
    const app = backend.addContainer({
      name: 'app', image: 'ghcr.io/uns/backend:5.4.1', portNumber: 8000, securityContext: { ...sec, user: 10001, group: 10001 },
      envVariables: { WEB_CONCURRENCY: kplus.EnvValue.fromValue(String(p.workers)), DB_POOL_SIZE: kplus.EnvValue.fromValue('5'), DB_MAX_OVERFLOW: kplus.EnvValue.fromValue('5'), DATABASE_URL: kplus.EnvValue.fromValue('postgresql://app@db:5432/uns'), REDIS_URL: kplus.EnvValue.fromValue('redis://redis:6379/0') },
      resources: { cpu: { request: kplus.Cpu.millis(p.cpu[0]), limit: kplus.Cpu.millis(p.cpu[1]) }, memory: { request: Size.mebibytes(p.mem[0]), limit: Size.mebibytes(p.mem[1]) } },
      readiness: probe(3), startup: probe(7),
    });
    app.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));
    app.mount('/run/secrets/postgres_password', kplus.Volume.fromSecret(this, 'pgpw', secret(this, 'postgres-password')));
    app.mount('/run/secrets/redis_password', kplus.Volume.fromSecret(this, 'rdpw', secret(this, 'redis-password')));
    backend.exposeViaService({ name: p.name, ports: [{ port: 8000 }] });
    new kplus.Service(this, 'headless', { metadata: { name: `${p.name}-headless` }, selector: backend, clusterIP: 'None', ports: [{ port: 8000 }] });
    new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', { metadata: { name: p.name }, spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels(p.name) } } });

    const data = (name, image, port, user, args) => {
      const svc = new kplus.Service(this, `${name}-svc`, { metadata: { name }, clusterIP: 'None', ports: [{ port }] });
      const sts = new kplus.StatefulSet(this, name, { metadata: { name, labels: labels(name) }, service: svc, replicas: 1 });
      const c = sts.addContainer({ name, image, portNumber: port, args, securityContext: { ...sec, user, group: user }, resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } }, readiness: kplus.Probe.fromCommand(['true']), startup: kplus.Probe.fromCommand(['true']) });
      c.mount('/tmp', kplus.Volume.fromEmptyDir(this, `${name}-tmp`, `${name}-tmp`));
      return sts;
    };
    const db = data('db', 'postgres:16.10-alpine', 5432, 70, ['postgres', '-c', 'max_connections=200', '-c', 'superuser_reserved_connections=3']);
    const redis = data('redis', 'redis:7.2.11-alpine', 6379, 999, ['--maxclients', '10000']);

    const conf = new kplus.ConfigMap(this, 'nginx-conf', { metadata: { name: 'nginx-conf' }, data: { 'nginx.conf': 'events {}\nhttp { upstream backend { server backend:8000; } }\n' } });
    const nginx = new kplus.Deployment(this, 'nginx', { metadata: { name: 'nginx', labels: labels('nginx') }, replicas: p.replicas > 1 ? 2 : 1 });
    const n = nginx.addContainer({ name: 'nginx', image: 'nginxinc/nginx-unprivileged:1.28.0-alpine', portNumber: 8080, securityContext: { ...sec, user: 101, group: 101 }, readiness: kplus.Probe.fromHttpGet('/nginx-health', { port: 8080 }), startup: kplus.Probe.fromHttpGet('/nginx-health', { port: 8080 }) });
    n.mount('/etc/nginx/nginx.conf', kplus.Volume.fromConfigMap(this, 'conf-vol', conf), { subPath: 'nginx.conf' });
    n.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'nginx-tmp', 'nginx-tmp'));
    nginx.exposeViaService({ name: 'nginx', serviceType: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }] });
    new kplus.k8s.KubePodDisruptionBudget(this, 'nginx-pdb', { metadata: { name: 'nginx' }, spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: labels('nginx') } } });

    new kplus.NetworkPolicy(this, 'deny', { metadata: { name: 'default-deny' }, selector: kplus.Pods.all(this, 'all'), ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY }, egress: { default: kplus.NetworkPolicyTrafficDefault.DENY } });
    const allow = (name, sel, from, port) => new kplus.NetworkPolicy(this, `${name}-netpol`, { metadata: { name }, selector: sel, ingress: { rules: [{ peer: from, ports: [kplus.NetworkPolicyPort.tcp(port)] }] } });
    allow('backend', backend, nginx, 8000);
    allow('db', db, backend, 5432);
    allow('redis', redis, backend, 6379);
    allow('nginx', nginx, kplus.NetworkPolicyIpBlock.anyIpv4(this, 'any'), 8080);
  }
}

const app = new App({ outdir: process.argv[2] ?? 'dist-plain' });
for (const [profile, p] of Object.entries(PROFILES)) new Reference(app, `uns-${profile}`, p);
app.synth();
