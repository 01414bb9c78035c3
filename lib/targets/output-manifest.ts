/**
 * The manifest that marks an output directory as scaleout's: the list of files the last
 * synth wrote there. Only those files are ever replaced or deleted.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/** The manifest's file name, inside the output directory. */
export const MANIFEST = '.scaleout-manifest.json';

const GENERATOR = 'scaleout';

/** The manifest's content for `files` (sorted relative paths). */
export function manifestText(files: readonly string[]): string {
  return `${JSON.stringify({ generator: GENERATOR, files }, null, 2)}\n`;
}

/** A relative path that stays inside the directory: a manifest may have been edited. */
function safeRelative(p: unknown): p is string {
  return typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.split('/').some((s) => s === '' || s === '.' || s === '..');
}

/**
 * The files `dir`'s manifest lists, or undefined when it has none. A manifest that is not
 * scaleout's, or lists paths outside `dir`, is an error: nothing is deleted on its word.
 */
export function readManifest(dir: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const files = (data as { generator?: unknown; files?: unknown } | undefined)?.files;
  if ((data as { generator?: unknown } | undefined)?.generator !== GENERATOR || !Array.isArray(files) || !files.every(safeRelative)) {
    throw new ConfigError([
      {
        code: 'SO-CONFIG-OUTPUT',
        path: join(dir, MANIFEST),
        message:
          'not a manifest scaleout wrote (it must list relative paths inside the directory); ' +
          'nothing was written. Remove it if the directory is scaleout output, or choose another directory',
      },
    ]);
  }
  return files as string[];
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  if (pid === process.pid) return false; // our own leftover from an earlier call
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `.<base>.staging-<pid>` and `.<base>.previous-<pid>` left in `parent` by runs that died. */
export function sweepStale(parent: string, base: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  const prefix = `.${base}.`;
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(?:staging|previous)-(\d+)$/.exec(name.slice(prefix.length));
    if (m && !alive(Number(m[1]))) rmSync(join(parent, name), { recursive: true, force: true });
  }
}
