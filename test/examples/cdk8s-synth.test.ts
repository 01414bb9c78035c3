/**
 * The main job: `npx cdk8s synth` at the repository root runs the reference app and writes
 * dist/compose/. Run twice, it must give identical bytes, and it never deletes a file it
 * did not write.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { MANIFEST } from '../../lib/targets/output.js';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/cli/config.js';
import { synthFiles } from '../../lib/cli/synth-files.js';
import { run } from '../helpers/run.js';

const ROOT = join(import.meta.dirname, '..', '..');

function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

const TMP = mkdtempSync(join(tmpdir(), 'scaleout-cdk8s-'));

function cdk8sSynth(out: string) {
  return run('npx', ['cdk8s', 'synth', '--output', join(TMP, 'scratch')], {
    cwd: ROOT,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', SCALEOUT_OUTDIR: out },
  });
}

function synth(): Map<string, string> {
  const out = join(TMP, 'dist');
  const r = cdk8sSynth(out);
  expect(r.output).not.toMatch(/Error|at .*\.ts:\d+/);
  expect(r.code).toBe(0);
  const files = tree(out);
  files.delete(MANIFEST);
  return files;
}

describe('npx cdk8s synth', () => {
  it('writes the compose output and one manifest per profile, identically on every run', () => {
    const first = synth();
    expect([...first.keys()].sort()).toEqual([
      'compose/.env',
      'compose/CAPACITY.md',
      'compose/docker-compose.yml',
      'compose/nginx/nginx.conf',
      'compose/postgres/roles-prod.sql',
      'compose/postgres/roles.sql',
      'uns-dev.k8s.yaml',
      'uns-prod.k8s.yaml',
    ]);
    const second = synth();
    expect([...second]).toEqual([...first]);
    // `scaleout synth` on the YAML declaration writes the same tree, byte for byte.
    const secretsDir = relative(join(TMP, 'dist', 'compose'), join(ROOT, 'secrets'));
    const cli = synthFiles(loadConfigFile(join(ROOT, 'examples/reference/scaleout.yaml')), ['compose', 'kubernetes'], { secretsDir }).files;
    expect(new Map([...cli].sort())).toEqual(new Map([...first].sort()));
  });

  it('refuses a non-empty directory it did not write (exit 2) and leaves every file in place', () => {
    const out = join(TMP, 'users-dir');
    mkdirSync(join(out, '.git'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(out, 'notes.md'), 'mine');
    const r = cdk8sSynth(out);
    // The app exits 2; cdk8s-cli reports any failing app as its own exit 1.
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`${out}: is not empty and holds no ${MANIFEST}`);
    expect(tree(out)).toEqual(new Map([['.git/HEAD', 'ref: refs/heads/main\n'], ['notes.md', 'mine']]));
    expect(existsSync(join(out, 'compose'))).toBe(false);
  });
});
