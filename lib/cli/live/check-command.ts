/**
 * `scaleout check --live`: reads the running stack (Docker API or Kubernetes API, and
 * PostgreSQL), compares it with the resolved plan of one profile, and prints the drift with
 * its arithmetic and the command that restores the model. Exit codes: 0 in line, 1 drift,
 * 2 bad usage, 3 the stack cannot be reached.
 */
import { ConfigError, ScaleoutError } from '../../errors.js';
import { suggestion } from '../../model/did-you-mean.js';
import { evaluate } from '../../rules/gate.js';
import { composeProject } from '../../targets/compose/project.js';
import { Duration, UnitError } from '../../units/index.js';
import { loadConfigFile } from '../config.js';
import { readCompose, runningContainer } from './compose-facts.js';
import { compareScale } from './compare-scale.js';
import { comparePostgres } from './compare-postgres.js';
import { DockerApi, dockerEndpoint, endpointText } from './docker-api.js';
import { UnreachableError, type LiveFacts, type PostgresFacts } from './facts.js';
import { checkJson, checkTable } from './format.js';
import { readKubernetes } from './kubernetes-facts.js';
import { exitCodeOf, type LiveCheck, type LiveReport } from './live-check.js';
import { MONITOR_ROLE, postgresRoles } from '../../plan/roles.js';
import { FACTS_SQL, parseFacts, readPostgresUrl } from './postgres-facts.js';

/** The flags `check` adds, as `node:util` parseArgs options. */
export const CHECK_FLAGS = {
  live: { type: 'boolean' },
  profile: { type: 'string' },
  'postgres-url': { type: 'string' },
  'postgres-only': { type: 'boolean' },
  project: { type: 'string' },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  watch: { type: 'string' },
} as const;

/** A flag of `check`. */
export type CheckFlag = keyof typeof CHECK_FLAGS;

/** The synopsis `check --help` prints. */
export const CHECK_USAGE =
  'scaleout check --live -c FILE --profile NAME [--target compose|kubernetes] [--project NAME] [--kubeconfig FILE] [--namespace NS] [--postgres-url URL] [--postgres-only] [--json] [--watch 10s]';

/** Each flag's synopsis and help. */
export const CHECK_FLAG_HELP: Record<CheckFlag, readonly [string, string]> = {
  live: ['--live', 'compare the running stack with the model (required)'],
  profile: ['--profile NAME', 'the profile the stack runs (optional when the stack has one profile)'],
  'postgres-url': ['--postgres-url URL', 'read PostgreSQL over this URL (a port-forward) instead of in the db container'],
  'postgres-only': ['--postgres-only', 'read only PostgreSQL (needs --postgres-url): no Docker or Kubernetes API'],
  project: ['--project NAME', 'compose project (default: the one running the stack)'],
  kubeconfig: ['--kubeconfig FILE', 'kubeconfig for --target kubernetes (default: KUBECONFIG, ~/.kube/config, in-cluster)'],
  namespace: ['--namespace NS', 'namespace for --target kubernetes (default: the profile\'s, as synthesized: <stack>-<profile> or its namespace:)'],
  watch: ['--watch DURATION', 're-check every DURATION (e.g. 10s) until interrupted'],
};

/** `check`'s options, checked. */
export interface CheckOptions {
  readonly config: string;
  /** Undefined: the stack's only profile. */
  readonly profile?: string;
  readonly target: 'compose' | 'kubernetes';
  readonly json: boolean;
  readonly postgresUrl?: string;
  readonly postgresOnly: boolean;
  readonly project?: string;
  readonly kubeconfig?: string;
  readonly namespace?: string;
  /** Re-check interval in ms; undefined for one round. */
  readonly watchMs?: number;
}

/** Raw flag values as parseArgs gives them. */
export type CheckFlagValues = { readonly config?: string; readonly target?: string; readonly json?: boolean } & Readonly<
  Partial<{ [K in CheckFlag]: (typeof CHECK_FLAGS)[K]['type'] extends 'boolean' ? boolean : string }>
>;

/** Bad `check` usage: exit 2 with the usage line. */
function usageError(message: string): ScaleoutError {
  return new ScaleoutError(`check: ${message}\nusage: ${CHECK_USAGE}`, 2);
}

/** Checks the flags before anything is read (exit 2 on bad usage). */
export function parseCheckOptions(v: CheckFlagValues): CheckOptions {
  if (v.live !== true) throw usageError('only --live is implemented (the synth-time checks are `scaleout plan`); add --live');
  if (v.config === undefined || v.config === '') throw usageError('missing -c FILE (the config file)');
  const target = v.target ?? 'compose';
  if (target !== 'compose' && target !== 'kubernetes') {
    throw usageError(`--target ${target}: check --live reads a compose stack (Docker API) or a Kubernetes namespace; use --target compose or --target kubernetes`);
  }
  if (v['postgres-only'] && !v['postgres-url']) throw usageError('--postgres-only needs --postgres-url URL');
  if (target === 'compose' && (v.kubeconfig !== undefined || v.namespace !== undefined)) throw usageError('--kubeconfig and --namespace apply to --target kubernetes');
  if (target === 'kubernetes' && v.project !== undefined) throw usageError('--project applies to --target compose');
  let watchMs: number | undefined;
  if (v.watch !== undefined) {
    try {
      watchMs = Duration.parse(v.watch).milliseconds;
    } catch (e) {
      if (e instanceof UnitError) throw usageError(`--watch: ${e.message}`);
      throw e;
    }
    if (watchMs < 1000) throw usageError(`--watch ${v.watch} is below the minimum 1s; use e.g. --watch 10s`);
  }
  return {
    config: v.config,
    target,
    json: v.json === true,
    postgresOnly: v['postgres-only'] === true,
    ...(v.profile === undefined ? {} : { profile: v.profile }),
    ...(v['postgres-url'] === undefined ? {} : { postgresUrl: v['postgres-url'] }),
    ...(v.project === undefined ? {} : { project: v.project }),
    ...(v.kubeconfig === undefined ? {} : { kubeconfig: v.kubeconfig }),
    ...(v.namespace === undefined ? {} : { namespace: v.namespace }),
    ...(watchMs === undefined ? {} : { watchMs }),
  };
}

/** Where check writes, and what it reads from the process. */
export interface CheckEnv {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** `DOCKER_HOST` comes from here. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ends `--watch`. */
  readonly signal?: AbortSignal;
}

/** Runs the queries in the db container with psql, as the monitoring role (or, without it, the model's user). */
async function readPostgresExec(api: DockerApi, id: string, database: string, fallbackUser: string): Promise<PostgresFacts> {
  const run = (user: string) => api.exec(id, ['psql', '-X', '-A', '-t', '-q', '-U', user, '-d', database, '-c', FACTS_SQL]);
  let r = await run(MONITOR_ROLE);
  if (r.exitCode !== 0 && /role .* does not exist/.test(r.stderr)) r = await run(fallbackUser);
  if (r.exitCode !== 0) throw new UnreachableError(`psql in the db container failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  return parseFacts(r.stdout.trim(), 'psql in the db container');
}

/** One round: load, read, compare. */
async function checkOnce(o: CheckOptions, env: CheckEnv): Promise<LiveReport> {
  const stack = loadConfigFile(o.config);
  const profiles = stack.profileNames;
  const profile = o.profile ?? (profiles.length === 1 ? profiles[0]! : undefined);
  if (profile === undefined) throw usageError(`missing --profile NAME; the stack's profiles are ${profiles.join(', ')}`);
  if (!profiles.includes(profile)) {
    throw new ConfigError([
      { code: 'SO-CONFIG-USAGE', path: '--profile', message: `no profile '${profile}' in ${o.config}${suggestion(profile, profiles) || `; profiles are ${profiles.join(', ')}`}` },
    ]);
  }
  const report = evaluate(stack, { targets: [o.target] });
  const ctx = report.contexts.find((c) => c.profile === profile)!;
  const names = o.target === 'compose' ? composeProject(stack, report.contexts).serviceNames.get(profile)! : undefined;
  const composeName = (path: string) => names?.get(path) ?? path;
  const facts: { -readonly [K in keyof LiveFacts]: LiveFacts[K] } = {};
  let where: string | undefined;
  const pg = ctx.postgres;
  let restart = 'restart PostgreSQL';
  if (o.target === 'compose' && !o.postgresOnly) {
    const endpoint = dockerEndpoint(env.env['DOCKER_HOST']);
    if (!endpoint) throw usageError(`DOCKER_HOST=${env.env['DOCKER_HOST']}: use unix:///path/to/docker.sock or tcp://host:port`);
    const api = new DockerApi(endpoint);
    facts.compose = await readCompose(api, ctx.backends.map((b) => composeName(b.path)), o.project);
    where = facts.compose.project;
    if (pg) {
      restart = `docker compose --profile ${profile} restart ${composeName(pg.path)}`;
      if (o.postgresUrl === undefined) {
        const db = composeName(pg.path);
        const id = where === '' ? undefined : await runningContainer(api, where, db);
        if (!id) throw new UnreachableError(`no running container of compose service ${db}${where ? ` in project ${where}` : ''} at ${endpointText(endpoint)}; start the stack, or pass --postgres-url`);
        facts.postgres = await readPostgresExec(api, id, pg.database, pg.user);
      }
    }
  } else if (o.target === 'kubernetes' && !o.postgresOnly) {
    // The namespace the chart put this profile in, not the kubeconfig context's.
    facts.kubernetes = await readKubernetes({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), namespace: o.namespace ?? stack.namespaceOf(profile) });
    where = facts.kubernetes.namespace;
    if (pg) restart = `kubectl -n ${where} rollout restart statefulset/${pg.id}`;
  }
  if (pg && o.postgresUrl !== undefined) facts.postgres = await readPostgresUrl(o.postgresUrl);
  const checks: LiveCheck[] = [];
  if (!o.postgresOnly) checks.push(...compareScale({ ctx, target: o.target, composeName, ...facts }));
  if (pg && facts.postgres) {
    checks.push(...comparePostgres({ ctx, target: o.target, roles: postgresRoles(ctx, o.target), facts: facts.postgres, restart }));
  } else if (pg) {
    checks.push({ kind: 'setting', subject: 'postgres', status: 'not-read', planned: null, live: null, arithmetic: ['PostgreSQL was not read; pass --postgres-url URL (e.g. through kubectl port-forward)'] });
  }
  return { stack: stack.stackName, profile, target: o.target, ...(where === undefined || where === '' ? {} : { where }), checks };
}

function print(report: LiveReport, o: CheckOptions, env: CheckEnv): number {
  env.stdout.write(o.json ? `${JSON.stringify(checkJson(report), null, o.watchMs === undefined ? 2 : undefined)}\n` : checkTable(report));
  return exitCodeOf(report);
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs the check once, or with `--watch` every interval until `signal` aborts; the exit code
 * is the last round's. While watching, an unreachable stack is printed and retried (exit 3
 * if it is the last round).
 */
export async function runCheck(o: CheckOptions, env: CheckEnv): Promise<number> {
  if (o.watchMs === undefined) return print(await checkOnce(o, env), o, env);
  let code = 0;
  while (!env.signal?.aborted) {
    try {
      code = print(await checkOnce(o, env), o, env);
    } catch (e) {
      if (!(e instanceof UnreachableError)) throw e;
      env.stderr.write(`scaleout: ${e.message}\n`);
      code = e.exitCode;
    }
    await pause(o.watchMs, env.signal);
  }
  return code;
}
