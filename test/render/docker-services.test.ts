/**
 * One ServiceSpec, two serializers: compose (a typed compose-spec service) and Pulumi
 * (docker.ContainerArgs) write the same facts, each in its own form.
 */
import { describe, expect, it } from 'vitest';
import { resolveProfile } from '../../lib/plan/profile.js';
import { backendSpec, nginxSpec, postgresSpec, redisSpec, type ServiceSpec } from '../../lib/render/docker-services.js';
import { composeService } from '../../lib/targets/compose/services.js';
import { toYaml } from '../../lib/targets/compose/yaml.js';
import { containerArgs, type ContainerRefs } from '../../lib/targets/pulumi/containers.js';
import { minimalStack } from '../helpers/stacks.js';

const refs: ContainerRefs = {
  image: 'img',
  networks: { app: 'net-app', data: 'net-data' },
  volume: (n) => `vol-${n}`,
  secret: (n) => `secret-of-${n}`,
};
const pulumiArgs = (spec: ServiceSpec, hostname = 'svc') => containerArgs(spec, { name: 'c', hostname, who: 'uns/x', refs });

function profile(o: Parameters<typeof minimalStack>[0] = {}) {
  const { stack } = minimalStack(o);
  return resolveProfile(stack, 'dev');
}

describe('ServiceSpec serializers', () => {
  it('write the same argv, env, volumes, ports and health in both targets', () => {
    const ctx = profile({ backend: { hostPort: 8080, volumes: [{ name: 'uploads', path: '/srv/uploads', readOnly: true }] } });
    for (const spec of [postgresSpec(ctx.postgres!, 'db'), redisSpec(ctx.redis!, 'redis'), backendSpec(ctx.backends[0]!, ctx.postgres, ctx.redis, undefined, {})]) {
      const c = composeService(spec, 'svc');
      const p = pulumiArgs(spec);
      expect(c.command ?? []).toEqual(p.command ?? []);
      expect(Object.entries(c.environment ?? {}).map(([k, v]) => `${k}=${v}`).sort()).toEqual(p.envs ?? []);
      expect(c.volumes ?? []).toEqual(
        ((p.volumes ?? []) as { volumeName: string; containerPath: string; readOnly: boolean }[]).map(
          (v) => `${v.volumeName.replace(/^vol-/, '')}:${v.containerPath}${v.readOnly ? ':ro' : ''}`,
        ),
      );
      expect(c.ports ?? []).toEqual(((p.ports ?? []) as { internal: number; external: number }[]).map((x) => `${x.external}:${x.internal}`));
      expect(c.healthcheck?.test ?? []).toEqual((p.healthcheck as { tests: string[] } | undefined)?.tests ?? []);
      expect(c.secrets ?? []).toEqual(((p.uploads ?? []) as { file: string }[]).map((u) => u.file.replace('/run/secrets/', '')));
    }
  });

  it('keep shell text literal; only the compose YAML writer escapes `$`', () => {
    const ctx = profile();
    const spec = redisSpec(ctx.redis!, 'redis');
    expect(spec.command!.join(' ')).toContain('$(sed ');
    expect(pulumiArgs(spec).command).toEqual(spec.command);
    const yaml = toYaml(composeService(spec, 'redis'));
    expect(yaml).toContain('$$(sed ');
    expect(yaml).not.toMatch(/[^$]\$\(sed/);
  });

  it('compose drops an alias equal to the service name and writes the short form when no network has one', () => {
    const ctx = profile({ backend: { serviceName: 'api' } });
    const spec = backendSpec(ctx.backends[0]!, ctx.postgres, ctx.redis, undefined, {});
    expect(composeService(spec, 'api').networks).toEqual({ app: { aliases: ['backend'] }, data: {} });
    expect(composeService(spec, 'backend').networks).toEqual({ app: {}, data: {} });
    expect(composeService(nginxSpec(ctx.nginx!, 'nginx/nginx.conf'), 'nginx').networks).toEqual(['app']);
  });

  it('Pulumi gives the first network the consumers’ name as an alias, next to the spec’s stable aliases', () => {
    const ctx = profile({ backend: { serviceName: 'api' } });
    const args = pulumiArgs(backendSpec(ctx.backends[0]!, ctx.postgres, ctx.redis, undefined, {}), 'api');
    expect(args.networksAdvanced).toEqual([{ name: 'net-app', aliases: ['backend', 'api'] }, { name: 'net-data' }]);
    expect(pulumiArgs(postgresSpec(ctx.postgres!, 'db'), 'db').networksAdvanced).toEqual([{ name: 'net-data', aliases: ['db'] }]);
  });

  it('Pulumi refuses an upload outside every path the spec mounts, and a data network it was not given', () => {
    const ctx = profile();
    const spec = nginxSpec(ctx.nginx!, 'nginx/nginx.conf');
    expect(() => containerArgs(spec, { name: 'c', hostname: 'nginx', who: 'uns/nginx', refs, uploads: [{ file: '/etc/passwd', content: 'x' }] })).toThrow(
      'uns/nginx: /etc/passwd is not under any path the service mounts',
    );
    const noData = { ...refs, networks: { app: 'net-app' } };
    expect(() => containerArgs(postgresSpec(ctx.postgres!, 'db'), { name: 'c', hostname: 'db', who: 'uns/db', refs: noData })).toThrow(
      'uns/db needs the internal data network',
    );
  });

  it('a user, when a spec sets one, reaches both targets', () => {
    const ctx = profile();
    const spec = { ...postgresSpec(ctx.postgres!, 'db'), user: '999:999' };
    expect(composeService(spec, 'db').user).toBe('999:999');
    expect(pulumiArgs(spec).user).toBe('999:999');
    expect(composeService(postgresSpec(ctx.postgres!, 'db'), 'db')).not.toHaveProperty('user');
  });
});
