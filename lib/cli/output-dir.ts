import { existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';

/** The real path of `p`, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : resolve(realish(parent), relative(parent, abs));
}

/** Whether `inner` is `outer` or lies under it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Synth owns its output directory (see `writeOutput`). Refuses places that cannot be a
 * dedicated output directory, even with --force: an existing file, the current directory or
 * one of its parents, the home directory, a filesystem root, or a directory holding the
 * config file.
 */
export function checkOutputDir(out: string, configFile: string): void {
  const dir = realish(out);
  const problem = (why: string) => new ConfigError([{ code: 'SO-CONFIG-OUTPUT', path: `-o ${out}`, message: `${why}; choose a dedicated directory such as 'dist'` }]);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw problem('exists and is not a directory');
  if (parse(dir).root === dir) throw problem('is a filesystem root');
  if (within(realish(process.cwd()), dir)) throw problem('is the current directory or one of its parents');
  if (dir === realish(homedir())) throw problem('is the home directory');
  if (within(realish(configFile), dir)) throw problem('holds the config file');
}

/**
 * The secrets directory: `--secrets-dir`, else `secrets/` next to the config file. It must
 * lie outside the output, which synth owns. `fromCompose` is how `compose/docker-compose.yml`
 * references it.
 */
export function secretsDirFor(configFile: string, out: string, flag: string | undefined): { abs: string; fromCompose: string } {
  if (flag === '') throw new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: '--secrets-dir', message: 'empty path; pass a directory such as ./secrets' }]);
  const abs = resolve(flag ?? join(dirname(resolve(configFile)), 'secrets'));
  const name = flag === undefined ? `${abs} (secrets/ next to the config file)` : `--secrets-dir ${flag}`;
  if (within(realish(abs), realish(out))) {
    throw new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: name, message: `lies inside the output directory ${out}, which synth owns; keep secret files outside it (pass --secrets-dir)` }]);
  }
  if (existsSync(abs) && !statSync(abs).isDirectory()) throw new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: name, message: 'exists and is not a directory' }]);
  const rel = relative(resolve(out, 'compose'), abs).split(sep).join('/');
  return { abs, fromCompose: rel.startsWith('.') ? rel : `./${rel}` };
}
