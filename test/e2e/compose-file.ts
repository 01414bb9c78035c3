/**
 * Reading the synthesized docker-compose.yml for the native tier: which service is which, and
 * where a consumer's URL points once each running service has a loopback port.
 */

export type ComposeService = {
  entrypoint?: string[];
  command?: string[] | string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  deploy?: { replicas?: number; restart_policy?: { condition?: string } };
  profiles?: string[];
  volumes?: string[];
};
export type ComposeFile = { services: Record<string, ComposeService>; secrets?: Record<string, { file: string }> };

/** The values a compose service's `-c name=value` / `--flag value` command carries. */
export function commandArgs(cmd: string[] | string | undefined): string[] {
  if (cmd === undefined) return [];
  return Array.isArray(cmd) ? cmd : cmd.split(/\s+/);
}

/**
 * Rewrites `scheme://user@host:port/...` to the loopback port of the compose service it names.
 * The host is followed, never chosen: a consumer wired to the wrong service reaches that one.
 */
export function loopbackUrl(url: string, hosts: ReadonlyMap<string, number>): string {
  const u = new URL(url);
  const port = hosts.get(u.hostname);
  if (port === undefined) throw new Error(`${url} names compose service '${u.hostname}', which is not running (running: ${[...hosts.keys()].join(', ')})`);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

/** The one service enabled under a profile that is `id` (or `id-<profile>`) and passes `is`. */
export function serviceOf(compose: ComposeFile, enabled: readonly string[], id: string, is: (s: ComposeService) => boolean): string {
  const names = enabled.filter((n) => (n === id || n.startsWith(`${id}-`)) && is(compose.services[n]!));
  if (names.length !== 1) throw new Error(`expected one compose service for '${id}', found [${names.join(', ')}]`);
  return names[0]!;
}
/** A one-shot service (a migration): compose never restarts it. */
export const isOneShot = (s: ComposeService) => s.deploy?.restart_policy?.condition === 'none';
/** A backend's own service: the env contract, and not a one-shot migration. */
export const isBackend = (s: ComposeService) => s.environment?.['WEB_CONCURRENCY'] !== undefined && !isOneShot(s);
/** The argv a service runs natively: its entrypoint, `python3` replaced by the harness's Python. */
export function nativeArgv(s: ComposeService, python: string): [string, string[]] {
  const argv = s.entrypoint ?? [];
  if (argv[0] !== 'python3') throw new Error(`the native tier runs python3 entrypoints only, got [${argv.join(', ')}]`);
  return [python, argv.slice(1)];
}
export const isPostgres = (s: ComposeService) => s.environment?.['POSTGRES_USER'] !== undefined;
export const isRedis = (s: ComposeService) => commandArgs(s.command).some((a) => a.includes('redis-server'));
