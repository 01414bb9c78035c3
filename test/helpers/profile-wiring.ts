/**
 * What a profile's consumers connect to in a compose file: each backend's DATABASE_URL and
 * REDIS_URL host, each exporter's target, and who mounts which named volume. Shared by the
 * unit test (compose's profile rules applied here) and the tools test (docker-compose's own).
 */
import { expect } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../lib/cli/config.js';
import { synthCompose } from '../../lib/targets/compose/index.js';

type Service = Record<string, any>;
export interface ComposeFile {
  readonly services: Record<string, Service>;
}

/** compose-spec: a service without `profiles` is always enabled; otherwise when one is active. */
export function enabledIn(compose: ComposeFile, profile: string): string[] {
  return Object.entries(compose.services)
    .filter(([, s]) => !s.profiles || s.profiles.includes(profile))
    .map(([name]) => name)
    .sort();
}

function hostOf(url: string): string {
  return new URL(url).hostname;
}

function settingOf(service: Service, key: string): string | undefined {
  const args: string[] = service.command ?? [];
  return args.find((a) => a.startsWith(`${key}=`))?.split('=')[1];
}

/**
 * Asserts that every consumer enabled under `profile` reaches a provider that is enabled under
 * it too, and that the provider carries the profile's own settings.
 */
export function expectWiredWithin(
  compose: ComposeFile,
  profile: string,
  enabled: readonly string[],
  expected: { readonly maxConnections: number },
  files: ReadonlyMap<string, string>,
): void {
  const on = new Set(enabled);
  const backends = enabled.filter((n) => compose.services[n]!.environment?.WEB_CONCURRENCY !== undefined);
  expect(backends.length, `no backend enabled under ${profile}`).toBeGreaterThan(0);
  for (const name of enabled) {
    const s = compose.services[name]!;
    for (const dep of Object.keys(s.depends_on ?? {})) expect(on.has(dep), `${name} depends on ${dep}, not enabled under ${profile}`).toBe(true);
  }
  /** The Postgres service behind `host`: itself, or the server its mounted pgbouncer.ini names. */
  const postgresOf = (host: string): string => {
    const s = compose.services[host]!;
    const ini = ((s.volumes ?? []) as string[]).find((v) => v.endsWith(':/etc/pgbouncer/pgbouncer.ini:ro'));
    if (!ini) return host;
    const text = files.get(ini.slice(2).split(':')[0]!)!;
    return /host=(\S+)/.exec(text)![1]!;
  };
  for (const b of backends) {
    const env = compose.services[b]!.environment;
    const db = hostOf(env.DATABASE_URL);
    expect(on.has(db), `${b} → ${db}, not enabled under ${profile}`).toBe(true);
    const server = postgresOf(db);
    expect(on.has(server), `${b} → ${db} → ${server}, not enabled under ${profile}`).toBe(true);
    expect(settingOf(compose.services[server]!, 'max_connections'), `${b} → ${server}`).toBe(String(expected.maxConnections));
    if (env.REDIS_URL) {
      const redis = hostOf(env.REDIS_URL);
      expect(on.has(redis), `${b} → ${redis}, not enabled under ${profile}`).toBe(true);
    }
  }
  for (const name of enabled) {
    const env = compose.services[name]!.environment ?? {};
    const target = env.DATA_SOURCE_URI ?? env.REDIS_ADDR;
    if (typeof target === 'string') {
      const host = target.replace(/^redis:\/\//, '').split(':')[0]!;
      expect(on.has(host), `${name} → ${host}, not enabled under ${profile}`).toBe(true);
    }
  }
}

/** Named volumes (not bind mounts) by the services that mount them. */
export function volumeOwners(compose: ComposeFile): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [name, s] of Object.entries(compose.services)) {
    for (const v of (s.volumes ?? []) as string[]) {
      if (v.startsWith('./') || v.startsWith('/')) continue;
      const vol = v.split(':')[0]!;
      owners.set(vol, [...(owners.get(vol) ?? []), name]);
    }
  }
  return owners;
}

/** Stacks whose prod profile overrides postgres: and redis: (test/fixtures/profile-override). */
export const PROFILE_OVERRIDE_FIXTURES = ['direct', 'pooled'] as const;

export function synthFixture(name: (typeof PROFILE_OVERRIDE_FIXTURES)[number]) {
  const { files } = synthCompose(loadConfigFile(`test/fixtures/profile-override/${name}.yaml`));
  return { files, compose: parse(files.get('docker-compose.yml')!) as ComposeFile };
}
