/** The pure planning step: gate, image overrides, nginx.conf and capacity, with no Pulumi engine. */
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { ConfigError, SynthError, synthGate } from '../../../lib/index.js';
import { planDockerStack } from '../../../lib/targets/pulumi/index.js';
import { planWithSpecs } from '../../../lib/targets/pulumi/plan.js';
import { Testing } from 'cdk8s';
import { backendSecrets } from '../../../lib/render/backend-env.js';
import { exampleSources } from '../../helpers/k8s.js';
import { minimalStack } from '../../helpers/stacks.js';
import { poolerAuthUsers, postgresRoles } from '../../../lib/plan/roles.js';

describe('planDockerStack', () => {
  it('gates under Pulumi semantics: peak = replicas, where Kubernetes adds surge and draining', () => {
    // Pulumi: 4 replicas × 1 worker × (10 + 10) + the monitoring role 1 = 81 ≤ 97. Kubernetes: (4 + surge 1 + draining 1) × 20 = 120.
    const { stack } = minimalStack({ backend: { replicas: 4, pool: { size: 10, maxOverflow: 10 } } });
    expect(() => synthGate(stack, { targets: ['kubernetes'], profiles: ['prod'] })).toThrow(/\[SO-POOL\]/);
    const plan = planDockerStack(stack, 'prod');
    expect(plan.capacity.postgres).toEqual({ demand: 81, available: 97, headroom: 16 });
    expect(plan.capacity.backends[0]).toMatchObject({ replicas: 4, peakReplicas: 4, maxSafeReplicas: 4, limitedBy: 'PostgreSQL' });
  });

  it('throws the gate SynthError for a failing model', () => {
    const { stack } = minimalStack({ db: { maxConnections: 20 } });
    expect(() => planDockerStack(stack, 'dev')).toThrow(SynthError);
    expect(() => planDockerStack(stack, 'dev')).toThrow(/\[SO-POOL\] uns\/db \(profile dev, target pulumi\)/);
  });

  it('lists every secret the containers mount', () => {
    const plan = planDockerStack(referenceStack(), 'dev');
    expect(plan.secretNames).toEqual(['pg_backend_password', 'pg_scaleout_monitor_password', 'postgres_password', 'redis_password']);
    // The login roles' secrets: derived from the superuser's unless set.
    expect(plan.roleSecrets).toEqual(['pg_backend_password', 'pg_scaleout_monitor_password']);
  });

  it.each(exampleSources().map((e) => [e.example, e] as const))('%s: reads its secret list off the specs it registers, each stored secret once', (_, e) => {
    const stack = e.load(Testing.app());
    for (const profile of stack.profileNames) {
      const plan = planWithSpecs(stack, profile);
      const { ctx, specs } = plan;
      const all = [specs.postgres, specs.roleSetup, specs.redis, specs.pooler, ...specs.backends.values(), ...specs.migrations.values(), specs.nginx];
      const mounted = [...all, ...specs.monitoring.map((m) => m.spec)].flatMap((spec) => spec?.secrets ?? []);
      // Every secret a container mounts is uploaded, and every role's password (the pooler's
      // userlist is built from them), except the userlist itself.
      const roleSecrets = [...postgresRoles(ctx, 'pulumi').map((r) => r.passwordSecret), ...poolerAuthUsers(ctx).map((u) => u.passwordSecret)];
      expect(new Set([...plan.secretNames, ...(ctx.pooler ? [ctx.pooler.userlistSecret] : [])])).toEqual(new Set([...mounted, ...roleSecrets]));
      // What the model says each construct needs.
      const needed = [
        ctx.postgres?.passwordSecret,
        ctx.redis?.passwordSecret,
        ...ctx.backends.flatMap((b) => backendSecrets(b, ctx.postgres, ctx.redis)),
        ...(ctx.nginx?.tls ? [ctx.nginx.tls.certificateSecret, ctx.nginx.tls.keySecret] : []),
        ctx.monitoring?.grafana.adminPasswordSecret,
        ...roleSecrets,
      ].filter((x): x is string => x !== undefined);
      expect(plan.secretNames).toEqual([...new Set(needed)].sort());
    }
  });

  it('refuses overrides for unknown constructs and unpinned images, all at once', () => {
    let error: unknown;
    try {
      planDockerStack(referenceStack(), 'dev', { backnd: 'ghcr.io/uns/backend:5.4.2', redis: 'redis', db: 'postgres:latest' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "images.backnd: stack 'uns' has no construct 'backnd'; did you mean 'backend'?; known: backend, nginx, db, redis",
      "images.redis: 'redis' is not pinned; give it a version tag (e.g. :1.2.3) or a digest",
      "images.db: 'postgres:latest' is not pinned; give it a version tag (e.g. :1.2.3) or a digest",
    ]);
  });

  it("refuses an override that is no image reference, with the model's own message", () => {
    const problems = (images: Record<string, string>) => {
      try {
        planDockerStack(referenceStack(), 'dev', images);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
      }
      throw new Error('expected a ConfigError');
    };
    expect(problems({ backend: 'ghcr.io/uns/backend:${TAG}', nginx: 'nginx:1.28 --privileged' })).toEqual([
      "images.backend: 'ghcr.io/uns/backend:${TAG}' is not an image reference; write it like 'ghcr.io/acme/api:1.2.3' (lowercase path, no spaces or variables)",
      "images.nginx: 'nginx:1.28 --privileged' is not an image reference; write it like 'ghcr.io/acme/api:1.2.3' (lowercase path, no spaces or variables)",
    ]);
    expect(problems({ db: 42 as unknown as string })).toEqual(["images.db: expected an image reference string like 'ghcr.io/acme/api:1.2.3'"]);
  });

  it('accepts a digest-pinned override and keeps the model nginx version when the tag has none', () => {
    const digest = 'nginx@sha256:' + 'a'.repeat(64);
    const plan = planDockerStack(referenceStack(), 'prod', { nginx: digest });
    expect(plan.ctx.nginx).toMatchObject({ image: digest, version: [1, 28, 0] });
    expect(plan.nginxConf).toContain('resolve');
  });
});
