import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors.js';
import { MANIFEST } from '../targets/output.js';

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
 * Directories synth wrote that `dir` is, lies inside or holds, found by their manifest
 * ({@link MANIFEST}): `dir` and its ancestors, and its subdirectories two levels down (where
 * `-o dist` or `-o build/dist` land). Deeper ones are caught when synth runs.
 */
function markedOutputs(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, MANIFEST))) found.push(d);
    if (dirname(d) === d) break;
  }
  const walk = (d: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // unreadable: nothing synth could have written there either
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sub = join(d, e.name);
      if (existsSync(join(sub, MANIFEST))) found.push(sub);
      if (depth > 1) walk(sub, depth - 1);
    }
  };
  if (existsSync(dir) && statSync(dir).isDirectory()) walk(dir, 2);
  return found;
}

/**
 * Refuses a secrets directory synth could delete or ship: one that is, lies inside, or holds
 * an output directory, whether `outs` (synth's `-o`) or one synth wrote before (it holds
 * {@link MANIFEST}); and a path that exists and is not a directory. Synth and `scaleout
 * secrets` both check with this.
 *
 * @param name how the error names the directory (`--secrets-dir DIR`, or where it came from)
 */
export function checkSecretsDir(dir: string, name: string, outs: readonly string[]): void {
  const real = realish(dir);
  const problem = (message: string) => new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: name, message }]);
  for (const out of [...outs.map(realish), ...markedOutputs(real)]) {
    const shown = outs.find((o) => realish(o) === out) ?? out;
    if (real === out) throw problem(`is the output directory ${shown}, which synth owns; keep secret files outside it (pass --secrets-dir)`);
    if (within(real, out)) throw problem(`lies inside the output directory ${shown}, which synth owns; keep secret files outside it (pass --secrets-dir)`);
    if (within(out, real)) throw problem(`holds the output directory ${shown}, which synth owns; keep secret files in a directory of their own, outside it (pass --secrets-dir)`);
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw problem('exists and is not a directory; pass --secrets-dir');
}

/**
 * The secrets directory: `--secrets-dir`, else `secrets/` next to the config file, and how
 * errors name it.
 */
export function secretsDirOf(configFile: string, flag: string | undefined): { abs: string; name: string } {
  if (flag === '') throw new ConfigError([{ code: 'SO-CONFIG-SECRETS', path: '--secrets-dir', message: 'empty path; pass a directory such as ./secrets' }]);
  const abs = resolve(flag ?? join(dirname(resolve(configFile)), 'secrets'));
  return { abs, name: flag === undefined ? `${abs} (secrets/ next to the config file)` : `--secrets-dir ${flag}` };
}

/**
 * Synth's secrets directory ({@link secretsDirOf}), checked against its output `out`
 * ({@link checkSecretsDir}). `fromCompose` is how `compose/docker-compose.yml` references it.
 */
export function secretsDirFor(configFile: string, out: string, flag: string | undefined): { abs: string; fromCompose: string } {
  const { abs, name } = secretsDirOf(configFile, flag);
  checkSecretsDir(abs, name, [out]);
  const rel = relative(resolve(out, 'compose'), abs).split(sep).join('/');
  return { abs, fromCompose: rel.startsWith('.') ? rel : `./${rel}` };
}
