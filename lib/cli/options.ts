/**
 * The scaleout command's flags: the parseArgs table, the parsed options, and the flag and help
 * text `--help` prints. verify and check --live bring their own flags (verify.ts,
 * live/check-command.ts), merged in here.
 */
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
