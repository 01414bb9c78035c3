/**
 * `scaleout secrets`: random values from crypto, mode 0600, in the secrets directory, never
 * overwriting a file, and exactly the files the synthesized compose stack references.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from '../helpers/cli.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-secrets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function project(example: string) {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir);
  const file = join(dir, 'scaleout.yaml');
  writeFileSync(file, readFileSync(join(EXAMPLES, example, 'scaleout.yaml')));
  return { dir, file, secrets: join(dir, 'secrets'), out: join(dir, 'dist') };
}

describe('scaleout secrets', () => {
  it('creates every secret file the compose file references, random and mode 0600', () => {
    const p = project('monitored');
    const r = cli('secrets', '-c', p.file);
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
    expect(r.stdout).toContain('kubectl create secret generic postgres-password --from-file=value=');
    expect(r.stdout).toContain('pulumi config set --secret postgresPassword < ');
  });

  it('never overwrites an existing file, and a second run changes nothing', () => {
    const p = project('monitored');
    mkdirSync(p.secrets);
    writeFileSync(join(p.secrets, 'postgres_password'), 'mine');
    expect(cli('secrets', '-c', p.file).code).toBe(0);
    expect(readFileSync(join(p.secrets, 'postgres_password'), 'utf8')).toBe('mine');
    const before = readdirSync(p.secrets).map((f) => readFileSync(join(p.secrets, f), 'utf8'));
    const again = cli('secrets', '-c', p.file);
    expect(again.stdout).toMatch(/^kept {5}/m);
    expect(again.stdout).not.toMatch(/^created/m);
    expect(readdirSync(p.secrets).map((f) => readFileSync(join(p.secrets, f), 'utf8'))).toEqual(before);
  });

  it("writes PgBouncer's userlist with each listed role's password, and leaves certificates to the user", () => {
    const p = project('pooled');
    const r = cli('secrets', '-c', p.file, '--secrets-dir', join(p.dir, 'vault'));
    expect(r.code).toBe(0);
    const pw = (role: string) => readFileSync(join(p.dir, 'vault', `pg_${role}_password`), 'utf8');
    // Every profile's backend (the pooler's clients) and the pooler's own server-side role.
    const users = ['backend', 'backend_prod', 'pgbouncer'];
    expect(readFileSync(join(p.dir, 'vault', 'pgbouncer_userlist'), 'utf8')).toBe(users.map((u) => `"${u}" "${pw(u)}"\n`).join(''));
    expect(new Set(users.map(pw)).size).toBe(users.length);
  });

  it('leaves secrets only the user has (an API key) missing, and says so', () => {
    const p = project('multi-tier');
    const r = cli('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^missing {2}.*stripe_api_key: create it yourself/m);
    expect(readdirSync(p.secrets)).not.toContain('stripe_api_key');
  });
});
