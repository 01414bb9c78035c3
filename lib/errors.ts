/**
 * Errors scaleout raises on purpose. Each carries the exit code the CLI uses, so a
 * caller never has to map messages to codes.
 */
import { fileURLToPath } from 'node:url';

/** Base class; `exitCode` is what `scaleout` exits with when this reaches the CLI. */
export class ScaleoutError extends Error {
  /** What the `scaleout` CLI exits with: 1 a rule failed, 2 bad input. */
  public readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    // Uncaught in a user's cdk8s app or Pulumi program, Node prints `stack` and the own
    // enumerable fields. The message is the whole story (path, value, limit, fix), so only
    // the user's own frames stay and the fields are hidden; SCALEOUT_DEBUG=1 keeps every frame.
    hide(this, 'exitCode');
    if (!process.env['SCALEOUT_DEBUG']) {
      const own = (this.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && !l.includes(LIB_DIR) && !l.includes('node:internal'));
      Object.defineProperty(this, 'stack', { value: [`${this.name}: ${message}`, ...own].join('\n'), writable: true, configurable: true });
    }
  }
}

/** This package's own directory (lib/ or build/): its frames say nothing to a user. */
const LIB_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Keeps a field readable but out of Node's printout of an uncaught error. */
function hide(o: object, key: string): void {
  Object.defineProperty(o, key, { enumerable: false });
}

/** Wrong input: a bad prop, config key, unit or file. Exit code 2. */
export class ConfigError extends ScaleoutError {
  /** One line per problem, each naming its path, value, limit and fix. */
  public readonly problems: readonly string[];
  /** A line printed before the problems, if any. */
  public readonly header: string | undefined;
  constructor(problems: readonly string[], header?: string) {
    super([header, ...problems].filter((l) => l !== undefined).join('\n'), 2);
    this.problems = problems;
    hide(this, 'problems');
    this.header = header;
  }
}

/** One or more error-severity rules failed at the synth gate. Exit code 1. */
export class SynthError extends ScaleoutError {
  constructor(message: string) {
    super(message, 1);
  }
}
