/**
 * The output-directory rule through the CLI: synth writes only into a directory it owns,
 * and the secret files the compose file references live outside it and survive every synth.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from '../helpers/cli.js';

const REFERENCE = readFileSync(join(import.meta.dirname, '..', '..', 'examples/reference/scaleout.yaml'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-outdir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function project() {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir);
  const file = join(dir, 'scaleout.yaml');
  writeFileSync(file, REFERENCE);
  return { dir, file, out: join(dir, 'dist') };
}

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[relative(dir, join(e.parentPath, e.name))] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

describe('scaleout synth: the output directory', () => {
  it('refuses a non-empty directory it did not create with one line, exit 2, every file in place', () => {
    const p = project();
    mkdirSync(join(p.out, '.git'), { recursive: true });
    writeFileSync(join(p.out, '.git', 'config'), '[core]');
    writeFileSync(join(p.out, 'app.py'), 'print(1)');
    const r = cli('synth', '-c', p.file, '-o', p.out);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('is not empty and holds no .scaleout-manifest.json');
    expect(r.stderr).toContain('--force');
    expect(tree(p.out)).toEqual({ '.git/config': '[core]', 'app.py': 'print(1)' });
    expect(readdirSync(p.dir).sort()).toEqual(['dist', 'scaleout.yaml']);
  });

  it('--force writes into it and keeps the user files', () => {
    const p = project();
    mkdirSync(p.out);
    writeFileSync(join(p.out, 'app.py'), 'print(1)');
    expect(cli('synth', '-c', p.file, '-o', p.out, '--force').code).toBe(0);
    expect(readFileSync(join(p.out, 'app.py'), 'utf8')).toBe('print(1)');
    expect(Object.keys(tree(p.out))).toContain('compose/docker-compose.yml');
  });

  it('references secrets/ next to the config file, outside the output, and those files survive any number of synths', () => {
    const p = project();
    expect(cli('synth', '-c', p.file, '-o', p.out).code).toBe(0);
    const compose = parse(readFileSync(join(p.out, 'compose', 'docker-compose.yml'), 'utf8'));
    const secrets = Object.entries(compose.secrets as Record<string, { file: string }>);
    expect(secrets.length).toBeGreaterThan(0);
    for (const [name, { file }] of secrets) {
      const abs = resolve(p.out, 'compose', file);
      expect(abs).toBe(join(p.dir, 'secrets', name));
      mkdirSync(join(p.dir, 'secrets'), { recursive: true });
      writeFileSync(abs, `value-of-${name}\n`, { mode: 0o600 });
    }
    for (let i = 0; i < 3; i++) expect(cli('synth', '-c', p.file, '-o', p.out).code).toBe(0);
    for (const [name] of secrets) expect(readFileSync(join(p.dir, 'secrets', name), 'utf8')).toBe(`value-of-${name}\n`);
  });

  it('--secrets-dir moves the reference, and a secrets dir inside the output is refused', () => {
    const p = project();
    const elsewhere = join(tmp, `vault-${n}`);
    expect(cli('synth', '-c', p.file, '-o', p.out, '--secrets-dir', elsewhere, '--target', 'compose').code).toBe(0);
    const compose = parse(readFileSync(join(p.out, 'compose', 'docker-compose.yml'), 'utf8'));
    expect(resolve(p.out, 'compose', compose.secrets.postgres_password.file)).toBe(join(elsewhere, 'postgres_password'));
    const r = cli('synth', '-c', p.file, '-o', p.out, '--secrets-dir', join(p.out, 'compose', 'secrets'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('lies inside the output directory');
  });

  it('-o under /proc fails at once with exit 2', () => {
    const p = project();
    const r = cli('synth', '-c', p.file, '-o', '/proc/nope/out');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^scaleout: cannot write to \/proc\/nope\/out: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
