/**
 * writeOutput owns only what it wrote: a directory it did not create is refused, only files
 * from its own manifest are deleted, the directory never disappears, and staging
 * directories of dead runs are swept.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors.js';
import { MANIFEST, writeOutput } from '../../lib/targets/output.js';

const tmp = mkdtempSync(join(tmpdir(), 'scaleout-output-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(tmp, `case-${++n}`);
  mkdirSync(d);
  return d;
};

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[relative(dir, join(e.parentPath, e.name))] = readFileSync(join(e.parentPath, e.name), 'utf8');
  }
  return out;
}

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')).files as string[];
const files = (o: Record<string, string>) => new Map(Object.entries(o));

/** A pid that certainly belongs to no running process: a child that has exited. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe('writeOutput', () => {
  it('creates a new directory with the files and a manifest listing them, and no staging directory', () => {
    const root = fresh();
    const out = join(root, 'deep', 'out');
    writeOutput(out, files({ 'b/c.txt': 'C', 'a.txt': 'A' }));
    expect(tree(out)).toEqual({ 'a.txt': 'A', 'b/c.txt': 'C', [MANIFEST]: expect.any(String) });
    expect(manifestOf(out)).toEqual(['a.txt', 'b/c.txt']);
    expect(readdirSync(join(root, 'deep'))).toEqual(['out']);
  });

  it('refuses a non-empty directory it did not create, leaving every file in place', () => {
    const out = fresh();
    mkdirSync(join(out, '.git'));
    writeFileSync(join(out, '.git', 'HEAD'), 'ref');
    writeFileSync(join(out, 'main.py'), 'print(1)');
    const before = tree(out);
    expect(() => writeOutput(out, files({ 'a.txt': 'A' }))).toThrow(ConfigError);
    expect(() => writeOutput(out, files({ 'a.txt': 'A' }))).toThrow(`${out}: is not empty and holds no ${MANIFEST}`);
    expect(tree(out)).toEqual(before);
    expect(readdirSync(join(out, '..')).filter((e) => e.includes('staging'))).toEqual([]);
  });

  it('with force writes into such a directory and still deletes nothing of the user', () => {
    const out = fresh();
    writeFileSync(join(out, 'main.py'), 'print(1)');
    writeOutput(out, files({ 'a.txt': 'A' }), { force: true });
    writeOutput(out, files({ 'b.txt': 'B' }));
    expect(tree(out)).toEqual({ 'main.py': 'print(1)', 'b.txt': 'B', [MANIFEST]: expect.any(String) });
    expect(manifestOf(out)).toEqual(['b.txt']);
  });

  it('writes into an empty directory', () => {
    const out = fresh();
    writeOutput(out, files({ 'a.txt': 'A' }));
    expect(tree(out)).toEqual({ 'a.txt': 'A', [MANIFEST]: expect.any(String) });
  });

  it('writes nested files into an empty directory and next to files of an existing subdirectory', () => {
    const out = fresh();
    writeOutput(out, files({ 'compose/nginx/nginx.conf': 'N', 'compose/postgres/roles.sql': 'R', 'compose/docker-compose.yml': 'C', 'top.yaml': 'T' }));
    expect(tree(out)).toEqual({ 'compose/nginx/nginx.conf': 'N', 'compose/postgres/roles.sql': 'R', 'compose/docker-compose.yml': 'C', 'top.yaml': 'T', [MANIFEST]: expect.any(String) });
    writeFileSync(join(out, 'compose', 'nginx', 'user.conf'), 'user');
    writeOutput(out, files({ 'compose/nginx/nginx.conf': 'N2', 'compose/grafana/dash.json': 'G', 'top.yaml': 'T2' }));
    expect(tree(out)).toEqual({ 'compose/nginx/nginx.conf': 'N2', 'compose/nginx/user.conf': 'user', 'compose/grafana/dash.json': 'G', 'top.yaml': 'T2', [MANIFEST]: expect.any(String) });
    expect(manifestOf(out)).toEqual(['compose/grafana/dash.json', 'compose/nginx/nginx.conf', 'top.yaml']);
    expect(readdirSync(join(out, '..')).filter((e) => e.includes('staging'))).toEqual([]);
  });

  it('in its own directory deletes only manifest files it no longer writes, and prunes their empty directories', () => {
    const out = join(fresh(), 'out');
    writeOutput(out, files({ 'old/x.txt': 'X', 'keep.txt': '1', 'shared/s.txt': 'S' }));
    mkdirSync(join(out, 'shared', 'mine'));
    writeFileSync(join(out, 'shared', 'mine', 'notes.md'), 'user');
    writeFileSync(join(out, 'user.txt'), 'user');
    const inode = statSync(out).ino;
    writeOutput(out, files({ 'keep.txt': '2', 'new.txt': 'N' }));
    expect(tree(out)).toEqual({
      'keep.txt': '2',
      'new.txt': 'N',
      'shared/mine/notes.md': 'user',
      'user.txt': 'user',
      [MANIFEST]: expect.any(String),
    });
    expect(existsSync(join(out, 'old'))).toBe(false);
    expect(manifestOf(out)).toEqual(['keep.txt', 'new.txt']);
    // The directory itself was updated in place, never swapped out.
    expect(statSync(out).ino).toBe(inode);
  });

  it('refuses to overwrite a file in its own directory that it did not write, unless forced', () => {
    const out = join(fresh(), 'out');
    writeOutput(out, files({ 'a.txt': 'A' }));
    writeFileSync(join(out, 'b.txt'), 'user');
    expect(() => writeOutput(out, files({ 'a.txt': 'A2', 'b.txt': 'B' }))).toThrow(`${out}: b.txt exists but scaleout did not write it`);
    expect(tree(out)).toEqual({ 'a.txt': 'A', 'b.txt': 'user', [MANIFEST]: expect.any(String) });
    writeOutput(out, files({ 'a.txt': 'A2', 'b.txt': 'B' }), { force: true });
    expect(readFileSync(join(out, 'b.txt'), 'utf8')).toBe('B');
  });

  it('trusts no manifest that lists paths outside the directory', () => {
    const root = fresh();
    const out = join(root, 'out');
    writeFileSync(join(root, 'victim.txt'), 'keep');
    mkdirSync(out);
    writeFileSync(join(out, MANIFEST), JSON.stringify({ generator: 'scaleout', files: ['../victim.txt'] }));
    expect(() => writeOutput(out, files({ 'a.txt': 'A' }))).toThrow(/not a manifest scaleout wrote/);
    expect(readFileSync(join(root, 'victim.txt'), 'utf8')).toBe('keep');
    expect(existsSync(join(out, 'a.txt'))).toBe(false);
  });

  it('refuses relative paths that leave the directory', () => {
    const out = join(fresh(), 'out');
    for (const bad of ['../x', '/etc/x', 'a/../../x', MANIFEST]) {
      expect(() => writeOutput(out, files({ [bad]: 'x' })), bad).toThrow(/refusing to write outside/);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('sweeps staging directories of dead runs and keeps those of live ones', () => {
    const root = fresh();
    const dead = join(root, `.out.staging-${deadPid()}`);
    const live = join(root, `.out.staging-${process.ppid}`);
    const other = join(root, `.other.staging-${deadPid()}`);
    for (const d of [dead, live, other]) mkdirSync(d);
    writeOutput(join(root, 'out'), files({ 'a.txt': 'A' }));
    expect(readdirSync(root).sort()).toEqual([`.other.staging-${other.split('-').pop()}`, `.out.staging-${process.ppid}`, 'out'].sort());
  });

  it('writes and deletes nothing through a symlinked subdirectory of its own directory', () => {
    // GIVEN an owned output whose compose/ was replaced by a link to a directory elsewhere
    const root = fresh();
    const out = join(root, 'out');
    writeOutput(out, files({ 'compose/a.yml': 'A', 'compose/old.yml': 'O', 'k.yaml': 'K' }));
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'a.yml'), 'theirs');
    writeFileSync(join(elsewhere, 'old.yml'), 'theirs too');
    rmSync(join(out, 'compose'), { recursive: true });
    symlinkSync(elsewhere, join(out, 'compose'));
    const before = tree(elsewhere);
    const manifest = readFileSync(join(out, MANIFEST), 'utf8');
    // WHEN synth writes compose/a.yml again and no longer writes compose/old.yml (forced, too)
    for (const force of [false, true]) {
      expect(() => writeOutput(out, files({ 'compose/a.yml': 'B', 'k.yaml': 'K2' }), { force })).toThrow(
        `${join(out, 'compose')}: is a symbolic link; scaleout writes and deletes only inside the output directory; nothing was written`,
      );
    }
    // THEN the link's target and the output are untouched, and no staging directory is left
    expect(tree(elsewhere)).toEqual(before);
    expect(readFileSync(join(out, 'k.yaml'), 'utf8')).toBe('K');
    expect(readFileSync(join(out, MANIFEST), 'utf8')).toBe(manifest);
    expect(readdirSync(root).sort()).toEqual(['elsewhere', 'out']);
  });

  it('refuses a file where it needs a directory, and a directory where it writes a file, before writing anything', () => {
    const out = fresh();
    writeOutput(out, files({ 'a.txt': 'A', 'b.txt': 'B' }));
    writeFileSync(join(out, 'nginx'), 'user file');
    expect(() => writeOutput(out, files({ 'a.txt': 'A2', 'nginx/nginx.conf': 'N' }), { force: true })).toThrow(
      `${join(out, 'nginx')}: is a file, but scaleout writes nginx/nginx.conf below it; nothing was written`,
    );
    mkdirSync(join(out, 'c.txt'));
    expect(() => writeOutput(out, files({ 'a.txt': 'A2', 'c.txt': 'C' }), { force: true })).toThrow(
      `${join(out, 'c.txt')}: is a directory, but scaleout writes a file there; nothing was written`,
    );
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('A');
    expect(manifestOf(out)).toEqual(['a.txt', 'b.txt']);
  });

  it('fails at once for a parent that cannot exist (/proc/nope/out)', () => {
    expect(() => writeOutput('/proc/nope/out', files({ 'a.txt': 'A' }))).toThrow();
  });
});
