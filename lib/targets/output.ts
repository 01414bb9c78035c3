import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { MANIFEST, readManifest, manifestText, sweepStale } from './output-manifest.js';

export { MANIFEST } from './output-manifest.js';

/** Rendered output: relative path → file content. Keys are written in sorted order. */
export type OutputFiles = ReadonlyMap<string, string>;

/** Options for {@link writeOutput}. */
export interface WriteOutputOptions {
  /**
   * Write into a non-empty directory that scaleout does not own (no manifest file), and
   * over files there that scaleout did not write. Files scaleout does not write are still
   * never deleted.
   *
   * @default false
   */
  readonly force?: boolean;
}

/** Throws unless `rel` is a plain relative path that stays inside the output directory. */
function checkRelative(dir: string, rel: string): void {
  const parts = rel.split('/');
  if (rel.startsWith('/') || parts.some((p) => p === '' || p === '.' || p === '..') || rel === MANIFEST) {
    throw new Error(`refusing to write outside ${dir}: ${JSON.stringify(rel)}`);
  }
}

/**
 * `mkdir -p` that fails fast: it walks up to the nearest existing ancestor and creates each
 * level once (Node's recursive mkdir can loop forever under /proc).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new Error(`${d} is not a directory`);
  for (const m of missing) mkdirSync(m);
}

/**
 * Throws unless every existing path component under `target` on the way to each of `rels` is
 * a real directory, and the file itself, if there, is not a directory. A symlinked directory
 * would send a write, or the deletion of a stale file, outside `target`; a file or directory
 * in the way would fail halfway through the renames. Checked before anything is written.
 */
function checkPathsInside(dir: string, target: string, rels: Iterable<string>): void {
  const refuse = (rel: string, what: string) => {
    throw new ConfigError([{ code: 'SO-CONFIG-OUTPUT', path: join(dir, rel), message: `${what}; nothing was written. Move it away and run synth again` }]);
  };
  const seen = new Set<string>();
  for (const rel of rels) {
    const parts = rel.split('/');
    for (let depth = 1; depth <= parts.length; depth++) {
      const sub = parts.slice(0, depth).join('/');
      if (seen.has(sub)) continue;
      seen.add(sub);
      let st;
      try {
        st = lstatSync(join(target, sub));
      } catch {
        break; // missing: everything below it is new
      }
      const last = depth === parts.length;
      if (st.isSymbolicLink() && !last) refuse(sub, 'is a symbolic link; scaleout writes and deletes only inside the output directory');
      if (!last && !st.isDirectory()) refuse(sub, `is a file, but scaleout writes ${rel} below it`);
      if (last && st.isDirectory()) refuse(sub, 'is a directory, but scaleout writes a file there');
    }
  }
}

/** Removes the now-empty directories between `file` and `root`. */
function pruneEmpty(root: string, file: string): void {
  for (let d = dirname(file); d.startsWith(`${root}/`); d = dirname(d)) {
    try {
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * Renames the staged `names` into `target`. A staged directory that `target` does not have
 * yet (everything in a directory that was empty) moves whole, in one rename: there is nothing
 * in it to keep, and a run into a new or empty directory then costs a rename per top-level
 * entry instead of one per file, plus a mkdir and rmdir per directory.
 */
function moveStaged(staging: string, target: string, names: readonly string[]): void {
  const movedDirs = new Set<string>();
  for (const rel of names) {
    const parts = rel.split('/');
    let depth = 1;
    while (depth < parts.length && !movedDirs.has(parts.slice(0, depth).join('/')) && existsSync(join(target, ...parts.slice(0, depth)))) depth++;
    const unit = parts.slice(0, depth).join('/');
    if (movedDirs.has(unit)) continue;
    const dest = join(target, unit);
    makeDirs(dirname(dest));
    renameSync(join(staging, unit), dest);
    if (depth < parts.length) movedDirs.add(unit);
  }
}

/**
 * Writes `files` under `dir` without ever destroying files scaleout did not write.
 *
 * - `dir` must be new, empty, or owned: it holds {@link MANIFEST}, the list of files an
 *   earlier run wrote. Anything else is refused with a {@link ConfigError} (exit 2) and left
 *   untouched, unless `force` is set.
 * - Everything is rendered to a staging directory next to `dir` first; a failure there
 *   leaves `dir` as it was. A new `dir` then appears in one rename; an existing one is
 *   updated file by file with renames, so it never disappears, even for a moment.
 * - Only files listed in the previous manifest and not written this time are deleted.
 * - Staging directories left by killed runs (their pid is gone) are removed.
 */
export function writeOutput(dir: string, files: OutputFiles, opts: WriteOutputOptions = {}): void {
  const target = resolve(dir);
  const names = [...files.keys()].sort();
  for (const rel of names) checkRelative(dir, rel);
  const parent = dirname(target);
  makeDirs(parent);
  sweepStale(parent, basename(target));

  const exists = existsSync(target);
  if (exists && !lstatSync(target).isDirectory()) {
    throw new ConfigError([{ code: 'SO-CONFIG-OUTPUT', path: dir, message: 'exists and is not a directory; choose a directory for the output' }]);
  }
  const previous = exists ? readManifest(target) : [];
  if (exists && previous === undefined && readdirSync(target).length > 0 && !opts.force) {
    throw new ConfigError([
      {
        code: 'SO-CONFIG-OUTPUT',
        path: dir,
        message:
          `is not empty and holds no ${MANIFEST}, so scaleout did not create it; nothing was written. ` +
          'Choose a new or empty directory, or pass --force (TypeScript: writeOutput(dir, files, { force: true })) to write into it anyway',
      },
    ]);
  }
  const owned = new Set(previous ?? []);
  if (exists) checkPathsInside(dir, target, [...names, ...owned]);
  if (exists && !opts.force) {
    const clash = names.find((rel) => !owned.has(rel) && existsSync(join(target, rel)));
    if (clash !== undefined) {
      throw new ConfigError([
        {
          code: 'SO-CONFIG-OUTPUT',
          path: dir,
          message: `${clash} exists but scaleout did not write it (it is not in ${MANIFEST}); nothing was written. Move it away, or pass --force to overwrite it`,
        },
      ]);
    }
  }

  const staging = join(parent, `.${basename(target)}.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    mkdirSync(staging);
    for (const rel of names) {
      const path = join(staging, rel);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, files.get(rel)!);
    }
    writeFileSync(join(staging, MANIFEST), manifestText(names));
    if (!exists) {
      renameSync(staging, target);
      return;
    }
    // Until the last rename, the manifest lists old and new files: a run killed halfway
    // still owns everything it may have written.
    writeFileSync(join(target, MANIFEST), manifestText([...new Set([...owned, ...names])].sort()));
    moveStaged(staging, target, names);
    for (const rel of owned) {
      if (files.has(rel)) continue;
      const path = join(target, rel);
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      pruneEmpty(target, path);
    }
    renameSync(join(staging, MANIFEST), join(target, MANIFEST));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
