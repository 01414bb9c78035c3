import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Rendered output: relative path → file content. Keys are written in sorted order. */
export type OutputFiles = ReadonlyMap<string, string>;

/**
 * Writes `files` under `dir` so that a reader never sees a half-written tree: everything
 * goes to a sibling staging directory first, which then replaces `dir` in one rename.
 * If anything fails, the staging directory is removed and `dir` is left as it was.
 */
export function writeOutput(dir: string, files: OutputFiles): void {
  const target = resolve(dir);
  const staging = join(dirname(target), `.${basename(target)}.staging-${process.pid}`);
  const previous = join(dirname(target), `.${basename(target)}.previous-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const rel of [...files.keys()].sort()) {
      if (rel.startsWith('/') || rel.split('/').includes('..')) throw new Error(`refusing to write outside ${dir}: ${rel}`);
      const path = join(staging, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, files.get(rel)!);
    }
    mkdirSync(staging, { recursive: true });
    mkdirSync(dirname(target), { recursive: true });
    rmSync(previous, { recursive: true, force: true });
    let hadPrevious = true;
    try {
      renameSync(target, previous);
    } catch {
      hadPrevious = false;
    }
    renameSync(staging, target);
    if (hadPrevious) rmSync(previous, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
