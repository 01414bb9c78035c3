import { spawnSync } from 'node:child_process';

/** Runs a command; returns its exit code and combined output. Fails loudly if it cannot start. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8' });
  if (r.error) throw new Error(`could not run ${cmd}: ${r.error.message}`);
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
