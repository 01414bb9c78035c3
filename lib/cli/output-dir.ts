import { existsSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, parse, relative, resolve, sep } from 'node:path';
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
 * Synth replaces the output directory as a whole. Refuses places where that would destroy
 * work: an existing file, the current directory or one of its parents, the home directory,
 * a filesystem root, or a directory holding the config file.
 */
export function checkOutputDir(out: string, configFile: string): void {
  const dir = realish(out);
  const problem = (why: string) => new ConfigError([`-o ${out}: ${why}; choose a dedicated directory such as 'dist'`]);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw problem('exists and is not a directory');
  if (parse(dir).root === dir) throw problem('is a filesystem root, which synth would replace');
  if (within(realish(process.cwd()), dir)) throw problem('is the current directory or one of its parents, which synth would replace');
  if (dir === realish(homedir())) throw problem('is the home directory, which synth would replace');
  if (within(realish(configFile), dir)) throw problem('holds the config file, which synth would replace');
}
