/**
 * `scaleout plan --rps N --p99 D [--backend ID]`: the queueing planner on one backend, per
 * profile. The text shows the ranked options and the chosen one as a block to paste; the
 * JSON is the `planner` section of `plan --json` (schemas/plan.schema.json).
 */
import { ConfigError } from '../errors.js';
import { suggestion } from '../model/did-you-mean.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ServiceProfile } from '../model/load.js';
import type { TargetKind } from '../capacity/target.js';
import { Duration } from '../units/duration.js';
import { maxRpsWithin, type Shape } from '../capacity/queueing.js';
import { planBackend, type PlanOption, type PlanResult } from '../plan/planner.js';
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
  readonly rps: number;
  readonly p99Ms: number;
  readonly results: readonly { readonly profile: string; readonly result: PlanResult }[];
}

/** True when the flags ask for the planner. */
export function wantsPlanner(f: PlannerFlags): boolean {
  return f.rps !== undefined || f.p99 !== undefined || f.backend !== undefined;
}

/** Runs the planner on the web backend the flags name (or the stack's only web backend). */
export function runPlanner(report: GateReport, targets: readonly TargetKind[], f: PlannerFlags): PlannerRun {
  const backends = report.contexts[0]?.backends ?? [];
  // The model is HTTP requests through nginx: a worker has no requests to plan.
  const worker = backends.find((b) => b.id === f.backend && b.kind === 'worker');
  if (worker) {
    throw new ConfigError([
      { code: 'SO-CONFIG-USAGE', constructPath: worker.path, path: 'plan --backend', message: `'${worker.id}' is kind: worker, with no HTTP requests to plan; name a web backend (${backends.filter((b) => b.kind === 'web').map((b) => b.id).join(', ') || 'none'})` },
    ]);
  }
  const id = pickBackend(backends.filter((b) => b.kind === 'web').map((b) => b.id), f.backend);
  const rpsFlag = f.rps === undefined ? undefined : parseRps(f.rps);
  const p99Flag = f.p99 === undefined ? undefined : parseP99(f.p99);
  let rps = 0;
  let p99Ms = 0;
  const cache = new Map<string, Shape[]>();
  const results = report.contexts.map((ctx) => {
    const backend = ctx.backends.find((b) => b.id === id)!;
    const service = serviceOf(backend);
    rps = rpsFlag ?? backend.load?.expectedRps ?? missing(backend, 'the rate: pass --rps N or set load.expectedRps');
    p99Ms = p99Flag ?? service.p99Ms;
    return { profile: ctx.profile, result: planBackend(ctx, backend, { rps, p99Ms, service: { ...service, p99Ms }, targets }, cache) };
  });
  return { backendId: id, rps, p99Ms, results };
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

function pickBackend(ids: readonly string[], named: string | undefined): string {
  if (named !== undefined) {
    if (!ids.includes(named)) {
      throw new ConfigError([
        { code: 'SO-CONFIG-USAGE', path: 'plan --backend', message: `no backend '${named}'${suggestion(named, ids) || `; backends are ${ids.join(', ')}`}` },
      ]);
    }
    return named;
  }
  if (ids.length === 1) return ids[0]!;
  throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --rps', message: `the stack has ${ids.length} web backends (${ids.join(', ')}); name one with --backend` }]);
}

function parseRps(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > 10_000_000) {
    throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --rps', message: `'${text}' is not a rate; give requests per second above 0 and at most 10000000, e.g. --rps 800` }]);
  }
  return n;
}

function parseP99(text: string): number {
  let ms: number;
  try {
    ms = Duration.parse(text).milliseconds;
  } catch (e) {
    throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --p99', message: (e as Error).message }]);
  }
  if (ms <= 0) throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: 'plan --p99', message: `'${text}' must be above 0; e.g. --p99 250ms` }]);
  return ms;
}

const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms` : '∞');

/** The planner's text: per profile the ranked options, the chosen one, and a block to paste. */
export function renderPlanner(run: PlannerRun): string {
  const lines: string[] = [`Planner: backend ${run.backendId} at ${run.rps} RPS, p99 ≤ ${run.p99Ms}ms (docs/PLANNER.md)`];
  for (const { profile, result } of run.results) {
    const targets = result.request.targets;
    lines.push('', `Profile ${profile}:`);
    if (result.options.length === 0) {
      lines.push('  no replicas × workers × pool meets the objective: the service time alone exceeds it; raise --p99 or cut appTime/dbTime');
      continue;
    }
    const pgHead = `Postgres demand/available (${targets.join(', ')})`;
    lines.push(`  rank  replicas  workers  pool  connections  p99      saturates at  ${pgHead}  fits`);
    result.options.forEach((o, i) => {
      const pg = targets.map((t) => (o.postgres?.[t] ? `${o.postgres[t]!.demand}/${o.postgres[t]!.available}` : '-')).join(', ');
      lines.push(
        `  ${String(i + 1).padEnd(4)}  ${String(o.replicas).padEnd(8)}  ${String(o.workers).padEnd(7)}  ${String(o.pool).padEnd(4)}  ${String(o.replicas * o.workers * o.pool).padEnd(11)}  ${fmtMs(o.p99Ms).padEnd(7)}  ${`${Math.floor(o.saturationRps)} RPS`.padEnd(12)}  ${pg.padEnd(pgHead.length)}  ${o.fits ? 'yes' : `no (${o.limitedBy})`}`,
      );
    });
    const c = result.chosen;
    if (!c) {
      lines.push('  none of these fits the budgets; raise the budget named in "fits" (e.g. postgres.maxConnections) or add PgBouncer');
      continue;
    }
    lines.push('', `  Chosen: ${c.replicas} replicas × ${c.workers} workers × pool ${c.pool} (predicted p99 ${fmtMs(c.p99Ms)}). Paste into the config:`, ...pasteBlock(run, result.backend, c).map((l) => `    ${l}`));
  }
  return lines.join('\n');
}

/**
 * The chosen shape as config. `rpsPerReplica` is what one replica of this shape serves within
 * the objective (#14's figure); `replicas` keeps SO-LOAD's one spare on top of the planner's
 * count when the formula asks for it, so the pasted config passes SO-LOAD.
 */
function pasteBlock(run: PlannerRun, b: ResolvedBackend, c: PlanOption): string[] {
  const s = b.load!.profile!;
  const perReplica = Math.max(1, Math.floor(maxRpsWithin({ replicas: 1, workers: c.workers, pool: c.pool }, s, run.p99Ms)));
  const load = [`expectedRps: ${run.rps}`, `rpsPerReplica: ${perReplica}`, `p99: ${Duration.parse(`${run.p99Ms}ms`).toString()}`, `appTime: ${s.appMs}ms`, `dbTime: ${s.dbMs}ms`, `appCv: ${s.appCv}`, `dbCv: ${s.dbCv}`];
  const replicas = Math.max(c.replicas, Math.ceil(run.rps / perReplica - 1e-9) + 1);
  return [
    'backends:',
    `  ${run.backendId}:`,
    `    replicas: ${replicas}${replicas > c.replicas ? ` # ${c.replicas} + SO-LOAD's spare` : ''}`,
    `    workers: ${c.workers}`,
    ...(b.pool ? [`    pool: { size: ${c.pool}, maxOverflow: 0 }`] : []),
    `    load: { ${load.join(', ')} }`,
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
  readonly profiles: Record<string, { readonly options: readonly PlannerOptionJson[]; readonly chosen: PlannerOptionJson | null }>;
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
    profiles: Object.fromEntries(run.results.map(({ profile, result }) => [profile, { options: result.options.map(optionJson), chosen: result.chosen ? optionJson(result.chosen) : null }])),
  };
}
