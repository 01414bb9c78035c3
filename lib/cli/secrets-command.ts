/**
 * `scaleout secrets`: creates the secret files the compose stack reads (random values, mode
 * 0600, never overwriting one that exists), outside any output directory, and prints the
 * commands that hand the same files to Kubernetes and Pulumi.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { Stack } from '../model/stack.js';
import { poolerAuthUsers, postgresRoles, type PoolerAuthUser } from '../plan/roles.js';
import { evaluate } from '../rules/gate.js';
import { composeProject } from '../targets/compose/project.js';
import { SECRET_KEY, secretName } from '../targets/kubernetes/names.js';
import { makeDirs } from '../targets/output.js';

/** How one secret gets its value. */
type Source = { kind: 'random' } | { kind: 'userlist'; users: readonly PoolerAuthUser[] } | { kind: 'user'; what: string };

/** Every secret the compose stack reads, and where its value comes from. */
function secretSources(stack: Stack): Map<string, Source> {
  const report = evaluate(stack, { targets: ['compose'] });
  const names = Object.keys(composeProject(stack, report.contexts).compose.secrets ?? {});
  const sources = new Map<string, Source>(names.map((n) => [n, { kind: 'user', what: 'a value only you have (an API key, a certificate)' }]));
  for (const c of report.contexts) {
    // Every login role's password (lib/plan/roles.ts) and the pooler's other users are random too.
    const roles = postgresRoles(c, 'compose').map((r) => r.passwordSecret);
    const auth = poolerAuthUsers(c);
    for (const s of [c.postgres?.passwordSecret, c.redis?.passwordSecret, c.monitoring?.grafana.adminPasswordSecret, ...roles, ...auth.map((u) => u.passwordSecret)]) {
      if (s !== undefined && sources.has(s)) sources.set(s, { kind: 'random' });
    }
    // One userlist file serves every profile's pooler: it lists the users of all of them.
    if (c.pooler && sources.has(c.pooler.userlistSecret)) {
      const had = sources.get(c.pooler.userlistSecret)!;
      const users = new Map([...(had.kind === 'userlist' ? had.users : []), ...auth].map((u) => [u.user, u]));
      sources.set(c.pooler.userlistSecret, { kind: 'userlist', users: [...users.values()].sort((a, b) => (a.user < b.user ? -1 : 1)) });
    }
  }
  return new Map([...sources].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The Pulumi config key a secret is read from (see lib/targets/pulumi/secrets.ts). */
function pulumiKey(stack: Stack, name: string): string {
  const c = evaluate(stack, { targets: ['compose'] }).contexts[0];
  if (name === c?.postgres?.passwordSecret) return 'postgresPassword';
  if (name === c?.redis?.passwordSecret) return 'redisPassword';
  return name;
}

/** The secrets directory: `--secrets-dir`, else `secrets/` next to the config file. */
export function secretsDirOf(configFile: string, flag: string | undefined): string {
  if (flag === '') throw new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: '--secrets-dir', message: 'empty path; pass a directory such as ./secrets' }]);
  const dir = resolve(flag ?? join(dirname(resolve(configFile)), 'secrets'));
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: dir, message: 'exists and is not a directory; pass --secrets-dir' }]);
  return dir;
}

/** Creates the missing secret files in `dir` and returns the report lines. */
export function createSecrets(stack: Stack, dir: string): string[] {
  const sources = secretSources(stack);
  const shown = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel === '' || rel.startsWith('..') ? p : rel;
  };
  const quoted = (p: string) => (/^[A-Za-z0-9_./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
  const lines: string[] = [];
  const todo: string[] = [];
  if (sources.size === 0) return ['the stack reads no secret files'];
  if (!existsSync(dir)) {
    makeDirs(dirname(dir));
    mkdirSync(dir, { mode: 0o700 });
  }
  // Random passwords first: a userlist repeats the passwords of the roles it lists.
  const order = [...sources].sort(([, a], [, b]) => (a.kind === 'userlist' ? 1 : 0) - (b.kind === 'userlist' ? 1 : 0));
  for (const [name, source] of order) {
    const path = join(dir, name);
    if (existsSync(path)) {
      lines.push(`kept     ${shown(path)} (it exists; scaleout never overwrites a secret)`);
      continue;
    }
    if (source.kind === 'user') {
      todo.push(`missing  ${shown(path)}: create it yourself, ${source.what}`);
      continue;
    }
    const value =
      source.kind === 'random'
        ? randomBytes(24).toString('base64url')
        : source.users.map((u) => `"${u.user}" "${readFileSync(join(dir, u.passwordSecret), 'utf8').trim()}"\n`).join('');
    // 'wx': fails instead of overwriting a file that appeared meanwhile.
    writeFileSync(path, value, { mode: 0o600, flag: 'wx' });
    lines.push(`created  ${shown(path)} (mode 0600)`);
  }
  const files = [...sources.keys()].map((n) => [n, quoted(shown(join(dir, n)))] as const);
  return [
    ...lines,
    ...todo,
    '',
    'Kubernetes (one Secret per file, key "value"):',
    ...files.map(([n, p]) => `  kubectl create secret generic ${secretName(n)} --from-file=${SECRET_KEY}=${p}`),
    '',
    'Pulumi (stack config secrets):',
    ...files.map(([n, p]) => `  pulumi config set --secret ${pulumiKey(stack, n)} < ${p}`),
  ];
}
