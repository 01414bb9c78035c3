import { hasDigest, imageTag } from '../model/image.js';
import type { ResolvedResources } from '../model/common.js';
import type { Fix, Rule, RuleContext, Violation } from './rule.js';
import { isSecretFileReference, isSecretName, secretInArgs, secretInValue } from './secret-patterns.js';

interface Workload {
  readonly id: string;
  readonly path: string;
  readonly image: string;
  readonly resources: ResolvedResources;
}

function workloads(ctx: RuleContext): Workload[] {
  return [...ctx.backends, ctx.nginx, ctx.postgres, ctx.redis].filter((w): w is NonNullable<typeof w> => !!w);
}

/** SO-HA: a production profile needs at least two replicas of every backend. */
export const haRule: Rule = {
  id: 'SO-HA',
  summary: 'production backends run at least 2 replicas (autoscale.min ≥ 2)',
  perTarget: false,
  severity: () => 'error',
  check(ctx) {
    if (!ctx.production) return [];
    return ctx.backends.flatMap((b) => {
      const min = b.autoscale ? Math.min(b.autoscale.min, b.replicas) : b.replicas;
      if (min >= 2) return [];
      const knob = b.autoscale && b.autoscale.min < 2 ? `autoscale.min ${b.autoscale.min}` : `replicas ${b.replicas}`;
      return [
        {
          path: b.path,
          message: 'production backend has a single replica',
          terms: [`${b.serviceName}: ${knob} < 2; one failure or deploy takes the service down`],
          fixes: [{ knob: `${b.id}.replicas`, op: 'atLeast', value: 2, term: 'replicas (and autoscale.min)' }],
        },
      ];
    });
  },
};

/** SO-RESOURCES: every workload has cpu and memory limits. */
export const resourcesRule: Rule = {
  id: 'SO-RESOURCES',
  summary: 'every workload has cpu and memory limits',
  perTarget: false,
  severity: (prod) => (prod ? 'error' : 'warning'),
  check(ctx) {
    return workloads(ctx).flatMap((w) => {
      const missing = (['cpu', 'memory'] as const).filter((k) => w.resources.limits[k] === undefined);
      if (missing.length === 0) return [];
      const example = { cpu: 1, memory: '1Gi' };
      return [
        {
          path: w.path,
          message: `no ${missing.join(' or ')} limit`,
          terms: [],
          fixes: [
            { knob: `${w.id}.resources.limits`, op: 'set', value: Object.fromEntries(missing.map((k) => [k, example[k]])), term: 'resources.limits', note: '(for example)' },
          ],
        },
      ];
    });
  },
};

/** SO-HEALTH: every backend has a healthcheck, so startup is gated and bad replicas leave rotation. */
export const healthRule: Rule = {
  id: 'SO-HEALTH',
  summary: 'every backend has a healthcheck',
  perTarget: false,
  severity: (prod) => (prod ? 'error' : 'warning'),
  check(ctx) {
    return ctx.backends
      .filter((b) => !b.healthcheck)
      .map((b) => ({
        path: b.path,
        message: 'no healthcheck',
        terms: ['nothing gates startup (depends_on service_healthy, readiness) or takes a broken replica out of rotation'],
        fixes: [healthFix(b)],
      }));
  },
};

/** A worker is probed by an exec command, a web backend by its HTTP health path. */
function healthFix(b: RuleContext['backends'][number]): Fix {
  const knob = `${b.id}.healthcheck`;
  if (b.kind === 'worker') {
    const value = { command: '[CMD, python3, -m, app.worker, --check]', interval: '15s', timeout: '5s', retries: 3 };
    return { knob, op: 'set', value, term: 'healthcheck', note: '(a worker is probed by an exec command)' };
  }
  return { knob, op: 'set', value: { path: '/api/health', interval: '15s', timeout: '5s', retries: 3, startPeriod: '60s' }, term: 'healthcheck' };
}

/** SO-IMAGE-TAG: images are pinned to a tag other than `latest` (or a digest). */
export const imageTagRule: Rule = {
  id: 'SO-IMAGE-TAG',
  summary: "images carry a tag other than 'latest', or a digest",
  perTarget: false,
  severity: (prod) => (prod ? 'error' : 'warning'),
  check(ctx) {
    return workloads(ctx).flatMap((w) => {
      if (hasDigest(w.image)) return [];
      const tag = imageTag(w.image);
      if (tag !== undefined && tag !== 'latest') return [];
      const untagged = tag === undefined ? w.image : w.image.slice(0, -`:${tag}`.length);
      return [
        {
          path: w.path,
          message: tag === undefined ? `image '${w.image}' has no tag` : `image '${w.image}' uses 'latest'`,
          terms: ['an unpinned image changes under you on the next pull'],
          fixes: [{ knob: `${w.id}.image`, op: 'set', value: `${untagged}:<version>`, term: 'image', note: '(a version tag, e.g. :1.2.3)' }],
        },
      ];
    });
  },
};

/** SO-SCALE-CONFLICT: a fixed container name or host port stops `--scale` beyond one container. */
export const scaleConflictRule: Rule = {
  id: 'SO-SCALE-CONFLICT',
  summary: 'scaled services have no container_name and no published host port',
  perTarget: false,
  severity: () => 'error',
  check(ctx) {
    return ctx.backends.flatMap((b) => {
      const out: Violation[] = [];
      if (b.containerName !== undefined) {
        out.push({
          path: b.path,
          message: `fixed container name '${b.containerName}' on a scaled service`,
          terms: ['compose refuses to run a second container ("container name already in use")'],
          fixes: [{ knob: `${b.id}.containerName`, op: 'remove', term: 'containerName' }],
        });
      }
      if (b.hostPort !== undefined) {
        out.push({
          path: b.path,
          message: `host port ${b.hostPort} published on a scaled service`,
          terms: ['a second replica cannot bind the same host port'],
          fixes: [{ knob: `${b.id}.hostPort`, op: 'remove', term: 'hostPort', note: '(nginx is the entry point)' }],
        });
      }
      return out;
    });
  },
};

/** Props SO-SECRET checks on their own terms (by name too), not by value alone. */
const CHECKED_APART = new Set(['env', 'healthcheck', 'command', 'args', 'migration', 'prometheusOperator', 'path']);

/** Every string in a resolved construct, with its dotted path; depth-limited. */
function stringProps(o: object): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, at: string, depth: number) => {
    if (typeof v === 'string') out.push([at, v]);
    else if (v && typeof v === 'object' && depth < 6) {
      for (const [k, x] of Object.entries(v)) if (!(depth === 0 && CHECKED_APART.has(k))) walk(x, at ? `${at}.${k}` : k, depth + 1);
    }
  };
  walk(o, '', 0);
  return out;
}

/** One problem per place a secret shows up. */
function secretFinding(c: { readonly id: string; readonly path: string }, where: string, why: string, fix: Omit<Fix, 'knob'> & { readonly prop: string }): Violation {
  const { prop, ...rest } = fix;
  return { path: c.path, message: `${where} holds ${why}`, terms: ['it would be written into every output file'], fixes: [{ knob: `${c.id}.${prop}`, ...rest }] };
}

/** SO-SECRET: no password, key or token in props; use `{ secret: NAME }`. */
export const secretRule: Rule = {
  id: 'SO-SECRET',
  summary: 'no plaintext password, key or token in env, healthchecks or labels',
  perTarget: false,
  severity: () => 'error',
  check(ctx) {
    const out = ctx.backends.flatMap((b) => {
      const found = Object.entries(b.env).flatMap(([k, v]) => {
        if (typeof v !== 'string' || v === '' || isSecretFileReference(k, v)) return [];
        const why = secretInValue(v) ?? (isSecretName(k) ? 'a plaintext secret' : undefined);
        const secret = { secret: k.toLowerCase().replace(/[^a-z0-9_]/g, '_') };
        return why ? [secretFinding(b, `env ${k}`, why, { prop: `env.${k}`, op: 'set', value: secret, term: `env.${k}` })] : [];
      });
      // Every argv the stack runs: a flag or `PGPASSWORD=…` there is written out like a value.
      const argvs: [string, readonly string[] | undefined][] = [
        ['healthcheck.command', b.healthcheck?.command],
        ['command', b.command],
        ['args', b.args],
        ['migrations.command', b.migration?.command],
      ];
      const note = 'to read the secret from a file (e.g. $(cat /run/secrets/NAME))';
      for (const [prop, argv] of argvs) {
        const why = argv ? secretInArgs(argv) : undefined;
        if (why) found.push(secretFinding(b, prop, why, { prop, op: 'set', term: prop, note }));
      }
      return found;
    });
    // Every other string prop (a user name, an image, a hash key): a token there is written out too.
    for (const c of [...ctx.backends, ctx.nginx, ctx.postgres, ctx.pooler, ctx.redis, ctx.monitoring]) {
      if (!c) continue;
      for (const [where, v] of stringProps(c)) {
        const why = secretInValue(v);
        if (why) out.push(secretFinding(c, where, why, { prop: where, op: 'remove', term: where, note: '(pass secrets as { secret: NAME })' }));
      }
    }
    const labels = ctx.monitoring?.prometheusOperator?.labels ?? {};
    for (const [k, v] of Object.entries(labels)) {
      const why = secretInValue(v) ?? secretInValue(k) ?? (isSecretName(k) && v !== '' ? 'a plaintext secret' : undefined);
      const where = `monitoring.prometheusOperator.labels.${k}`;
      if (why) out.push(secretFinding(ctx.monitoring!, where, why, { prop: `prometheusOperator.labels.${k}`, op: 'remove', term: where, note: '(labels are public metadata)' }));
    }
    return out;
  },
};

/** SO-KEEPALIVE: nginx must drop idle upstream connections before the backend does. */
export const keepaliveRule: Rule = {
  id: 'SO-KEEPALIVE',
  summary: "nginx upstream keepalive_timeout < the backend's keep-alive timeout",
  perTarget: false,
  severity: () => 'error',
  check(ctx) {
    const n = ctx.nginx;
    if (!n || n.keepalive === 0) return [];
    return ctx.backends
      .filter((b) => n.keepaliveTimeout.milliseconds >= b.keepAliveTimeout.milliseconds)
      .map((b) => ({
        path: n.path,
        message: `upstream keepalive_timeout ${n.keepaliveTimeout} ≥ ${b.serviceName} keep-alive ${b.keepAliveTimeout}`,
        terms: ['nginx reuses connections the backend is already closing, which surfaces as sporadic 502s'],
        fixes: [
          { knob: `${n.id}.keepaliveTimeout`, op: 'below', value: `${b.keepAliveTimeout}`, term: 'nginx.keepaliveTimeout' },
          { knob: `${b.id}.keepAliveTimeout`, op: 'above', value: `${n.keepaliveTimeout}`, term: `${b.serviceName} keepAliveTimeout` },
        ],
      }));
  },
};

/** SO-SHARED-VOLUME: replicas on different nodes can only share a ReadWriteMany claim. */
export const sharedVolumeRule: Rule = {
  id: 'SO-SHARED-VOLUME',
  summary: 'a volume mounted by more than one replica is ReadWriteMany on Kubernetes',
  perTarget: true,
  targets: ['kubernetes'],
  severity: () => 'error',
  check(ctx) {
    return ctx.backends.flatMap((b) => {
      const most = b.autoscale ? Math.max(b.autoscale.max, b.replicas) : b.replicas;
      // A rollout runs old and new pods together, so even one replica shares its volume.
      const sharers = most + b.rollout.maxSurge.resolve(most, 'up');
      if (sharers < 2) return [];
      return b.volumes
        .filter((v) => v.accessMode !== 'ReadWriteMany')
        .map((v) => ({
          path: b.path,
          message: `volume '${v.name}' is ${v.accessMode} but up to ${sharers} pods mount it`,
          terms: ['a ReadWriteOnce claim attaches to one node; pods scheduled elsewhere stay Pending'],
          fixes: [
            {
              knob: `${b.id}.volumes[${b.volumes.indexOf(v)}].accessMode`,
              op: 'set',
              value: 'ReadWriteMany',
              term: 'volumes[].accessMode',
              note: '(with a storage class that supports it)',
            },
            { knob: `${b.id}.replicas`, op: 'set', value: 1, term: 'replicas', note: 'and rollout.maxSurge: 0 (one pod)' },
          ],
        }));
    });
  },
};
