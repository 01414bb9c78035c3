/**
 * Each public entry point resolves and gates once per call: every rule is evaluated exactly
 * once per profile (and per target, for capacity rules), however many targets, charts and
 * files the call renders. Counted by spying on each rule's `check`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { referenceStack } from '../../examples/reference/stack.js';
import type { TargetKind } from '../../lib/capacity/target.js';
import { synthGate } from '../../lib/index.js';
import { RULES } from '../../lib/rules/registry.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { KubernetesChart } from '../../lib/targets/kubernetes/index.js';
import { planDockerStack } from '../../lib/targets/pulumi/plan.js';
import { cli } from '../helpers/cli.js';

const REFERENCE_YAML = join(import.meta.dirname, '..', '..', 'examples', 'reference', 'scaleout.yaml');

/** Calls of each rule's check, and what one gate over `profiles` × `targets` makes. */
function counting() {
  const spies = RULES.map((r) => ({ rule: r, spy: vi.spyOn(r, 'check') }));
  return {
    /** How many gates' worth of rule evaluations ran; throws if rules disagree. */
    gates(profiles: number, targets: readonly TargetKind[]): number {
      const per = spies.map(({ rule, spy }) => {
        const applies = targets.filter((t) => !rule.targets || rule.targets.includes(t)).length;
        const once = applies === 0 ? 0 : profiles * (rule.perTarget ? applies : 1);
        return once === 0 ? undefined : spy.mock.calls.length / once;
      });
      const counts = new Set(per.filter((x) => x !== undefined));
      expect(counts.size, `rules ran unevenly: ${per.join(', ')}`).toBe(1);
      return [...counts][0]!;
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe('the gate runs once per entry-point call', () => {
  it('scaleout synth to compose and Kubernetes (2 profiles, 2 targets, 3 outputs)', () => {
    const c = counting();
    const out = join(mkdtempSync(join(tmpdir(), 'scaleout-gate-')), 'out');
    const r = cli('synth', '-c', REFERENCE_YAML, '-o', out, '--target', 'compose,kubernetes');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(c.gates(2, ['compose', 'kubernetes'])).toBe(1);
  });

  it('synthCompose', () => {
    const stack = referenceStack();
    const c = counting();
    synthCompose(stack);
    expect(c.gates(2, ['compose'])).toBe(1);
  });

  it('one KubernetesChart', () => {
    const stack = referenceStack(Testing.app());
    const c = counting();
    new KubernetesChart(stack.node.scope!, 'uns-prod', { stack, profile: 'prod' });
    expect(c.gates(1, ['kubernetes'])).toBe(1);
  });

  it('a cdk8s app that gates once and hands the report to compose and every chart', () => {
    const app = Testing.app();
    const stack = referenceStack(app);
    const c = counting();
    const report = synthGate(stack, { targets: ['compose', 'kubernetes'] });
    synthCompose(stack, { report });
    for (const profile of stack.profileNames) new KubernetesChart(app, `uns-${profile}`, { stack, profile, report });
    expect(c.gates(2, ['compose', 'kubernetes'])).toBe(1);
  });

  it('one DockerStack plan (Pulumi)', () => {
    const stack = referenceStack();
    const c = counting();
    planDockerStack(stack, 'dev');
    expect(c.gates(1, ['pulumi'])).toBe(1);
  });

  it('the counter can fail: two synthCompose calls are two gates', () => {
    const stack = referenceStack();
    const c = counting();
    synthCompose(stack);
    synthCompose(stack);
    expect(c.gates(2, ['compose'])).toBe(2);
  });

  it('a report for other targets is refused rather than rendered', () => {
    const stack = referenceStack(Testing.app());
    const report = synthGate(stack, { targets: ['compose'] });
    expect(() => new KubernetesChart(stack.node.scope!, 'uns-dev', { stack, profile: 'dev', report })).toThrow(/covers targets compose/);
  });
});
