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

/** Every flag a command may take. */
export type OptionName = 'config' | 'out' | 'target' | 'json' | 'force' | 'secrets-dir' | 'rps' | 'p99' | 'backend' | 'rps-per-replica' | VerifyFlag | CheckFlag;

/** Parsed flags. */
export type Options = {
  readonly config?: string;
  readonly out?: string;
  readonly target?: string;
  readonly json?: boolean;
  readonly force?: boolean;
  readonly 'secrets-dir'?: string;
  readonly rps?: string;
  readonly p99?: string;
  readonly backend?: string;
  readonly 'rps-per-replica'?: boolean;
} & Readonly<Partial<Record<VerifyFlag, string>>> &
  Readonly<Partial<Record<'profile' | 'postgres-url' | 'project' | 'kubeconfig' | 'namespace' | 'watch', string>>> & {
    readonly live?: boolean;
    readonly 'postgres-only'?: boolean;
  };

/** The parseArgs table. */
export const OPTIONS = {
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
  ...VERIFY_FLAGS,
  ...CHECK_FLAGS,
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/** How `--help` spells each flag. */
export const FLAG: Record<OptionName, string> = {
  config: '-c, --config FILE',
  out: '-o, --out DIR',
  target: '--target LIST',
  json: '--json',
  force: '--force',
  'secrets-dir': '--secrets-dir DIR',
  rps: '--rps N',
  p99: '--p99 DURATION',
  backend: '--backend ID',
  'rps-per-replica': '--rps-per-replica',
  ...column(VERIFY_FLAG_HELP, 0),
  ...column(CHECK_FLAG_HELP, 0),
};
/** What `--help` says of each flag. */
export const FLAG_HELP: Record<OptionName, string> = {
  config: 'the scaleout.yaml config file',
  out: 'output directory: new, empty, or one scaleout wrote (it lists its files in .scaleout-manifest.json)',
  target: 'comma-separated targets, per command:',
  json: 'print one JSON object (plan: schemas/plan.schema.json; check: schemas/check-live.schema.json)',
  force: 'write into a non-empty directory scaleout did not create (its other files are kept)',
  'secrets-dir': 'where the compose file finds secret files (default: secrets/ next to the config file)',
  rps: 'plan for this many requests per second (default: the backend\'s load.expectedRps)',
  p99: 'the p99 objective, e.g. 250ms (default: the backend\'s load.p99)',
  backend: 'the backend to plan (needed when the stack has more than one)',
  'rps-per-replica': 'also measure the rate one replica serves within --p99',
  ...column(VERIFY_FLAG_HELP, 1),
  ...column(CHECK_FLAG_HELP, 1),
};
