/**
 * The file side of `scaleout secrets`: what already sits at each secret's path (refusing
 * directories and symlinks that lead elsewhere), PgBouncer's auth_file format, and writes that
 * are undone together when one of them fails.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { ConfigError, type ConfigIssueInit } from '../errors.js';
import { USERLIST_LINE_BREAK } from '../render/pgbouncer-ini.js';

/** A path as the report shows it: relative to the current directory when under it. */
export function shown(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? p : rel;
}

/** `p` quoted for a POSIX shell when it needs it. */
export function quoted(p: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

const issue = (path: string, message: string): ConfigIssueInit => ({ code: 'SO-CONFIG-SECRETS', path, message });

/** What is at a secret's path before this run: nothing, or a regular file (maybe through a link). */
export type Found = { readonly exists: false } | { readonly exists: true; readonly mode: number };

/**
 * What is at `dir/name`, or the problem with it: a directory, a special file, a dangling
 * symlink, or one that leads outside `dir` (where the compose file would not look, and where
 * the value could be anything) are refused, each with the fix.
 */
export function inspectSecret(dir: string, name: string): Found | ConfigIssueInit {
  const path = join(dir, name);
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false };
    return issue(path, `cannot be read (${(e as Error).message}); fix the permissions of ${dir}`);
  }
  if (st.isSymbolicLink()) {
    let target;
    try {
      target = realpathSync(path);
    } catch {
      return issue(path, `is a dangling symlink; remove it (rm ${quoted(path)}) and rerun to create the secret, or put the file there`);
    }
    const rel = relative(realpathSync(dir), target);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      return issue(path, `is a symlink to ${target}, outside the secrets directory; replace it with the file itself (mv ${quoted(target)} ${quoted(path)})`);
    }
    st = statSync(path);
  }
  if (st.isDirectory()) return issue(path, `is a directory, not a secret file; move it away (mv ${quoted(path)} ${quoted(`${path}.old`)}) and rerun`);
  if (!st.isFile()) return issue(path, 'is not a regular file; remove it and rerun');
  return { exists: true, mode: st.mode & 0o777 };
}

/** The warning for a secret file or directory that others can read, or undefined. */
export function modeWarning(path: string, mode: number, isDir: boolean): string | undefined {
  if ((mode & 0o077) === 0) return undefined;
  const want = isDir ? '700' : '600';
  return `warning: ${shown(path)} has mode 0${mode.toString(8).padStart(3, '0')}, so other users can read it; run: chmod ${want} ${quoted(shown(path))}`;
}

/**
 * A role's password as the userlist needs it: the file's text without its final newline, as
 * the role setup's psql reads it (a backquoted `cat`).
 * One line only, since the auth_file has one user per line.
 */
export function readPassword(path: string): string | ConfigIssueInit {
  const value = readFileSync(path, 'utf8').replace(/\n$/, '');
  if (value === '') return issue(path, 'is empty; PgBouncer would accept no password for this user. Remove it to get a random one, or write the password into it');
  if (USERLIST_LINE_BREAK.test(value)) return issue(path, "holds more than one line; PgBouncer's userlist takes a one-line password. Write it on one line");
  return value;
}

/** Writes one new secret file; fails rather than overwrite one that appeared meanwhile. */
export type WriteNew = (path: string, value: string) => void;

/** `writeFileSync` with mode 0600 and flag 'wx' (never overwrites). */
export const writeNew: WriteNew = (path, value) => writeFileSync(path, value, { mode: 0o600, flag: 'wx' });

/** What went wrong with a write, and the fix. */
function why(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied; make ${dir} writable for you (chmod u+w ${quoted(dir)}) or pass --secrets-dir`;
  if (code === 'EROFS') return 'the filesystem is read-only; pass --secrets-dir';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'no space left; free some and rerun';
  if (code === 'EEXIST') return 'a file appeared there meanwhile; rerun';
  if (code === 'ENOTDIR') return 'a parent is not a directory; pass --secrets-dir';
  if (code === 'ENOENT') return `the filesystem does not let a directory be created there (${(e as Error).message}); pass --secrets-dir`;
  return `${(e as Error).message}; pass --secrets-dir`;
}

/**
 * Creates files in one secrets directory and undoes every change of this run when one fails:
 * new files and directories are removed, replaced files get their old content back.
 */
export class SecretWrites {
  private readonly undo: (() => void)[] = [];
  private readonly dir: string;
  private readonly write: WriteNew;

  /** @param write creates one new file; tests inject failures here */
  constructor(dir: string, write: WriteNew = writeNew) {
    this.dir = dir;
    this.write = write;
  }

  /** Creates `dir` (mode 0700) and its missing parents. */
  public makeDir(): void {
    const missing: string[] = [];
    for (let d = this.dir; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    this.attempt(this.dir, () => {
      for (const d of missing) {
        mkdirSync(d, { mode: d === this.dir ? 0o700 : 0o755 });
        this.undo.push(() => rmdirSync(d));
      }
    });
  }

  /** Creates the new file `name`. */
  public create(name: string, value: string): void {
    const path = join(this.dir, name);
    this.attempt(path, () => this.write(path, value));
    this.undo.push(() => unlinkSync(path));
  }

  /** Replaces the file `name` in one rename, keeping its old content to undo with. */
  public replace(name: string, value: string): void {
    const path = join(this.dir, name);
    const temp = join(this.dir, `.${name}.${process.pid}.tmp`);
    let old: Buffer;
    this.attempt(path, () => {
      old = readFileSync(path);
      this.write(temp, value);
      try {
        renameSync(temp, path);
      } catch (e) {
        unlinkSync(temp);
        throw e;
      }
    });
    this.undo.push(() => {
      writeFileSync(path, old, { mode: 0o600 });
      chmodSync(path, 0o600);
    });
  }

  /** Runs `fn`; when it throws, undoes this run's changes and throws one ConfigError naming `path`. */
  private attempt(path: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      const left: string[] = [];
      for (const u of this.undo.reverse()) {
        try {
          u();
        } catch (err) {
          left.push((err as Error).message);
        }
      }
      this.undo.length = 0;
      const undone = left.length ? `; could not undo everything: ${left.join('; ')}` : '; nothing was changed (files created in this run were removed)';
      throw new ConfigError([issue(path, `cannot be written: ${why(e, this.dir)}${undone}`)]);
    }
  }

}
