/**
 * `scaleout secrets` against hostile places: a secrets directory that is, lies inside or holds
 * an output directory, secret paths that are directories or symlinks out of the directory, an
 * unwritable directory, a write that fails halfway, and files others can read. Each is one
 * clear error (exit 2, the path and the fix) or warning, and a failed run leaves nothing behind.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/cli/config.js';
import { createSecrets } from '../../lib/cli/secrets-command.js';
import { writeNew, type WriteNew } from '../../lib/cli/secrets-fs.js';
import { cli, cliAsync, type CliRun } from '../helpers/cli.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-secrets-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function project(example = 'reference') {
  const dir = join(tmp, `case-${++n}`);
  mkdirSync(dir);
  const file = join(dir, 'scaleout.yaml');
  writeFileSync(file, readFileSync(join(EXAMPLES, example, 'scaleout.yaml')));
  return { dir, file, secrets: join(dir, 'secrets'), out: join(dir, 'dist') };
}

/** Every path under `dir`, relative, sorted. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** A refusal as the CLI prints it: exit 2, `scaleout:` lines only, no stack trace. */
function refused(r: CliRun, ...says: string[]): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
  for (const line of r.stderr.trimEnd().split('\n')) expect(line).toMatch(/^scaleout: /);
  for (const s of says) expect(r.stderr).toContain(s);
}

describe('scaleout secrets: output directories', () => {
  it('refuses a secrets dir that is, lies inside or holds a directory synth wrote, and creates nothing', async () => {
    const p = project();
    expect(cli('synth', '-c', p.file, '-o', p.out, '--target', 'compose').code).toBe(0);
    const before = listing(p.dir);
    for (const [dir, says] of [
      [p.out, 'is the output directory'],
      [join(p.out, 'compose', 'secrets'), 'lies inside the output directory'],
      [p.dir, 'holds the output directory'],
    ] as const) {
      refused(await cliAsync('secrets', '-c', p.file, '--secrets-dir', dir), `--secrets-dir ${dir}: ${says}`, 'pass --secrets-dir');
      expect(listing(p.dir)).toEqual(before);
    }
  });

  it('-o names an output synth has not written yet', async () => {
    const p = project();
    refused(await cliAsync('secrets', '-c', p.file, '-o', p.out, '--secrets-dir', join(p.out, 'secrets')), 'lies inside the output directory');
    refused(await cliAsync('secrets', '-c', p.file, '-o', join(p.secrets, 'dist')), 'secrets/ next to the config file', 'holds the output directory');
    expect(listing(p.dir)).toEqual(['scaleout.yaml']);
  });

  it('synth refuses a --secrets-dir that holds its output, with the same check', () => {
    const p = project();
    refused(cli('synth', '-c', p.file, '-o', p.out, '--secrets-dir', p.dir), 'holds the output directory');
    expect(existsSync(p.out)).toBe(false);
  });
});

describe('scaleout secrets: hostile secret paths', () => {
  const outside = join(tmp, 'outside-value');
  writeFileSync(outside, 'not yours');
  it.each([
    ['a directory', (s: string) => mkdirSync(join(s, 'postgres_password')), ['is a directory, not a secret file', 'mv ']],
    ['a symlink to a file outside', (s: string) => symlinkSync(outside, join(s, 'postgres_password')), [`is a symlink to ${outside}, outside the secrets directory`, 'replace it with the file itself']],
    ['a dangling symlink', (s: string) => symlinkSync(join(s, 'gone'), join(s, 'postgres_password')), ['is a dangling symlink', 'rm ']],
  ] as const)('%s at a secret path: exit 2, one line naming it and the fix, nothing created', async (_, make, says) => {
    const p = project();
    mkdirSync(p.secrets);
    make(p.secrets);
    const before = listing(p.secrets);
    const r = await cliAsync('secrets', '-c', p.file);
    refused(r, `${join(p.secrets, 'postgres_password')}: `, ...says);
    expect(r.stderr).toContain('nothing was created');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
    expect(listing(p.secrets)).toEqual(before);
    expect(readFileSync(outside, 'utf8')).toBe('not yours');
  });

  it('keeps a symlink to a file inside the secrets directory', async () => {
    const p = project();
    mkdirSync(p.secrets);
    writeFileSync(join(p.secrets, 'shared'), 'mine', { mode: 0o600 });
    symlinkSync('shared', join(p.secrets, 'postgres_password'));
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kept {5}\S*postgres_password /m);
    expect(readFileSync(join(p.secrets, 'postgres_password'), 'utf8')).toBe('mine');
  });

  it('a directory it cannot create in: exit 2, the path and the fix', async () => {
    const p = project();
    const r = await cliAsync('secrets', '-c', p.file, '--secrets-dir', '/proc/scaleout-secrets/s');
    refused(r, '/proc/scaleout-secrets/s: cannot be written', 'pass --secrets-dir');
  });

  it('a write that fails halfway undoes the run: the files and the directory it created are gone', async () => {
    const p = project('pooled');
    const stack = loadConfigFile(p.file);
    const denied = (path: string) => Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    let calls = 0;
    const third: WriteNew = (path, value) => {
      if (++calls === 3) throw denied(path);
      writeNew(path, value);
    };
    await expect(createSecrets(stack, p.secrets, { write: third })).rejects.toThrow(/cannot be written: permission denied; make .* writable .*nothing was changed/);
    expect(calls).toBe(3);
    expect(existsSync(p.secrets)).toBe(false);
    // An existing, stale userlist: the files created before its rewrite failed are removed, it stays.
    mkdirSync(p.secrets, { mode: 0o700 });
    writeFileSync(join(p.secrets, 'pgbouncer_userlist'), '"old" "x"\n', { mode: 0o600 });
    const full: WriteNew = (path, value) => {
      if (relative(p.secrets, path).includes('pgbouncer_userlist')) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      writeNew(path, value);
    };
    await expect(createSecrets(stack, p.secrets, { write: full })).rejects.toThrow(/no space left/);
    expect(listing(p.secrets)).toEqual(['pgbouncer_userlist']);
    expect(readFileSync(join(p.secrets, 'pgbouncer_userlist'), 'utf8')).toBe('"old" "x"\n');
  });
});

describe('scaleout secrets: modes', () => {
  it('warns about existing secret files and a directory others can read, naming each and the chmod', async () => {
    const p = project();
    mkdirSync(p.secrets);
    chmodSync(p.secrets, 0o755);
    writeFileSync(join(p.secrets, 'postgres_password'), 'mine');
    chmodSync(join(p.secrets, 'postgres_password'), 0o644);
    writeFileSync(join(p.secrets, 'redis_password'), 'mine too');
    chmodSync(join(p.secrets, 'redis_password'), 0o600);
    const r = await cliAsync('secrets', '-c', p.file);
    expect(r.code).toBe(0);
    const warnings = r.stderr.trimEnd().split('\n');
    expect(warnings).toHaveLength(2);
    expect(warnings.find((w) => w.includes('postgres_password'))).toMatch(/^warning: \S*postgres_password has mode 0644, so other users can read it; run: chmod 600 \S*postgres_password$/);
    expect(warnings.find((w) => !w.includes('postgres_password'))).toMatch(/^warning: \S*secrets has mode 0755, .*chmod 700 \S*secrets$/);
    expect(r.stderr).not.toContain('redis_password');
  });
});
