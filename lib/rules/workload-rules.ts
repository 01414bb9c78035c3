import { hasDigest, imageTag } from '../model/image.js';
import type { ResolvedResources } from '../model/common.js';
import type { Rule, RuleContext } from './rule.js';
import { isSecretFileReference, isSecretName, secretInArgs, secretInValue } from './secret-patterns.js';

interface Workload {
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
          title: 'production backend has a single replica',
          details: [`${b.serviceName}: ${knob} < 2; one failure or deploy takes the service down`, 'fix: set replicas (and autoscale.min) ≥ 2'],
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
      return [
        {
          path: w.path,
          title: `no ${missing.join(' or ')} limit`,
          details: [`fix: set resources.limits.${missing.join(' and resources.limits.')}, e.g. cpu: 1, memory: 1Gi`],
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
        title: 'no healthcheck',
        details: [
          'nothing gates startup (depends_on service_healthy, readiness) or takes a broken replica out of rotation',
          b.kind === 'worker'
            ? 'fix: set healthcheck: { command: [CMD, python3, -m, app.worker, --check], interval: 15s, timeout: 5s, retries: 3 } (a worker is probed by an exec command)'
            : "fix: set healthcheck: { path: /api/health, interval: 15s, timeout: 5s, retries: 3, startPeriod: 60s }",
        ],
      }));
  },
};

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
      return [
        {
          path: w.path,
          title: tag === undefined ? `image '${w.image}' has no tag` : `image '${w.image}' uses 'latest'`,
          details: ['an unpinned image changes under you on the next pull; fix: pin a version tag, e.g. :1.2.3'],
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
      const out = [];
      if (b.containerName !== undefined) {
        out.push({
          path: b.path,
          title: `fixed container name '${b.containerName}' on a scaled service`,
          details: ['compose refuses to run a second container ("container name already in use")', 'fix: remove containerName'],
        });
      }
      if (b.hostPort !== undefined) {
        out.push({
          path: b.path,
          title: `host port ${b.hostPort} published on a scaled service`,
          details: ['a second replica cannot bind the same host port', 'fix: remove hostPort; nginx is the entry point'],
        });
      }
      return out;
    });
  },
};

/** Props SO-SECRET checks on their own terms (by name too), not by value alone. */
const CHECKED_APART = new Set(['env', 'healthcheck', 'prometheusOperator', 'path']);

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

/** One finding per place a secret shows up. */
function secretFinding(path: string, where: string, why: string, fix: string) {
  return { path, title: `${where} holds ${why}`, details: [`it would be written into every output file; fix: ${fix}`] };
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
        return why ? [secretFinding(b.path, `env ${k}`, why, `env.${k}: { secret: ${k.toLowerCase().replace(/[^a-z0-9_]/g, '_')} }`)] : [];
      });
      const probe = b.healthcheck ? secretInArgs(b.healthcheck.command) : undefined;
      if (probe) found.push(secretFinding(b.path, 'healthcheck.command', probe, 'read the secret from a file in the probe (e.g. $(cat /run/secrets/NAME))'));
      return found;
    });
    // Every other string prop (a user name, an image, a hash key): a token there is written out too.
    for (const c of [...ctx.backends, ctx.nginx, ctx.postgres, ctx.pooler, ctx.redis, ctx.monitoring]) {
      if (!c) continue;
      for (const [where, v] of stringProps(c)) {
        const why = secretInValue(v);
        if (why) out.push(secretFinding(c.path, where, why, `remove it from ${where}; pass secrets as { secret: NAME }`));
      }
    }
    const labels = ctx.monitoring?.prometheusOperator?.labels ?? {};
    for (const [k, v] of Object.entries(labels)) {
      const why = secretInValue(v) ?? secretInValue(k) ?? (isSecretName(k) && v !== '' ? 'a plaintext secret' : undefined);
      if (why) out.push(secretFinding(ctx.monitoring!.path, `monitoring.prometheusOperator.labels.${k}`, why, 'labels are public metadata; remove it'));
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
        title: `upstream keepalive_timeout ${n.keepaliveTimeout} ≥ ${b.serviceName} keep-alive ${b.keepAliveTimeout}`,
        details: [
          'nginx reuses connections the backend is already closing, which surfaces as sporadic 502s',
          `fix: nginx.keepaliveTimeout < ${b.keepAliveTimeout}, or raise ${b.serviceName} keepAliveTimeout above ${n.keepaliveTimeout}`,
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
          title: `volume '${v.name}' is ${v.accessMode} but up to ${sharers} pods mount it`,
          details: [
            'a ReadWriteOnce claim attaches to one node; pods scheduled elsewhere stay Pending',
            `fix: volumes[].accessMode: ReadWriteMany (with a storage class that supports it), or one pod (replicas 1, rollout.maxSurge 0)`,
          ],
        }));
    });
  },
};
