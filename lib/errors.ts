/**
 * Errors scaleout raises on purpose. Each carries the exit code the CLI uses, so a
 * caller never has to map messages to codes.
 */
import { fileURLToPath } from 'node:url';
import type { Fix } from './capacity/fix.js';

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

/**
 * The config codes: what kind of input mistake a {@link ConfigIssue} is. Rule findings carry
 * a `RuleId` instead (lib/model/rule-ids.ts); both print as `SO-…`.
 */
export const CONFIG_CODES = [
  'SO-CONFIG-FILE',
  'SO-CONFIG-YAML',
  'SO-CONFIG-KEY',
  'SO-CONFIG-VALUE',
  'SO-CONFIG-STRUCTURE',
  'SO-CONFIG-SECRETS',
  'SO-CONFIG-OUTPUT',
  'SO-CONFIG-USAGE',
] as const;

/**
 * The kind of an input mistake:
 * - `SO-CONFIG-FILE`: the config file cannot be read as UTF-8 text (missing, not a regular
 *   file, too large, UTF-16, a NUL byte);
 * - `SO-CONFIG-YAML`: the text is not one usable YAML document (syntax, duplicate keys,
 *   nesting too deep, empty);
 * - `SO-CONFIG-KEY`: a key nothing knows (a misspelt prop, an override of an unknown
 *   profile or backend, per-profile suppressions);
 * - `SO-CONFIG-VALUE`: a value a prop refuses (type, range, unit, format, a required prop
 *   missing, an unknown rule id or profile in a suppression);
 * - `SO-CONFIG-STRUCTURE`: the stack as a whole (a construct outside a Stack or twice in it,
 *   no backend or nginx, a consumer with no provider, names, ports, routes, secrets or
 *   roles that collide);
 * - `SO-CONFIG-SECRETS`: secrets not set for a Pulumi stack, or an unusable secrets directory;
 * - `SO-CONFIG-OUTPUT`: where output goes (the output directory, its manifest, a file that
 *   cannot be written or would be overwritten);
 * - `SO-CONFIG-USAGE`: a command's flags, or what they point at (`plan --rps`, `check
 *   --profile`, `calibrate`'s metrics endpoint).
 */
export type ConfigCode = (typeof CONFIG_CODES)[number];

/**
 * One input mistake as data. {@link formatConfigIssue} is the one place it becomes text:
 * `[source: ][[constructPath] [(profile p) ]][path: ]message`.
 */
export interface ConfigIssue {
  /** What kind of mistake it is. */
  readonly code: ConfigCode;
  /** The config file position it was found at (`scaleout.yaml:3:5`), or the file, when known. */
  readonly source?: string;
  /** The construct it is about (`uns/api`), when it is about one. */
  readonly constructPath?: string;
  /** The profiles it holds in, when it holds in some and not others. */
  readonly profiles?: readonly string[];
  /**
   * What inside it is wrong: a prop or config key path (`pool.size`,
   * `backends.api.routes[0]`), or the file, directory or flag (`-o dist`, `plan --rps`).
   */
  readonly path?: string;
  /** What is wrong, with the value, the limit and the fix in words. */
  readonly message: string;
  /** The fixes the message names, as data, where they are a knob to turn; often none. */
  readonly fixes: readonly Fix[];
}

/** A {@link ConfigIssue} as one line, exactly as the CLI prints it (after `scaleout: `). */
export function formatConfigIssue(i: Omit<ConfigIssue, 'fixes'>): string {
  const source = i.source === undefined ? '' : `${i.source}: `;
  const profiles = i.profiles?.length ? ` (profile${i.profiles.length > 1 ? 's' : ''} ${i.profiles.join(', ')})` : '';
  const construct = i.constructPath === undefined ? '' : `[${i.constructPath}]${profiles} `;
  const path = i.path === undefined ? '' : `${i.path}: `;
  return `${source}${construct}${path}${i.message}`;
}

/** A {@link ConfigIssue} with `fixes` optional, as the sites that raise one write it. */
export type ConfigIssueInit = Omit<ConfigIssue, 'fixes'> & {
  /** The fixes the message names, as data; none when absent. */
  readonly fixes?: readonly Fix[];
};

/** Wrong input: a bad prop, config key, unit or file. Exit code 2. */
export class ConfigError extends ScaleoutError {
  /** The mistakes as data, in print order: code, where, what is wrong and the fixes. */
  public readonly issues: readonly ConfigIssue[];
  /** One line per problem, each naming its path, value, limit and fix: each issue, formatted. */
  public readonly problems: readonly string[];
  /** A line printed before the problems, if any. */
  public readonly header: string | undefined;
  constructor(issues: readonly ConfigIssueInit[], header?: string) {
    const full = issues.map((i): ConfigIssue => ({ ...i, fixes: i.fixes ?? [] }));
    const problems = full.map(formatConfigIssue);
    super([header, ...problems].filter((l) => l !== undefined).join('\n'), 2);
    this.issues = full;
    this.problems = problems;
    hide(this, 'issues');
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
