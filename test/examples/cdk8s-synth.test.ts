/**
 * The main job: `npx cdk8s synth` at the repository root runs the reference app and writes
 * dist/compose/. Run twice, it must give identical bytes.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
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

function synth(): Map<string, string> {
  const out = join(mkdtempSync(join(tmpdir(), 'scaleout-cdk8s-')), 'dist');
  const r = run('npx', ['cdk8s', 'synth', '--output', out], {
    cwd: ROOT,
    env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
  });
  expect(r.output).not.toMatch(/Error|at .*\.ts:\d+/);
  expect(r.code).toBe(0);
  return tree(out);
}

describe('npx cdk8s synth', () => {
  it('writes the compose output and one manifest per profile, identically on every run', () => {
    const first = synth();
    expect([...first.keys()].sort()).toEqual([
      'compose/CAPACITY.md',
      'compose/docker-compose.yml',
      'compose/nginx/nginx.conf',
      'uns-dev.k8s.yaml',
      'uns-prod.k8s.yaml',
    ]);
    const second = synth();
    expect([...second]).toEqual([...first]);
    // `scaleout synth` on the YAML declaration writes the same tree, byte for byte.
    const cli = synthFiles(loadConfigFile(join(ROOT, 'examples/reference/scaleout.yaml')), ['compose', 'kubernetes']).files;
    expect(new Map([...cli].sort())).toEqual(new Map([...first].sort()));
  });
});
