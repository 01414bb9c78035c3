/**
 * `scaleout plan --rps N --p99 D [--backend ID]`: the queueing planner on one backend, per
 * profile. The text shows the ranked options and the chosen one as a block to paste; the
 * JSON is the `planner` section of `plan --json` (schemas/plan.schema.json).
 */
import { ConfigError } from '../errors.js';
import { didYouMean } from '../model/did-you-mean.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ServiceProfile } from '../model/load.js';
import type { TargetKind } from '../capacity/target.js';
import { Duration } from '../units/duration.js';
import type { Shape } from '../capacity/queueing.js';
import { parseObjectiveFlag, parseRateFlag } from './options.js';
import { planBackend, SPARE_REPLICAS, type PlanOption, type PlanResult } from '../plan/planner.js';
import type { GateReport } from '../plan/report.js';

/** The flags as given on the command line. */
export interface PlannerFlags {
  readonly rps?: string;
  readonly p99?: string;
  readonly backend?: string;
}

/** The planner's answer for every profile of the report. */
export interface PlannerRun {
  readonly backendId: string;
  /** The rate planned for: --rps, else the first profile's load.expectedRps (each result's request has its own). */
  readonly rps: number;
  /** The objective: --p99, else the first profile's load.p99. */
  readonly p99Ms: number;
  readonly results: readonly { readonly profile: string; readonly result: PlanResult }[];
}

/** True when the flags ask for the planner. */
export function wantsPlanner(f: PlannerFlags): boolean {
  return f.rps !== undefined || f.p99 !== undefined || f.backend !== undefined;
}

/** --rps and --p99 as numbers (absent: from each profile's load); a bad one is an exit-2 error naming it. */
export function plannerFlagValues(f: PlannerFlags): { readonly rps?: number; readonly p99Ms?: number } {
  return {
    ...(f.rps === undefined ? {} : { rps: parseRateFlag('plan --rps', f.rps) }),
    ...(f.p99 === undefined ? {} : { p99Ms: parseObjectiveFlag('plan --p99', f.p99) }),
  };
}

/** Runs the planner on the web backend the flags name (or the stack's only web backend). */
export function runPlanner(report: GateReport, targets: readonly TargetKind[], f: PlannerFlags): PlannerRun {
  const flags = plannerFlagValues(f);
  const id = pickBackend(report.contexts[0]?.backends ?? [], f.backend);
  const cache = new Map<string, Shape[]>();
  const results = report.contexts.map((ctx) => {
    const backend = ctx.backends.find((b) => b.id === id)!;
    const service = serviceOf(backend);
    const rps = flags.rps ?? backend.load?.expectedRps ?? missing(backend, 'the rate: pass --rps N or set load.expectedRps');
    const p99Ms = flags.p99Ms ?? service.p99Ms;
    return { profile: ctx.profile, result: planBackend(ctx, backend, { rps, p99Ms, service: { ...service, p99Ms }, targets }, cache) };
  });
  const first = results[0]?.result.request;
  return { backendId: id, rps: first?.rps ?? flags.rps ?? 0, p99Ms: first?.p99Ms ?? flags.p99Ms ?? 0, results };
}

function missing(b: ResolvedBackend, what: string): never {
  throw new ConfigError([{ code: 'SO-CONFIG-VALUE', constructPath: b.path, path: 'plan', message: `missing ${what}` }]);
}

function serviceOf(b: ResolvedBackend): ServiceProfile {
  const s = b.load?.profile;
  if (!s) {
    missing(b, "a service profile: set load.p99, load.appTime and load.dbTime (measure them with 'scaleout calibrate --url http://HOST:PORT')");
  }
  return s;
}

/** The web backend to plan: the one --backend names, else the only one. */
function pickBackend(backends: readonly ResolvedBackend[], named: string | undefined): string {
  const web = backends.filter((b) => b.kind === 'web').map((b) => b.id);
  if (named !== undefined) {
    const found = backends.find((b) => b.id === named);
    if (!found) {
      const best = didYouMean(named, web) ?? didYouMean(named, backends.map((b) => b.id));
      const list = web.join(', ');
      const message =
        best !== undefined
          ? `no backend '${named}'; did you mean '${best}'?${web.length ? ` (web backends: ${list})` : ''}`
          : web.length
            ? `no backend '${named}'; name a web backend (${list})`
            : `no backend '${named}', and the stack has no web backend to plan`;
      throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --backend', message }]);
    }
    // The model is HTTP requests through nginx: a worker has no requests to plan.
    if (found.kind !== 'web') {
      throw new ConfigError([
        { code: 'SO-CONFIG-USAGE', constructPath: found.path, path: 'plan --backend', message: `'${named}' is kind: worker, with no HTTP requests to plan${web.length ? `; name a web backend (${web.join(', ')})` : ', and the stack has no web backend'}` },
      ]);
    }
    return named;
  }
  if (web.length === 1) return web[0]!;
  if (web.length === 0) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --rps', message: 'the stack has no web backend to plan (a kind: worker backend serves no HTTP requests)' }]);
  throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --rps', message: `the stack has ${web.length} web backends (${web.join(', ')}); name one with --backend` }]);
}

const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms` : '∞');
const fmtRps = (rps: number) => (Number.isFinite(rps) ? `${Math.floor(rps)} RPS` : 'never');

/** The planner's text: per profile the ranked options, the chosen one, and a block to paste. */
export function renderPlanner(run: PlannerRun): string {
  const same = run.results.every(({ result: r }) => r.request.rps === run.rps && r.request.p99Ms === run.p99Ms);
  const lines: string[] = [`Planner: backend ${run.backendId}${same ? ` at ${run.rps} RPS, p99 ≤ ${run.p99Ms}ms` : ''} (docs/PLANNER.md)`];
  for (const { profile, result } of run.results) {
    const { targets, rps, p99Ms } = result.request;
    lines.push('', `Profile ${profile}${same ? '' : ` at ${rps} RPS, p99 ≤ ${p99Ms}ms`}:`);
    if (result.options.length === 0) {
      lines.push('  no replicas × workers × pool meets the objective: the service time alone exceeds it; raise --p99 or cut appTime/dbTime');
      continue;
    }
    const pgHead = `Postgres demand/available (${targets.join(', ')})`;
    lines.push(`  rank  replicas  workers  pool  connections  p99      saturates at  ${pgHead}  fits`);
    result.options.forEach((o, i) => {
      const pg = targets.map((t) => (o.postgres?.[t] ? `${o.postgres[t]!.demand}/${o.postgres[t]!.available}` : '-')).join(', ');
      lines.push(
        `  ${String(i + 1).padEnd(4)}  ${`${o.replicas}+${SPARE_REPLICAS}`.padEnd(8)}  ${String(o.workers).padEnd(7)}  ${String(o.pool).padEnd(4)}  ${String(o.deployReplicas * o.workers * o.pool).padEnd(11)}  ${fmtMs(o.p99Ms).padEnd(7)}  ${fmtRps(o.saturationRps).padEnd(12)}  ${pg.padEnd(pgHead.length)}  ${o.fits ? 'yes' : `no (${o.limitedBy})`}`,
      );
    });
    lines.push("  replicas: the fewest that meet the p99, + SO-LOAD's spare; connections and budgets count the spare.");
    const c = result.chosen;
    if (!c) {
      lines.push('  none of these fits the budgets; raise the budget named in "fits" (e.g. postgres.maxConnections) or add PgBouncer');
      continue;
    }
    lines.push(
      '',
      `  Chosen: ${c.deployReplicas} replicas (${c.replicas} + ${SPARE_REPLICAS} spare) × ${c.workers} worker${c.workers === 1 ? '' : 's'} × pool ${c.pool} (predicted p99 ${fmtMs(c.p99Ms)}). Merge into the config:`,
      ...pasteBlock(run.backendId, profile, result, c).map((l) => `    ${l}`),
    );
  }
  return lines.join('\n');
}

/**
 * The chosen shape as config, under the profile it was planned for (a profile's own section
 * wins over the base one, and profiles may choose differently). `rpsPerReplica` is each
 * replica's share of the rate at the planner's count, rounded up to 0.01, so SO-LOAD's
 * ⌈expectedRps ÷ rpsPerReplica⌉ + 1 asks for no more than `replicas`. An autoscaled backend
 * gets `autoscale.min` (Kubernetes ignores `replicas` beside an HPA) and, when the config
 * sets one, the max the budgets allow with this shape.
 */
function pasteBlock(id: string, profile: string, r: PlanResult, c: PlanOption): string[] {
  const s = r.request.service;
  const perReplica = Math.ceil((r.request.rps / c.replicas) * 100) / 100;
  const load = [
    `expectedRps: ${r.request.rps}`,
    `rpsPerReplica: ${perReplica}`,
    `p99: ${Duration.parse(`${r.request.p99Ms}ms`).toString()}`,
    `appTime: ${s.appMs}ms`,
    `dbTime: ${s.dbMs}ms`,
    `appCv: ${s.appCv}`,
    `dbCv: ${s.dbCv}`,
  ];
  const auto = r.backend.autoscale;
  return [
    'profiles:',
    `  ${profile}:`,
    '    backends:',
    `      ${id}:`,
    `        replicas: ${c.deployReplicas}${auto ? ' # compose; Kubernetes runs autoscale.min to max' : ''}`,
    ...(auto ? [`        autoscale: { min: ${c.deployReplicas}${c.autoscaleMax !== undefined ? `, max: ${c.autoscaleMax}` : ''} }`] : []),
    `        workers: ${c.workers}`,
    ...(r.backend.pool ? [`        pool: { size: ${c.pool}, maxOverflow: 0 }`] : []),
    `        load: { ${load.join(', ')} }`,
  ];
}

/** One option in the JSON. */
export interface PlannerOptionJson {
  readonly replicas: number;
  readonly workers: number;
  readonly pool: number;
  /** Predicted p99 in milliseconds (null: unbounded). */
  readonly p99Ms: number | null;
  readonly meanMs: number | null;
  readonly saturationRps: number;
  /** replicas + SO-LOAD's spare: what the config runs; connections and budgets are counted at it. */
  readonly deployReplicas: number;
  /** An autoscaled backend's autoscale.max with this shape (absent: no autoscaling, or the max is left to the budgets). */
  readonly autoscaleMax?: number;
  readonly connections: Partial<Record<TargetKind, number>>;
  readonly postgres?: Partial<Record<TargetKind, { readonly demand: number; readonly available: number }>>;
  readonly fits: boolean;
  readonly limitedBy?: string;
}

/** The `planner` section of `plan --json`. */
export interface PlannerJson {
  readonly backend: string;
  readonly rps: number;
  readonly p99Ms: number;
  readonly profiles: Record<string, { readonly rps: number; readonly p99Ms: number; readonly options: readonly PlannerOptionJson[]; readonly chosen: PlannerOptionJson | null }>;
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

function optionJson(o: PlanOption): PlannerOptionJson {
  return {
    replicas: o.replicas,
    workers: o.workers,
    pool: o.pool,
    p99Ms: round(o.p99Ms),
    meanMs: round(o.meanMs),
    saturationRps: Math.floor(o.saturationRps),
    deployReplicas: o.deployReplicas,
    ...(o.autoscaleMax !== undefined ? { autoscaleMax: o.autoscaleMax } : {}),
    connections: o.connections,
    ...(o.postgres ? { postgres: o.postgres } : {}),
    fits: o.fits,
    ...(o.limitedBy ? { limitedBy: o.limitedBy } : {}),
  };
}

/** The planner run as the `planner` JSON section. */
export function plannerJson(run: PlannerRun): PlannerJson {
  return {
    backend: run.backendId,
    rps: run.rps,
    p99Ms: run.p99Ms,
    profiles: Object.fromEntries(run.results.map(({ profile, result }) => [profile, { rps: result.request.rps, p99Ms: result.request.p99Ms, options: result.options.map(optionJson), chosen: result.chosen ? optionJson(result.chosen) : null }])),
  };
}
