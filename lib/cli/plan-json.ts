/**
 * `scaleout plan --json`: the plan as one JSON object, the machine-readable half of the CLI
 * contract. Its shape is `schemas/plan.schema.json`; keys come in a fixed order (profiles
 * and backends in declaration order, targets in compose, kubernetes, pulumi order), so the
 * same config prints the same bytes.
 */
import { loadSizings } from '../capacity/load.js';
import { nginxBudget } from '../capacity/nginx-budget.js';
import { peakReplicas } from '../capacity/peak.js';
import { poolerClientBudget } from '../capacity/pooler-budget.js';
import { postgresBudget } from '../capacity/postgres-budget.js';
import { redisBudget } from '../capacity/redis-budget.js';
import { safeScales } from '../capacity/safe-scale.js';
import { TARGETS, type TargetKind } from '../capacity/target.js';
import type { Stack } from '../model/stack.js';
import type { ResolvedProfile } from '../plan/profile.js';
import { fixLines, type Fix, type GateReport, type Problem } from '../plan/report.js';

/** Bumped when a key changes meaning or goes away; new keys do not bump it. */
export const PLAN_JSON_VERSION = 1;

type PerTarget<T> = Partial<Record<TargetKind, T>>;

/** One budget under one target: what the stack needs and what it may use. */
export interface BudgetJson {
  readonly demand: number;
  readonly available: number;
  readonly ok: boolean;
}

export interface BackendPlanJson {
  readonly serviceName: string;
  readonly replicas: number;
  readonly replicasFrom: 'replicas' | 'load' | 'autoscale.min' | 'default';
  readonly workers: number;
  readonly autoscale?: { readonly min: number; readonly max: number; readonly maxFromBudget: boolean };
  /** Replicas running at the worst moment of a rollout, per target. */
  readonly peakReplicas: PerTarget<number>;
  /** Largest `replicas` (Kubernetes with autoscale: `autoscale.max`) every budget allows. */
  readonly maxSafeReplicas: PerTarget<number>;
  readonly load?: {
    readonly expectedRps: number;
    readonly rpsPerReplica: number;
    readonly requiredReplicas: number;
    readonly maxSafeReplicas: PerTarget<number>;
  };
}

export interface ProfilePlanJson {
  readonly production: boolean;
  readonly backends: Record<string, BackendPlanJson>;
  /** postgres, pgbouncer (its client side), redis, nginx: whichever the stack has. */
  readonly budgets: Record<string, PerTarget<BudgetJson>>;
}

export interface FindingJson {
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly profile: string;
  readonly target?: TargetKind;
  readonly title: string;
  /** The terms, then the fix lines, as the CLI prints them. */
  readonly details: readonly string[];
  /** The fixes as data: `{ knob, op, value, term, note, budget }`. */
  readonly fixes: readonly Fix[];
}

export interface PlanJson {
  readonly version: number;
  readonly stack: string;
  readonly targets: readonly TargetKind[];
  /** False when an error-severity rule failed (the command then exits 1). */
  readonly ok: boolean;
  readonly profiles: Record<string, ProfilePlanJson>;
  readonly findings: readonly FindingJson[];
  readonly suppressed: readonly (Omit<FindingJson, 'severity' | 'title' | 'details' | 'fixes'> & { readonly reason: string })[];
  readonly unusedSuppressions: readonly { readonly rule: string; readonly path: string; readonly reason: string }[];
}

function perTarget<T>(targets: readonly TargetKind[], f: (t: TargetKind) => T): PerTarget<T> {
  return Object.fromEntries(targets.map((t) => [t, f(t)]));
}

function budgets(ctx: ResolvedProfile, targets: readonly TargetKind[]): Record<string, PerTarget<BudgetJson>> {
  const out: Record<string, PerTarget<BudgetJson>> = {};
  if (ctx.postgres) {
    const pg = ctx.postgres;
    out.postgres = perTarget(targets, (t) => {
      const b = postgresBudget(ctx.backends, pg, t, ctx.pooler);
      return { demand: b.demand, available: b.available, ok: b.ok };
    });
    if (ctx.pooler) {
      const pooler = ctx.pooler;
      out.pgbouncer = perTarget(targets, (t) => {
        const c = poolerClientBudget(ctx.backends, pooler, t);
        return { demand: c.demand, available: c.capacity, ok: c.ok };
      });
    }
  }
  if (ctx.redis) {
    const redis = ctx.redis;
    out.redis = perTarget(targets, (t) => {
      const b = redisBudget(ctx.backends, redis, t);
      return { demand: b.demand, available: redis.maxClients, ok: b.ok };
    });
  }
  if (ctx.nginx) {
    const nginx = ctx.nginx;
    out.nginx = perTarget(targets, (t) => {
      const b = nginxBudget(nginx, ctx.backends, t);
      return { demand: b.demand, available: b.capacity, ok: b.ok };
    });
  }
  return out;
}

function profilePlan(ctx: ResolvedProfile, targets: readonly TargetKind[]): ProfilePlanJson {
  const scales = perTarget(targets, (t) => safeScales(ctx, t));
  const sizings = perTarget(targets, (t) => loadSizings(ctx, t));
  const backends: Record<string, BackendPlanJson> = {};
  ctx.backends.forEach((b, i) => {
    const maxSafe = perTarget(targets, (t) => scales[t]![i]!.largest);
    backends[b.id] = {
      serviceName: b.serviceName,
      replicas: b.replicas,
      replicasFrom: b.replicasFrom,
      workers: b.workers,
      ...(b.autoscale ? { autoscale: { min: b.autoscale.min, max: b.autoscale.max, maxFromBudget: b.autoscale.maxFromBudget === true } } : {}),
      peakReplicas: perTarget(targets, (t) => peakReplicas(b, t).total),
      maxSafeReplicas: maxSafe,
      ...(b.load
        ? {
            load: {
              expectedRps: b.load.expectedRps,
              rpsPerReplica: b.load.rpsPerReplica,
              requiredReplicas: b.load.requiredReplicas,
              maxSafeReplicas: perTarget(targets, (t) => sizings[t]!.find((s) => s.backend.path === b.path)!.maxSafe),
            },
          }
        : {}),
    };
  });
  return { production: ctx.production, backends, budgets: budgets(ctx, targets) };
}

/** One JSON finding per profile, in the keys of version 1; `fixes` is new. */
function findingJson(p: Problem): FindingJson[] {
  return p.profiles.map((profile) => ({
    rule: p.code,
    severity: p.severity,
    path: p.path,
    profile,
    ...(p.target ? { target: p.target } : {}),
    title: p.message,
    details: [...p.terms, ...fixLines(p.fixes)],
    fixes: p.fixes.map(fixJson),
  }));
}

/** A fix with its keys in a fixed order. */
function fixJson(f: Fix): Fix {
  return {
    knob: f.knob,
    op: f.op,
    ...(f.value !== undefined ? { value: f.value } : {}),
    term: f.term,
    ...(f.note !== undefined ? { note: f.note } : {}),
    ...(f.budget !== undefined ? { budget: f.budget } : {}),
  };
}

/** The plan of `stack` under `targets`, from an already evaluated gate report. */
export function planJson(stack: Stack, report: GateReport, targets: readonly TargetKind[]): PlanJson {
  const ordered = TARGETS.filter((t) => targets.includes(t));
  return {
    version: PLAN_JSON_VERSION,
    stack: stack.stackName,
    targets: ordered,
    ok: report.errors.length === 0,
    profiles: Object.fromEntries(report.contexts.map((ctx) => [ctx.profile, profilePlan(ctx, ordered)])),
    findings: [...report.errors, ...report.warnings].flatMap(findingJson),
    suppressed: report.suppressed.flatMap(({ problem: p, suppression: s }) =>
      p.profiles.map((profile) => ({ rule: p.code, path: p.path, profile, ...(p.target ? { target: p.target } : {}), reason: s.reason })),
    ),
    unusedSuppressions: report.unusedSuppressions.map((s) => ({ rule: s.rule, path: s.path, reason: s.reason })),
  };
}
