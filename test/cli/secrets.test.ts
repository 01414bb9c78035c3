/**
 * `scaleout secrets`: random values from crypto, mode 0600, in the secrets directory, never
 * overwriting a file, exactly the files the synthesized compose stack references, and per
 * profile the commands for Kubernetes (in the namespace the manifests use, the Secrets they
 * reference) and Pulumi (the config its plan reads).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadConfigFile } from '../../lib/cli/config.js';
import { planDockerStack } from '../../lib/targets/pulumi/plan.js';
import { cli, cliAsync } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-secrets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function project(example: string, edit?: (config: Record<string, any>) => void) {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir);
  const file = join(dir, 'scaleout.yaml');
  const text = readFileSync(join(EXAMPLES, example.endsWith('.yaml') ? example : join(example, 'scaleout.yaml')), 'utf8');
  if (edit) {
    const config = parse(text);
    edit(config);
    writeFileSync(file, stringify(config));
  } else {
    writeFileSync(file, text);
  }
  return { dir, file, secrets: join(dir, 'secrets'), out: join(dir, 'dist') };
}

/** The lines of one printed block: its header line starts with `head`; it ends at a blank line. */
function block(stdout: string, head: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.startsWith(head));
  expect(at, `no block '${head}' in:\n${stdout}`).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > at && l === '');
  return lines.slice(at, end < 0 ? undefined : end);
}

/** Secret names a manifest references, read independently of the code under test. */
function referencedSecrets(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((x) => referencedSecrets(x, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'secretName' && typeof v === 'string') out.add(v);
      if (k === 'secretKeyRef') out.add((v as { name: string }).name);
      referencedSecrets(v, out);
    }
  }
  return out;
}

describe('scaleout secrets', () => {
  it('creates every secret file the compose file references, random and mode 0600', async () => {
    const p = project('monitored');
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(cli('synth', '-c', p.file, '-o', p.out, '--target', 'compose').code).toBe(0);
    const compose = parse(readFileSync(join(p.out, 'compose', 'docker-compose.yml'), 'utf8'));
    const referenced = Object.values(compose.secrets as Record<string, { file: string }>).map((s) => resolve(p.out, 'compose', s.file)).sort();
    expect(readdirSync(p.secrets).map((f) => join(p.secrets, f)).sort()).toEqual(referenced);
    const values = referenced.map((f) => readFileSync(f, 'utf8'));
    for (const f of referenced) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(statSync(p.secrets).mode & 0o777).toBe(0o700);
    for (const v of values) expect(v).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(values).size).toBe(values.length);
    // No value is printed; the commands for the other targets are.
    for (const v of values) expect(r.stdout).not.toContain(v);
    expect(r.stdout).toMatch(/kubectl create secret generic postgres-password -n uns-dev --from-file=value=\S+postgres_password /);
    expect(r.stdout).toContain('pulumi config set --secret postgresPassword < ');
  });

  it('never overwrites an existing file, and a second run changes nothing', async () => {
    const p = project('monitored');
    mkdirSync(p.secrets);
    writeFileSync(join(p.secrets, 'postgres_password'), 'mine', { mode: 0o600 });
    expect((await cliAsync('secrets', '-c', p.file)).code).toBe(0);
    expect(readFileSync(join(p.secrets, 'postgres_password'), 'utf8')).toBe('mine');
    const before = readdirSync(p.secrets).map((f) => readFileSync(join(p.secrets, f), 'utf8'));
    const again = await cliAsync('secrets', '-c', p.file);
    expect(again.stdout).toMatch(/^kept {5}/m);
    expect(again.stdout).not.toMatch(/^(created|updated)/m);
    expect(readdirSync(p.secrets).map((f) => readFileSync(join(p.secrets, f), 'utf8'))).toEqual(before);
  });

  it("writes PgBouncer's userlist with each listed role's password, and leaves certificates to the user", async () => {
    const p = project('pooled');
    const r = await cliAsync('secrets', '-c', p.file, '--secrets-dir', join(p.dir, 'vault'));
    expect(r.code).toBe(0);
    const pw = (role: string) => readFileSync(join(p.dir, 'vault', `pg_${role}_password`), 'utf8');
    // Every profile's backend (the pooler's clients) and the pooler's own server-side role.
    const users = ['backend', 'backend_prod', 'pgbouncer'];
    expect(readFileSync(join(p.dir, 'vault', 'pgbouncer_userlist'), 'utf8')).toBe(users.map((u) => `"${u}" "${pw(u)}"\n`).join(''));
    expect(new Set(users.map(pw)).size).toBe(users.length);
  });

  it('doubles a " in a password in the userlist, as PgBouncer\'s auth_file format wants', async () => {
    const p = project('pooled');
    mkdirSync(p.secrets, { mode: 0o700 });
    writeFileSync(join(p.secrets, 'pg_backend_password'), 'pa"ss"\n', { mode: 0o600 });
    expect((await cliAsync('secrets', '-c', p.file)).code).toBe(0);
    expect(readFileSync(join(p.secrets, 'pgbouncer_userlist'), 'utf8').split('\n')[0]).toBe('"backend" "pa""ss"""');
    expect(readFileSync(join(p.secrets, 'pg_backend_password'), 'utf8')).toBe('pa"ss"\n');
  });

  it('rewrites a stale userlist (a user the stack now has is missing) and reports it, never a role password file', async () => {
    const p = project('pooled');
    expect((await cliAsync('secrets', '-c', p.file)).code).toBe(0);
    const list = join(p.secrets, 'pgbouncer_userlist');
    const full = readFileSync(list, 'utf8');
    const roles = readdirSync(p.secrets).filter((f) => f !== 'pgbouncer_userlist');
    const before = roles.map((f) => readFileSync(join(p.secrets, f), 'utf8'));
    // As it was before backend_prod joined the stack.
    writeFileSync(list, full.split('\n').filter((l) => !l.startsWith('"backend_prod"')).join('\n'), { mode: 0o600 });
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^updated {2}\S*pgbouncer_userlist \(added backend_prod;/m);
    expect(readFileSync(list, 'utf8')).toBe(full);
    expect(statSync(list).mode & 0o777).toBe(0o600);
    expect(roles.map((f) => readFileSync(join(p.secrets, f), 'utf8'))).toEqual(before);
    // A changed role password is a stale userlist too.
    writeFileSync(join(p.secrets, 'pg_pgbouncer_password'), 'rotated', { mode: 0o600 });
    const rotated = await cliAsync('secrets', '-c', p.file);
    expect(rotated.stdout).toMatch(/^updated {2}\S*pgbouncer_userlist \(a password or user changed;/m);
    expect(readFileSync(list, 'utf8')).toContain('"pgbouncer" "rotated"\n');
    expect((await cliAsync('secrets', '-c', p.file)).stdout).toMatch(/^kept {5}\S*pgbouncer_userlist/m);
  });

  it('leaves secrets only the user has (an API key) missing, and says so', async () => {
    const p = project('multi-tier');
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^missing {2}.*stripe_api_key: create it yourself/m);
    expect(readdirSync(p.secrets)).not.toContain('stripe_api_key');
  });
});

describe('scaleout secrets: Kubernetes, per profile', () => {
  it.each([
    ['pooled', undefined],
    ['monitored', undefined],
    ['pooled with a namespace the user names', (c: Record<string, any>) => (c.profiles.prod.namespace = 'shop')],
  ] as const)("%s: each profile's block creates exactly the Secrets its manifest references, in its namespace, from the files", async (label, edit) => {
    const p = project(label.split(' ')[0]!, edit);
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(cli('synth', '-c', p.file, '-o', p.out, '--target', 'kubernetes').code).toBe(0);
    const manifests = readdirSync(p.out).filter((f) => f.endsWith('.k8s.yaml'));
    expect(manifests.length).toBeGreaterThan(1);
    for (const m of manifests) {
      const profile = m.replace(/^uns-/, '').replace(/\.k8s\.yaml$/, '');
      const objects = parseAllDocuments(readFileSync(join(p.out, m), 'utf8')).map((d) => d.toJS());
      const namespaces = new Set(objects.filter((o) => o.kind !== 'Namespace').map((o) => o.metadata.namespace));
      expect(namespaces.size).toBe(1);
      const [ns] = namespaces;
      const lines = block(r.stdout, `Kubernetes, profile ${profile}:`);
      expect(lines[0]).toContain(`namespace ${ns} (${objects.some((o) => o.kind === 'Namespace') ? 'the manifest creates it too' : 'yours'}`);
      expect(lines).toContain(`  kubectl create namespace ${ns} --dry-run=client -o yaml | kubectl apply -f -`);
      const commands = lines.filter((l) => l.includes('create secret'));
      for (const c of commands) {
        expect(c).toMatch(new RegExp(` -n ${ns} --from-file=value=(\\S+) --dry-run=client -o yaml \\| kubectl apply --server-side -f -$`));
        // The file the Secret is made from exists and is the secret of that name.
        const file = /--from-file=value=(\S+)/.exec(c)![1]!;
        const name = /generic (\S+)/.exec(c)![1]!;
        expect(statSync(resolve(file)).isFile()).toBe(true);
        expect(relative(p.secrets, resolve(file)).replace(/_/g, '-')).toBe(name);
      }
      expect(commands.map((c) => /generic (\S+)/.exec(c)![1]).sort()).toEqual([...referencedSecrets(objects)].sort());
    }
  });

  it('prints no --from-literal, and neither does README.md', async () => {
    const p = project('reference');
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.stdout).toContain('--from-file=');
    expect(r.stdout).not.toContain('--from-literal');
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).not.toContain('--from-literal');
  });
});

describe('scaleout secrets: a target whose rules refuse the stack', () => {
  it('still creates the compose files, and says which target refuses instead of printing commands for it', async () => {
    // Fine on Pulumi, refused on compose and Kubernetes (rollout surge): synth writes no manifests.
    const p = project('pitfalls/zero-downtime.yaml');
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(readdirSync(p.secrets)).toContain('postgres_password');
    expect(r.stdout).toContain('Kubernetes: the rules refuse this stack there');
    expect(r.stdout).not.toContain('kubectl');
    expect(r.stdout).toMatch(/^ {2}pulumi config set --secret postgresPassword < /m);
    // Refused on Pulumi in prod only: that profile says so, dev gets its commands.
    const q = project('pitfalls/seed-formula.yaml');
    const one = await cliAsync('secrets', '-c', q.file);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^Pulumi, profile prod: the rules refuse it there/m);
    expect(block(one.stdout, 'Pulumi, profile dev ')).toContainEqual(expect.stringMatching(/^ {2}pulumi config set --secret postgresPassword < /));
  });
});

describe('scaleout secrets: Pulumi, per profile', () => {
  it("lists what each profile's plan reads, not the userlist the program builds, and the role passwords as derived", async () => {
    const p = project('pooled');
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    // The compose stack gets the userlist file; Pulumi writes its own from the role passwords.
    expect(readdirSync(p.secrets)).toContain('pgbouncer_userlist');
    const stack = loadConfigFile(p.file);
    for (const profile of stack.profileNames) {
      const plan = planDockerStack(stack, profile);
      const lines = block(r.stdout, `Pulumi, profile ${profile} `);
      const set = lines.filter((l) => l.includes('pulumi config set'));
      expect(set.join('\n')).not.toContain('userlist');
      const files = set.map((l) => relative(p.secrets, resolve(/< (\S+)$/.exec(l)![1]!)));
      expect(files.sort()).toEqual(plan.secretNames.filter((s) => !plan.roleSecrets.includes(s)).sort());
      expect(set.some((l) => l.startsWith('  pulumi config set --secret postgresPassword < ') && resolve(l.split(' < ')[1]!) === join(p.secrets, plan.ctx.postgres!.passwordSecret))).toBe(true);
      for (const role of plan.roleSecrets) expect(lines.at(-1)).toContain(role);
    }
  });
});
