/**
 * Scale drift: the replicas a backend runs, or the most it may reach (HPA max + surge on
 * Kubernetes), against the largest safe scale of the plan. The budget is recomputed with
 * the live values in place of the model's, so the arithmetic is what the running stack can
 * reach.
 */
import { safeScales } from '../../capacity/safe-scale.js';
import type { ResolvedBackend } from '../../model/backend.js';
import type { ResolvedProfile } from '../../plan/profile.js';
import { IntOrPercent } from '../../units/index.js';
import { budgetLines } from './budget-lines.js';
import type { ComposeFacts, KubernetesFacts, WorkloadFacts } from './facts.js';
import type { LiveCheck } from './live-check.js';

/** What the scale comparison reads. */
export interface ScaleInput {
  readonly ctx: ResolvedProfile;
  readonly target: 'compose' | 'kubernetes';
  readonly compose?: ComposeFacts;
  readonly kubernetes?: KubernetesFacts;
  /** The compose service name of a construct path in this profile. */
  readonly composeName: (path: string) => string;
}

/** A backend as the running stack has it, and how that reads. */
interface LiveBackend {
  readonly model: ResolvedBackend;
  readonly live: ResolvedBackend;
  /** The replica knob's live value: running containers, or HPA max, or Deployment replicas. */
  readonly knob: number;
  readonly knobName: string;
  readonly seen: string;
  readonly workload?: WorkloadFacts;
}

function intOrPercent(v: number | string, fallback: IntOrPercent): IntOrPercent {
  try {
    return IntOrPercent.parse(v);
  } catch {
    return fallback;
  }
}

function liveOf(b: ResolvedBackend, input: ScaleInput): LiveBackend | undefined {
  if (input.target === 'compose') {
    const name = input.composeName(b.path);
    const s = input.compose?.services.find((x) => x.service === name);
    if (!s) return undefined;
    const { autoscale: _ignored, ...rest } = b;
    return { model: b, live: { ...rest, replicas: s.running }, knob: s.running, knobName: '--scale', seen: `${name}: ${s.running} running, ${s.healthy} healthy, ${s.total} total` };
  }
  const w = input.kubernetes?.workloads.find((x) => x.name === b.serviceName);
  if (!w) return undefined;
  const { autoscale: _ignored, ...rest } = b;
  const live: ResolvedBackend = {
    ...rest,
    replicas: w.replicas,
    ...(w.hpa ? { autoscale: { min: w.hpa.min, max: w.hpa.max, targetCpu: b.autoscale?.targetCpu ?? 0 } } : {}),
    rollout: { ...b.rollout, maxSurge: intOrPercent(w.maxSurge, b.rollout.maxSurge), maxUnavailable: intOrPercent(w.maxUnavailable, b.rollout.maxUnavailable) },
  };
  const hpa = w.hpa ? `, HPA ${w.hpa.name} ${w.hpa.current} current (min ${w.hpa.min}, max ${w.hpa.max})` : '';
  return {
    model: b,
    live,
    knob: w.hpa ? w.hpa.max : w.replicas,
    knobName: w.hpa ? 'HPA maxReplicas' : 'replicas',
    seen: `${w.kind} ${w.name}: replicas ${w.replicas}, ${w.ready} ready, maxSurge ${w.maxSurge}, maxUnavailable ${w.maxUnavailable}${hpa}`,
    workload: w,
  };
}

/** The command that puts a backend back at the model's scale. */
function restore(l: LiveBackend, input: ScaleInput, namespace: string): string {
  const b = l.model;
  if (input.target === 'compose') return `docker compose --profile ${input.ctx.profile} up -d --scale ${input.composeName(b.path)}=${b.replicas}`;
  const w = l.workload!;
  const ref = `${w.kind.toLowerCase()}/${w.name}`;
  const steps: string[] = [];
  if (w.hpa && b.autoscale) steps.push(`kubectl -n ${namespace} patch hpa ${w.hpa.name} --type merge -p '{"spec":{"maxReplicas":${b.autoscale.max}}}'`);
  else if (w.hpa) steps.push(`kubectl -n ${namespace} delete hpa ${w.hpa.name}`);
  if (!w.hpa || !b.autoscale) steps.push(`kubectl -n ${namespace} scale ${ref} --replicas=${b.replicas}`);
  const surge = String(b.rollout.maxSurge.toJSON()) !== String(w.maxSurge) || String(b.rollout.maxUnavailable.toJSON()) !== String(w.maxUnavailable);
  if (surge && w.kind === 'Deployment') {
    const ru = JSON.stringify({ spec: { strategy: { rollingUpdate: { maxSurge: b.rollout.maxSurge.toJSON(), maxUnavailable: b.rollout.maxUnavailable.toJSON() } } } });
    steps.push(`kubectl -n ${namespace} patch ${ref} --type merge -p '${ru}'`);
  }
  return steps.join(' && ');
}

/** One `scale` line per backend; a backend whose containers or workload are missing is drift. */
export function compareScale(input: ScaleInput): LiveCheck[] {
  const { ctx, target } = input;
  const namespace = input.kubernetes?.namespace ?? 'default';
  const lives = ctx.backends.map((b) => liveOf(b, input));
  const backends = ctx.backends.map((b, i) => lives[i]?.live ?? b);
  const safe = safeScales({ ...ctx, backends }, target);
  // One budget for the whole live stack: every backend's line shows the same arithmetic.
  const budget = budgetLines(ctx, backends, target);
  return ctx.backends.map((b, i): LiveCheck => {
    const l = lives[i];
    const subject = target === 'compose' ? input.composeName(b.path) : b.serviceName;
    if (!l) {
      const missing = target === 'compose' ? `no container of compose service ${subject}` : `no Deployment or StatefulSet ${subject} in namespace ${namespace}`;
      const fix = target === 'compose' ? `docker compose --profile ${ctx.profile} up -d --scale ${subject}=${b.replicas}` : `kubectl -n ${namespace} apply -f <the synthesized ${ctx.stack.stackName}-${ctx.profile}.k8s.yaml>`;
      return { kind: 'scale', subject, status: 'drift', planned: b.replicas, live: null, arithmetic: [missing], fix };
    }
    const s = safe[i]!;
    const ok = l.knob <= s.largest && budget.ok;
    const limit = s.limitedBy === 'none' ? '' : ` (above it the ${s.limitedBy} budget fails)`;
    const arithmetic = [
      l.seen,
      ...budget.lines,
      `${l.knobName} ${l.knob} ${l.knob <= s.largest ? '≤' : '>'} largest safe ${l.knobName} ${s.largest}${limit}; the model: ${l.knobName === 'HPA maxReplicas' ? `autoscale.max ${b.autoscale?.max ?? 'none'}` : `replicas ${b.replicas}`}`,
    ];
    return { kind: 'scale', subject, status: ok ? 'ok' : 'drift', planned: s.largest, live: l.knob, arithmetic, ...(ok ? {} : { fix: restore(l, input, namespace) }) };
  });
}
