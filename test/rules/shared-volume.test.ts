import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

const UPLOADS = { name: 'uploads', path: '/app/uploads' };
// Pods that mount a backend's volume at once on Kubernetes: replicas plus the rollout surge
// (25% by default, rounded up).
const sharers = (replicas: number, surgePercent = 25) => replicas + Math.ceil((surgePercent * replicas) / 100);

describe('SO-SHARED-VOLUME', () => {
  it('fails a ReadWriteOnce volume mounted by several pods on Kubernetes', () => {
    // GIVEN 2 replicas + surge 1 = 3 pods share 'uploads'
    expect(sharers(2)).toBe(3);
    const { stack } = minimalStack({ backend: { volumes: [UPLOADS] } });

    // WHEN
    const report = evaluate(stack, { targets: ['kubernetes'], profiles: ['dev'] });

    // THEN
    const [f, ...rest] = findingsOf(report, 'SO-SHARED-VOLUME');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: 'SO-SHARED-VOLUME',
      severity: 'error',
      path: 'uns/backend',
      profiles: ['dev'],
      target: 'kubernetes',
    });
    expect(f!.message).toContain(`up to ${sharers(2)} pods`);
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-SHARED-VOLUME] uns/backend (profile dev, target kubernetes): volume 'uploads' is ReadWriteOnce but up to 3 pods mount it
        a ReadWriteOnce claim attaches to one node; pods scheduled elsewhere stay Pending
        fix one of: set volumes[].accessMode: ReadWriteMany (with a storage class that supports it) · set replicas: 1 and rollout.maxSurge: 0 (one pod)"
    `);
  });

  it('counts the rollout surge: one replica still shares its volume with its replacement', () => {
    const one = minimalStack({ backend: { replicas: 1, volumes: [UPLOADS] } }).stack;
    const [f] = findingsOf(evaluate(one, { targets: ['kubernetes'], profiles: ['dev'] }), 'SO-SHARED-VOLUME');
    expect(f?.message).toContain(`up to ${sharers(1)} pods`);
  });

  it('is not evaluated under compose, where replicas share a local volume', () => {
    const { stack } = minimalStack({ backend: { volumes: [UPLOADS] } });
    expect(findingsOf(evaluate(stack, { targets: ['compose', 'pulumi'] }), 'SO-SHARED-VOLUME')).toEqual([]);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('is suppressed by a suppression on the backend', () => {
    // GIVEN
    const failing = minimalStack({ backend: { volumes: [UPLOADS] } }).stack;
    const { stack } = minimalStack({
      backend: {
        volumes: [UPLOADS],
        suppressions: [{ rule: 'SO-SHARED-VOLUME', reason: 'single-node cluster, RWO is enough' }],
      },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['kubernetes'] });
    // THEN
    expect(() => synthGate(failing, { targets: ['kubernetes'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-SHARED-VOLUME')).toEqual([]);
    expect(suppressedOf(report, 'SO-SHARED-VOLUME').map((f) => f.profiles[0])).toEqual(['dev', 'prod']);
    expect(() => synthGate(stack, { targets: ['kubernetes'] })).not.toThrow();
  });

  it('passes a ReadWriteMany volume, and a single pod that never surges', () => {
    const rwx = minimalStack({ backend: { volumes: [{ ...UPLOADS, accessMode: 'ReadWriteMany' }] } }).stack;
    const single = minimalStack({
      backend: { replicas: 1, rollout: { maxSurge: 0, maxUnavailable: 1 }, volumes: [UPLOADS] },
      stack: { profiles: { prod: { production: false } } },
    }).stack;
    expect(sharers(1, 0)).toBe(1);
    expect(findingsOf(evaluate(rwx, { targets: ['kubernetes'] }), 'SO-SHARED-VOLUME')).toEqual([]);
    expect(findingsOf(evaluate(single, { targets: ['kubernetes'] }), 'SO-SHARED-VOLUME')).toEqual([]);
  });
});
