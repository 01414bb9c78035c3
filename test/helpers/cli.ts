/** The scaleout CLI run in-process, its output captured. */
import { main } from '../../lib/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function capture(argv: readonly string[]): { code: number | Promise<number>; out: { stdout: string; stderr: string } } {
  const out = { stdout: '', stderr: '' };
  const code = main([...argv], { stdout: { write: (s: string) => (out.stdout += s) }, stderr: { write: (s: string) => (out.stderr += s) } });
  return { code, out };
}

/** A synchronous command (synth, plan, schema, usage errors). */
export function cli(...argv: string[]): CliRun {
  const { code, out } = capture(argv);
  if (typeof code !== 'number') throw new Error(`scaleout ${argv.join(' ')} returned a promise; use cliAsync`);
  return { code, ...out };
}

/** Any command, verify included: awaits its exit code. */
export async function cliAsync(...argv: string[]): Promise<CliRun> {
  const { code, out } = capture(argv);
  return { code: await code, ...out };
}
