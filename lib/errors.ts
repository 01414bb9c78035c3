/**
 * Errors scaleout raises on purpose. Each carries the exit code the CLI uses, so a
 * caller never has to map messages to codes.
 */

/** Base class; `exitCode` is what `scaleout` exits with when this reaches the CLI. */
export class ScaleoutError extends Error {
  public readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
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
    this.header = header;
  }
}

/** One or more error-severity rules failed at the synth gate. Exit code 1. */
export class SynthError extends ScaleoutError {
  constructor(message: string) {
    super(message, 1);
  }
}
