/**
 * Kubernetes and Pulumi render one profile each, so a profile override of the data tier cannot
 * cross-wire them; these guard that, with the same fixtures as the compose wiring test.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/cli/config.js';
import { DockerStack } from '../../lib/targets/pulumi/index.js';
import { byKind, containersOf, named, render } from '../helpers/k8s.js';
import { installMocks, registrationsOf, settle } from './pulumi/mocks.js';

const all = installMocks('scaleout-wiring', 'test');
const MAX_CONNECTIONS = { dev: '50', prod: '300' } as const;
const fixture = (name: string) => loadConfigFile(`test/fixtures/profile-override/${name}.yaml`);
const envOf = (c: any): Record<string, string> => Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));
const settingOf = (args: readonly string[], key: string) => args.find((a) => a.startsWith(`${key}=`))?.split('=')[1];

describe.each(['dev', 'prod'] as const)('Kubernetes: profile %s of a stack overriding postgres: and redis:', (profile) => {
  it('points the backend at the Services of this profile’s own servers', () => {
    const { manifests } = render(fixture('direct'), profile);
    const api = byKind(manifests, 'Deployment').find((d) => d.metadata.name.startsWith('api'))!;
    const env = envOf(containersOf(api).find((c) => !c.init)!.container);
    const dbHost = new URL(env.DATABASE_URL!).hostname;
    const redisHost = new URL(env.REDIS_URL!).hostname;
    named(manifests, 'Service', dbHost);
    named(manifests, 'Service', redisHost);
    const db = named(manifests, 'StatefulSet', dbHost);
    const args = containersOf(db)[0]!.container.args as string[];
    expect(settingOf(args, 'max_connections')).toBe(MAX_CONNECTIONS[profile]);
  });
});

describe.each(['dev', 'prod'] as const)('Pulumi: profile %s of a stack overriding postgres: and redis:', (profile) => {
  it('gives the backend containers the host alias of this profile’s Postgres container', async () => {
    const name = `wiring-${profile}`;
    const component = new DockerStack(name, {
      stack: fixture('direct'),
      profile,
      postgresPassword: 'pw',
      redisPassword: 'pw',
      secrets: { grafana_admin_password: 'pw' },
    });
    await settle(component);
    const containers = registrationsOf(all, name).filter((r) => r.type === 'docker:index/container:Container');
    const aliasOf = (host: string) => containers.filter((c) => (c.inputs.networksAdvanced ?? []).some((n: any) => (n.aliases ?? []).includes(host)));
    const api = containers.filter((c) => c.name.includes('-api'));
    expect(api.length).toBeGreaterThan(0);
    for (const c of api) {
      const env = Object.fromEntries((c.inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      const [db] = aliasOf(new URL(env.DATABASE_URL!).hostname);
      expect(settingOf(db!.inputs.command, 'max_connections')).toBe(MAX_CONNECTIONS[profile]);
      expect(aliasOf(new URL(env.REDIS_URL!).hostname)).toHaveLength(1);
    }
  });
});
