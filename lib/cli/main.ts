#!/usr/bin/env node
/**
 * The `scaleout` command: synth, plan and schema for users who write YAML instead of
 * TypeScript, and verify and check --live for a running stack. Exit codes: 0 ok, 1 a rule, a
 * verify check or a live check failed, 2 bad config or bad usage, 3 check --live cannot reach
 * the stack, 70 a bug.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { TARGETS, type TargetKind } from '../capacity/target.js';
import { ConfigError, ScaleoutError } from '../errors.js';
import { suggestion } from '../model/did-you-mean.js';
import { escapeControls, visible } from '../model/visible-text.js';
import { renderPlan } from '../render/capacity-report.js';
import { evaluate, warningLines } from '../rules/gate.js';
import { FILE_TARGETS, synthFiles } from './synth-files.js';
import { writeStarter } from './init.js';
import { writeOutput } from '../targets/output.js';
import { loadConfigFile } from './config.js';
import { configJsonSchema } from './config-schema.js';
import { planJson } from './plan-json.js';
import { runCalibrate } from './calibrate.js';
import { plannerFlagValues, plannerJson, renderPlanner, runPlanner, wantsPlanner } from './plan-planner.js';
import { checkOutputDir, checkSecretsDir, secretsDirFor, secretsDirOf } from './output-dir.js';
import { createSecrets } from './secrets-command.js';
import { parseVerifyOptions, runVerify, VERIFY_USAGE } from './verify.js';
import { CHECK_USAGE, parseCheckOptions, runCheck } from './live/check-command.js';
import { FLAG, FLAG_HELP, OPTIONS, parseFlags, type OptionName, type Options } from './options.js';

/** Where the CLI writes; `process.stdout`/`process.stderr` by default. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Bad arguments. Exit code 2, and the message ends with a pointer to `--help`. */
class UsageError extends ScaleoutError {
  constructor(message: string) {
    super(`${message}\nRun 'scaleout --help' for usage.`, 2);
  }
}

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly options: readonly OptionName[];
  /** Help for an option that means something else here than in FLAG_HELP. */
  readonly help?: Partial<Record<OptionName, string>>;
  /** The targets `--target` takes here, as `--help` lists them. */
  readonly targets?: readonly TargetKind[];
  /** `--target` help when the command takes one target, not a list (check). */
  readonly targetHelp?: string;
  /** A promise only for commands that do network I/O (verify, check) or load a target lazily (secrets). */
  run(opts: Options, io: CliIO): number | Promise<number>;
}

/**
 * A multi-line message (a finding, its arithmetic and fixes) kept on its own lines, with every
 * other control character in each line escaped.
 */
function escapeLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}

const COMMANDS: Record<string, Command> = {
  synth: {
    usage: 'scaleout synth -c FILE -o DIR [--target compose,kubernetes] [--secrets-dir DIR] [--force]',
    summary: 'Validate the config, run every rule, and write the target files to DIR',
    options: ['config', 'out', 'target', 'secrets-dir', 'force'],
    targets: FILE_TARGETS,
    run(opts, io) {
      const config = required(opts.config, 'synth', '-c FILE (the config file)');
      const out = required(opts.out, 'synth', '-o DIR (the output directory)');
      const targets = parseTargets(opts.target ?? FILE_TARGETS.join(','), FILE_TARGETS);
      checkOutputDir(out, config);
      const secrets = secretsDirFor(config, out, opts['secrets-dir']);
      const stack = loadConfigFile(config);
      const { files, report } = synthFiles(stack, targets, { secretsDir: secrets.fromCompose });
      for (const line of warningLines(report)) io.stderr.write(`${escapeLines(line)}\n`);
      try {
        writeOutput(out, files, { force: opts.force === true });
      } catch (e) {
        if (e instanceof ScaleoutError) throw e;
        throw new ConfigError([{ code: 'SO-CONFIG-OUTPUT', message: `cannot write to ${out}: ${(e as Error).message}` }]);
      }
      io.stdout.write(`wrote ${files.size} file${files.size === 1 ? '' : 's'} to ${out}\n`);
      return 0;
    },
  },
  plan: {
    usage: 'scaleout plan -c FILE [--target compose,kubernetes] [--json] [--rps N --p99 DURATION [--backend ID]]',
    summary: 'Print the capacity table per profile (with --rps, the replicas × workers × pool the load needs); exit 1 when a rule fails',
    options: ['config', 'target', 'json', 'rps', 'p99', 'backend'],
    targets: TARGETS,
    run(opts, io) {
      const config = required(opts.config, 'plan', '-c FILE (the config file)');
      const targets = parseTargets(opts.target ?? 'compose,kubernetes', TARGETS);
      // A bad --rps or --p99 is refused before the config is read.
      if (wantsPlanner(opts)) plannerFlagValues(opts);
      const stack = loadConfigFile(config);
      // Input mistakes throw here (exit 2) before anything is printed.
      const report = evaluate(stack, { targets });
      const planner = wantsPlanner(opts) ? runPlanner(report, TARGETS.filter((t) => targets.includes(t)), opts) : undefined;
      const text = opts.json
        ? JSON.stringify({ ...planJson(stack, report, targets), ...(planner ? { planner: plannerJson(planner) } : {}) }, null, 2)
        : planner
          ? `${renderPlan(stack, report).trimEnd()}\n\n${renderPlanner(planner)}`
          : renderPlan(stack, report);
      io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return report.errors.length > 0 ? 1 : 0;
    },
  },
  verify: {
    usage: VERIFY_USAGE,
    summary: 'Send requests through a running load balancer and check that K instances answer evenly',
    options: ['url', 'path', 'requests', 'expect-instances', 'max-skew', 'timeout', 'deadline'],
    run(opts, io) {
      // Flags are checked before any request goes out (exit 2 on bad usage).
      return runVerify(parseVerifyOptions(opts), io);
    },
  },
  check: {
    usage: CHECK_USAGE,
    summary: 'Compare a running stack (Docker or Kubernetes API, and PostgreSQL) with the model; exit 1 on drift, 3 when unreachable',
    targetHelp: 'compose (the Docker API; default) or kubernetes (the Kubernetes API)',
    options: ['live', 'config', 'profile', 'target', 'project', 'kubeconfig', 'namespace', 'postgres-url', 'postgres-only', 'json', 'watch'],
    run(opts, io) {
      // Flags are checked before anything is read, synchronously (exit 2 on bad usage); pg
      // and the Kubernetes client are loaded only when read.
      const o = parseCheckOptions(opts);
      if (o.watchMs === undefined) return runCheck(o, { ...io, env: process.env });
      const stop = new AbortController();
      const onInt = () => stop.abort();
      process.once('SIGINT', onInt);
      return runCheck(o, { ...io, env: process.env, signal: stop.signal }).finally(() => process.removeListener('SIGINT', onInt));
    },
  },
  calibrate: {
    usage: 'scaleout calibrate --url http://HOST:PORT [--path /api/work] [--p99 DURATION] [--rps-per-replica]',
    summary: "Read a running replica's request, pool-wait and hold-time histograms and print the load: service profile",
    options: ['url', 'path', 'p99', 'rps-per-replica'],
    help: {
      url: 'one replica of the reference backend (not the load balancer), e.g. http://10.0.0.5:8000',
      path: 'the route whose metrics to read (default /api/work); with --rps-per-replica the path and query to load',
      p99: 'the objective to print in the block, and the one --rps-per-replica must keep',
      'rps-per-replica': 'also measure the open-loop rate one replica serves within --p99 (about a minute of load)',
    },
    async run(opts, io) {
      const url = required(opts.url, 'calibrate', '--url http://HOST:PORT (one replica, not the load balancer)');
      const lines = await runCalibrate({ url, path: opts.path ?? '/api/work', ...(opts.p99 !== undefined ? { p99: opts.p99 } : {}), rpsPerReplica: opts['rps-per-replica'] === true }, (l) => io.stderr.write(`${l}\n`));
      io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    },
  },
  init: {
    usage: 'scaleout init [-c FILE]',
    summary: 'Write a commented starter scaleout.yaml (the reference stack); never overwrites',
    options: ['config'],
    run(opts, io) {
      const file = opts.config ?? 'scaleout.yaml';
      writeStarter(file);
      io.stdout.write(`wrote ${file}; next: scaleout plan -c ${file}\n`);
      return 0;
    },
  },
  secrets: {
    usage: 'scaleout secrets -c FILE [--secrets-dir DIR] [-o DIR]',
    summary: 'Create the secret files the compose stack reads (random, mode 0600, never overwritten) and print the kubectl/pulumi commands per profile',
    options: ['config', 'secrets-dir', 'out'],
    help: {
      out: 'the output directory you synth into: the secrets directory may not be, lie inside or hold it (directories synth wrote are found by their .scaleout-manifest.json anyway)',
    },
    async run(opts, io) {
      const config = required(opts.config, 'secrets', '-c FILE (the config file)');
      if (opts.out === '') throw new UsageError('secrets: -o needs a directory, such as dist');
      const { abs, name } = secretsDirOf(config, opts['secrets-dir']);
      checkSecretsDir(abs, name, opts.out === undefined ? [] : [opts.out]);
      const stack = loadConfigFile(config);
      const { lines, warnings } = await createSecrets(stack, abs);
      for (const line of warnings) io.stderr.write(`${escapeControls(line)}\n`);
      for (const line of lines) io.stdout.write(`${escapeControls(line)}\n`);
      return 0;
    },
  },
  schema: {
    usage: 'scaleout schema',
    summary: 'Print the JSON Schema of the config file, for editor completion',
    options: [],
    run(_opts, io) {
      io.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return 0;
    },
  },
};

/** `--target` help for one command: only the targets it takes. */
function targetHelp(cmd: Command): string {
  return `comma-separated targets (${(cmd.targets ?? TARGETS).join(', ')})`;
}

function usage(command?: string): string {
  const cmd = command === undefined ? undefined : COMMANDS[command];
  if (cmd) {
    return [
      `Usage: ${cmd.usage}`,
      '',
      cmd.summary + '.',
      ...(cmd.options.length ? ['', 'Options:', ...cmd.options.map((o) => `  ${FLAG[o].padEnd(22)} ${o === 'target' ? (cmd.targetHelp ?? targetHelp(cmd)) : (cmd.help?.[o] ?? FLAG_HELP[o])}`)] : []),
      '',
    ].join('\n');
  }
  return [
    'Usage: scaleout <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
    '',
    'Options:',
    ...(['config', 'out', 'target'] as const).map((o) => `  ${FLAG[o].padEnd(22)} ${FLAG_HELP[o]}`),
    ...Object.entries(COMMANDS)
      .filter(([, c]) => c.targets)
      .map(([name, c]) => `  ${''.padEnd(22)}   ${name}: ${c.targets!.join(', ')}`),
    `  ${'-h, --help'.padEnd(22)} show this help`,
    `  ${'--version'.padEnd(22)} print the version`,
    '',
    'Exit codes: 0 ok, 1 a rule, a verify check or a live check (drift) failed or calibrate cannot read the replica, 2 bad config or usage, 3 check --live cannot reach the stack.',
    '',
  ].join('\n');
}

function required(value: string | undefined, command: string, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`${command}: missing ${what}`);
  return value;
}

/** `compose,kubernetes` → the targets, refusing unknown names and ones not in `available`. */
export function parseTargets(text: string, available: readonly TargetKind[]): TargetKind[] {
  const out: TargetKind[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') throw new UsageError(`--target: empty target name in '${text}'; use e.g. --target ${available.join(',')}`);
    if (!(TARGETS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--target: unknown target '${name}'${suggestion(name, TARGETS) || `; targets are ${TARGETS.join(', ')}`}`,
      );
    }
    const t = name as TargetKind;
    if (!available.includes(t)) {
      throw new UsageError(
        t === 'pulumi'
          ? `--target: synth writes no files for pulumi; deploy with the Pulumi program (Pulumi.yaml, README "Pulumi"), check its capacity with 'scaleout plan --target pulumi', or use --target ${available.join(',')}`
          : `--target: target '${t}' is not available here; use --target ${available.join(',')}`,
      );
    }
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Turns a `parseArgs` error into a usage error naming the option. */
function argError(e: Error & { code?: string }): UsageError {
  const unknown = /Unknown option '([^']+)'/.exec(e.message)?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
    const known = Object.entries(OPTIONS).flatMap(([long, o]) => ['--' + long, ...('short' in o ? ['-' + o.short] : [])]);
    const name = unknown.split('=')[0]!;
    return new UsageError(`unknown option '${unknown}'${suggestion(name, known)}`);
  }
  const missing = /Option '([^']+)' argument missing/.exec(e.message)?.[1];
  if (missing !== undefined) return new UsageError(`option ${missing.replace(' <value>', '')} needs a value`);
  return new UsageError(e.message);
}

function run(argv: readonly string[], io: CliIO): number | Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(argv);
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw argError(e as Error);
    throw e;
  }
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.version && name === undefined) {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === undefined) {
    if (values.help) {
      io.stdout.write(usage());
      return 0;
    }
    io.stderr.write(usage());
    throw new UsageError('missing command');
  }
  const command = COMMANDS[name];
  if (!command) {
    const hint = suggestion(name, Object.keys(COMMANDS)) || `; commands are ${Object.keys(COMMANDS).join(', ')}`;
    throw new UsageError(`unknown command '${name}'${hint}`);
  }
  if (values.help) {
    io.stdout.write(usage(name));
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`${name}: unexpected argument '${rest[0]}'`);
  for (const o of Object.keys(FLAG) as OptionName[]) {
    if (values[o] !== undefined && !command.options.includes(o)) {
      throw new UsageError(`${name}: option --${o} does not apply here; usage: ${command.usage}`);
    }
  }
  if (values.version) throw new UsageError(`${name}: option --version does not apply here`);
  return command.run(values, io);
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and returns the exit code: a
 * number, or for `verify`, `check` and `secrets` a promise of one. Never calls
 * `process.exit`, so tests can call it in-process.
 */
export function main(argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): number | Promise<number> {
  try {
    const code = run(argv, io);
    return typeof code === 'number' ? code : code.catch((e: unknown) => failure(e, io));
  } catch (e) {
    return failure(e, io);
  }
}

/** Reports an error the way the CLI does and returns its exit code. */
function failure(e: unknown, io: CliIO): number {
  if (e instanceof ConfigError) {
    // One line per problem, whatever the values in it hold.
    for (const line of [...(e.header === undefined ? [] : [e.header]), ...e.problems]) io.stderr.write(`scaleout: ${visible(line, 500)}\n`);
    return e.exitCode;
  }
  if (e instanceof ScaleoutError) {
    io.stderr.write(`scaleout: ${escapeLines(e.message)}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr.write(`scaleout: internal error: ${visible(err.message, 2000)}\n`);
  if (process.env.SCALEOUT_DEBUG === '1' && err.stack) io.stderr.write(`${err.stack}\n`);
  else io.stderr.write('scaleout: this is a bug; rerun with SCALEOUT_DEBUG=1 for details and report it\n');
  return 70;
}

/** True when this module is the program node started, also through an npm bin symlink. */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** `scaleout schema | head`: the reader went away; stop quietly instead of a stack trace. */
function quietOnEpipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
}

if (isEntryPoint()) {
  quietOnEpipe(process.stdout);
  quietOnEpipe(process.stderr);
  void Promise.resolve(main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}
