/** Runs one adversarial case through the in-process CLI; shared by the unit and tools tests. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import type { HostileCase } from './cases.js';

/** Every file under `dir`, relative path → content; empty when `dir` is not a directory. */
export function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return out;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.set(join(e.parentPath, e.name).slice(dir.length + 1), readFileSync(join(e.parentPath, e.name), 'utf8'));
  }
  return out;
}

/** Writes the case's config under `root`, prepares `root/dist`, and runs synth into it. */
export function runCase(c: HostileCase, root: string) {
  mkdirSync(root, { recursive: true });
  const config = join(root, 'scaleout.yaml');
  writeFileSync(config, c.text);
  const out = join(root, 'dist');
  const keep = c.before?.(out) ?? {};
  const existed = existsSync(out);
  const args = (c.args ?? []).map((a) => a.replace('OUT', out));
  const r = cli('synth', '-c', config, '-o', out, ...args);
  return { ...r, out, keep, existed };
}
