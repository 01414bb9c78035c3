/**
 * The scaleout command's flags: the parseArgs table, the parsed options, and the flag and help
 * text `--help` prints. verify and check --live bring their own flags (verify.ts,
 * live/check-command.ts), merged in here.
 */
import { parseArgs } from 'node:util';
import { ConfigError, ScaleoutError } from '../errors.js';
import { Duration } from '../units/duration.js';
import { CHECK_FLAG_HELP, CHECK_FLAGS, type CheckFlag } from './live/check-command.js';
import { VERIFY_FLAG_HELP, VERIFY_FLAGS, type VerifyFlag } from './verify.js';

/** One column of a `[flag, help]` table, by flag name. */
function column<K extends string>(table: Readonly<Record<K, readonly [string, string]>>, i: 0 | 1): Record<K, string> {
  return Object.fromEntries(Object.entries<readonly [string, string]>(table).map(([k, row]) => [k, row[i]])) as Record<K, string>;
}

/** The flags of synth, plan, calibrate, secrets and init (verify's and check's come from their modules). */
const BASE_FLAGS = {
  config: { type: 'string', short: 'c' },
  out: { type: 'string', short: 'o' },
  target: { type: 'string' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  'secrets-dir': { type: 'string' },
  rps: { type: 'string' },
  p99: { type: 'string' },
  backend: { type: 'string' },
  'rps-per-replica': { type: 'boolean' },
} as const;

/** Every flag a command may take. */
export type OptionName = keyof typeof BASE_FLAGS | VerifyFlag | CheckFlag;

/** The parseArgs table. */
export const OPTIONS = {
  ...BASE_FLAGS,
  ...VERIFY_FLAGS,
  ...CHECK_FLAGS,
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** Parsed flags: a boolean flag's value is a boolean, any other's a string. */
export type Options = { readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** Each base flag's synopsis and help. */
const BASE_FLAG_HELP: Record<keyof typeof BASE_FLAGS, readonly [string, string]> = {
  config: ['-c, --config FILE', 'the scaleout.yaml config file'],
  out: ['-o, --out DIR', 'output directory: new, empty, or one scaleout wrote (it lists its files in .scaleout-manifest.json)'],
  target: ['--target LIST', 'comma-separated targets, per command:'],
  json: ['--json', 'print one JSON object (plan: schemas/plan.schema.json; check: schemas/check-live.schema.json)'],
  force: ['--force', 'write into a non-empty directory scaleout did not create (its other files are kept)'],
  'secrets-dir': ['--secrets-dir DIR', 'where the compose file finds secret files (default: secrets/ next to the config file)'],
  rps: ['--rps N', "plan for this many requests per second (default: the backend's load.expectedRps)"],
  p99: ['--p99 DURATION', "the p99 objective, e.g. 250ms (default: the backend's load.p99)"],
  backend: ['--backend ID', 'the web backend to plan (needed when the stack has more than one)'],
  'rps-per-replica': ['--rps-per-replica', 'also measure the rate one replica serves within --p99'],
};

/** Every flag's synopsis and help, in one table. */
const FLAG_TABLE: Record<OptionName, readonly [string, string]> = { ...BASE_FLAG_HELP, ...VERIFY_FLAG_HELP, ...CHECK_FLAG_HELP };

/** How `--help` spells each flag. */
export const FLAG: Record<OptionName, string> = column(FLAG_TABLE, 0);
/** What `--help` says of each flag. */
export const FLAG_HELP: Record<OptionName, string> = column(FLAG_TABLE, 1);

/** The highest `--rps` taken: load.expectedRps's own limit. */
export const MAX_RPS_FLAG = 10_000_000;

/**
 * `argv` parsed against {@link OPTIONS}. Two things parseArgs lets through or words poorly
 * are settled here: a value that starts with '-' (`--rps -5`, `--p99 -5ms`) goes to the
 * flag, so its own check names the value; and a flag given twice is refused, where
 * parseArgs would silently keep the last value. parseArgs' own errors are rethrown as is.
 */
export function parseFlags(argv: readonly string[]): ReturnType<typeof parseTable> {
  const parsed = parseTable(joinDashValues(argv));
  const seen = new Map<string, string[]>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || OPTIONS[t.name as keyof typeof OPTIONS]?.type !== 'string') continue;
    seen.set(t.name, [...(seen.get(t.name) ?? []), t.value ?? '']);
  }
  for (const [name, values] of seen) {
    if (values.length > 1) {
      throw flagUsageError(`option --${name} is given ${values.length} times (${values.map((v) => `'${v}'`).join(', ')}); give it once`);
    }
  }
  return parsed;
}

function parseTable(args: string[]) {
  return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
}

/** `--rps -5` → `--rps=-5` for a string flag followed by a negative number. */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    const option = arg.startsWith('--') ? OPTIONS[arg.slice(2) as keyof typeof OPTIONS] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** A usage mistake found while parsing flags: exit 2, with the pointer to --help. */
function flagUsageError(message: string): ScaleoutError {
  return new ScaleoutError(`${message}\nRun 'scaleout --help' for usage.`, 2);
}

function flagError(flag: string, message: string): ConfigError {
  return new ConfigError([{ code: 'SO-CONFIG-USAGE', path: flag, message }]);
}

/**
 * A rate flag (`plan --rps`): requests per second, above 0 and at most
 * {@link MAX_RPS_FLAG}, in plain decimal digits.
 */
export function parseRateFlag(flag: string, text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > MAX_RPS_FLAG) {
    throw flagError(flag, `'${text}' is not a rate; give requests per second above 0 and at most ${MAX_RPS_FLAG}, e.g. ${flag.split(' ').pop()} 800`);
  }
  return n;
}

/** A latency objective flag (`--p99`): a duration above 0, in milliseconds. */
export function parseObjectiveFlag(flag: string, text: string): number {
  const name = flag.split(' ').pop()!;
  const example = `e.g. ${name} 250ms`;
  if (/^\s*-/.test(text)) throw flagError(flag, `'${text}' is negative; give an objective above 0, ${example}`);
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) {
    throw flagError(flag, Number(text) > 0 ? `'${text}' has no unit; write the objective with one, e.g. ${name} ${text.trim()}ms` : `'${text}' must be above 0; give the objective, ${example}`);
  }
  let ms: number;
  try {
    ms = Duration.parse(text).milliseconds;
  } catch (e) {
    throw flagError(flag, (e as Error).message);
  }
  if (ms <= 0) throw flagError(flag, `'${text}' must be above 0; give the objective, ${example}`);
  return ms;
}
