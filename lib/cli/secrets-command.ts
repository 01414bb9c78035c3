/**
 * `scaleout secrets`: creates the secret files the compose stack reads (random values, mode
 * 0600, never overwriting one that exists) in the secrets directory, and prints, per profile,
 * the commands that hand the same files to Kubernetes (in the profile's namespace) and Pulumi.
 * Everything is read and checked before the first file is written; a failed write undoes the
 * run's others.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type ConfigIssueInit } from '../errors.js';
import type { Stack } from '../model/stack.js';
import { secretName, SECRET_KEY } from '../targets/kubernetes/index.js';
import { userlistLine } from '../render/pgbouncer-ini.js';
import { inspectSecret, modeWarning, quoted, readPassword, SecretWrites, shown, type Found, type WriteNew } from './secrets-fs.js';
import { kubernetesSecrets, pulumiSecrets, secretSources, type KubernetesSecrets, type PulumiSecrets, type SecretSource } from './secrets-sources.js';

/** Options of {@link createSecrets}. */
export interface CreateSecretsProps {
  /**
   * Creates one new file. Tests inject a failing one to see the run undone.
   *
   * @default - `writeFileSync` with mode 0600 and flag 'wx' (never overwrites)
   */
  readonly write?: WriteNew;
}

/** What `scaleout secrets` reports: stdout lines, and warnings for stderr. */
export interface SecretsReport {
  readonly lines: readonly string[];
  readonly warnings: readonly string[];
}

type Userlist = Extract<SecretSource, { kind: 'userlist' }>;

/** The user names a userlist file lists (its first fields). */
function listedUsers(text: string): Set<string> {
  return new Set([...text.matchAll(/^"((?:[^"]|"")*)"/gm)].map((m) => m[1]!.replace(/""/g, '"')));
}

/**
 * Creates the missing secret files in `dir` (which the caller has checked with
 * `checkSecretsDir`), rewrites PgBouncer's userlist when it no longer matches the role password
 * files, and returns the report. Throws a ConfigError, having changed nothing, when a path is
 * unusable or a write fails.
 */
export async function createSecrets(stack: Stack, dir: string, props: CreateSecretsProps = {}): Promise<SecretsReport> {
  const sources = secretSources(stack);
  if (sources.size === 0) return { lines: ['the stack reads no secret files'], warnings: [] };
  // The targets' own plans first: a refused config must not leave files behind.
  const kubernetes = kubernetesSecrets(stack, sources.keys());
  const pulumi = await pulumiSecrets(stack);

  const issues: ConfigIssueInit[] = [];
  const warnings: string[] = [];
  const warn = (w: string | undefined) => w !== undefined && warnings.push(w);
  const dirExists = existsSync(dir);
  if (dirExists) warn(modeWarning(dir, statSync(dir).mode & 0o777, true));
  const found = new Map<string, Found>();
  for (const name of sources.keys()) {
    const f = dirExists ? inspectSecret(dir, name) : ({ exists: false } as const);
    if ('code' in f) issues.push(f);
    else found.set(name, f);
  }
  // Passwords of the existing role files a userlist repeats, read (and checked) up front.
  const values = new Map<string, string>();
  for (const [name, source] of sources) {
    if (source.kind !== 'userlist') continue;
    for (const u of source.users) {
      const f = found.get(u.passwordSecret);
      if (f?.exists && !values.has(u.passwordSecret)) {
        const v = readPassword(join(dir, u.passwordSecret));
        if (typeof v === 'string') values.set(u.passwordSecret, v);
        else issues.push(v);
      } else if (!sources.has(u.passwordSecret)) {
        issues.push({ code: 'SO-CONFIG-SECRETS', path: join(dir, name), message: `lists user ${u.user}, whose password file ${u.passwordSecret} no target reads; this is a bug, please report it` });
      }
    }
  }
  if (issues.length) throw new ConfigError(issues, `nothing was created in ${shown(dir)}:`);

  const writes = new SecretWrites(dir, props.write);
  if (!dirExists) writes.makeDir();
  const lines: string[] = [];
  const todo: string[] = [];
  const userlists: [string, Userlist][] = [];
  for (const [name, source] of sources) {
    const path = join(dir, name);
    const f = found.get(name)!;
    if (source.kind === 'userlist') {
      userlists.push([name, source]);
    } else if (f.exists) {
      lines.push(`kept     ${shown(path)} (it exists; scaleout never overwrites a secret)`);
    } else if (source.kind === 'user') {
      todo.push(`missing  ${shown(path)}: create it yourself, ${source.what}`);
    } else {
      const value = randomBytes(24).toString('base64url');
      writes.create(name, value);
      values.set(name, value);
      lines.push(`created  ${shown(path)} (mode 0600)`);
    }
    // A userlist that is rewritten gets mode 0600 anyway.
    if (f.exists && source.kind !== 'userlist') warn(modeWarning(path, f.mode, false));
  }
  // Last, from the passwords above: the userlist is derived data, rewritten when stale.
  for (const [name, source] of userlists) {
    const path = join(dir, name);
    const text = source.users.map((u) => userlistLine(u.user, values.get(u.passwordSecret)!)).join('');
    if (!found.get(name)!.exists) {
      writes.create(name, text);
      lines.push(`created  ${shown(path)} (mode 0600; PgBouncer's userlist, from the role password files)`);
      continue;
    }
    const old = readFileSync(path, 'utf8');
    if (old === text) {
      lines.push(`kept     ${shown(path)} (it lists every user with its current password)`);
      const f = found.get(name)!;
      if (f.exists) warn(modeWarning(path, f.mode, false));
      continue;
    }
    const had = listedUsers(old);
    const added = source.users.filter((u) => !had.has(u.user)).map((u) => u.user);
    writes.replace(name, text);
    const what = added.length ? `added ${added.join(', ')}` : 'a password or user changed';
    lines.push(`updated  ${shown(path)} (${what}; it is derived from the role password files, which are never changed)`);
  }
  const file = (name: string) => quoted(shown(join(dir, name)));
  return { lines: [...lines, ...todo, ...kubernetesLines(kubernetes, file), ...pulumiLines(pulumi, file)], warnings };
}

/** One block per Kubernetes profile: its namespace, then each Secret its manifests reference. */
function kubernetesLines(profiles: readonly KubernetesSecrets[] | undefined, file: (name: string) => string): string[] {
  if (profiles === undefined) {
    return ['', 'Kubernetes: the rules refuse this stack there, so synth writes no manifests; `scaleout plan --target kubernetes` says why.'];
  }
  return profiles.flatMap((p) => [
    '',
    `Kubernetes, profile ${p.profile}: namespace ${p.namespace} (${p.ownsNamespace ? 'the manifest creates it too' : 'yours: the manifest does not create it'}), one Secret per file, key "${SECRET_KEY}":`,
    `  kubectl create namespace ${p.namespace} --dry-run=client -o yaml | kubectl apply -f -`,
    ...p.secrets.map(
      (n) => `  kubectl create secret generic ${secretName(n)} -n ${p.namespace} --from-file=${SECRET_KEY}=${file(n)} --dry-run=client -o yaml | kubectl apply --server-side -f -`,
    ),
    ...p.unmatched.map((s) => `  Secret ${s}: no secret file maps to it; create it in ${p.namespace} yourself`),
  ]);
}

/** One block per Pulumi profile: the `--secret` config its program reads. */
function pulumiLines(profiles: readonly PulumiSecrets[] | undefined, file: (name: string) => string): string[] {
  if (profiles === undefined) return ['', 'Pulumi: install @pulumi/pulumi to list the stack config secrets its program reads.'];
  return profiles.flatMap((p) => {
    const head = `Pulumi, profile ${p.profile} (in the Pulumi stack that deploys it, e.g. after pulumi stack select ${p.profile}):`;
    if (p.refused) return ['', `Pulumi, profile ${p.profile}: the rules refuse it there; \`scaleout plan --target pulumi\` says why.`];
    return [
      '',
      head,
      ...p.required.map((s) => `  pulumi config set --secret ${s.key} < ${file(s.file)}`),
      ...(p.derived.length
        ? [`  (the login roles' passwords ${p.derived.join(', ')} are derived from postgresPassword unless set the same way)`]
        : []),
    ];
  });
}
