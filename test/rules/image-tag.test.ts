import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-IMAGE-TAG', () => {
  it("warns in dev and fails in prod for 'latest'", () => {
    // GIVEN
    const { stack } = minimalStack({ backend: { image: 'ghcr.io/acme/api:latest' } });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-IMAGE-TAG').map((f) => [f.profiles[0], f.severity, f.path])).toEqual([
      ['prod', 'error', 'uns/backend'],
      ['dev', 'warning', 'uns/backend'],
    ]);
    expect(formatProblem(findingsOf(report, 'SO-IMAGE-TAG', 'prod')[0]!)).toMatchInlineSnapshot(`
      "[SO-IMAGE-TAG] uns/backend (profile prod): image 'ghcr.io/acme/api:latest' uses 'latest'
        an unpinned image changes under you on the next pull
        fix: set image: ghcr.io/acme/api:<version> (a version tag, e.g. :1.2.3)"
    `);
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['dev'] })).not.toThrow();
    expect(() => synthGate(stack, { targets: ['compose'], profiles: ['prod'] })).toThrow(SynthError);
  });

  it('fails an untagged image, not mistaking a registry port for a tag', () => {
    // GIVEN
    const { stack } = minimalStack({ redis: { image: 'localhost:5000/redis' } });
    // WHEN
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-IMAGE-TAG', 'prod');
    // THEN
    expect(f).toMatchObject({ severity: 'error', path: 'uns/redis' });
    expect(f!.message).toBe("image 'localhost:5000/redis' has no tag");
  });

  it('is suppressed by a suppression on the construct', () => {
    // GIVEN
    const { stack } = minimalStack({
      backend: {
        image: 'ghcr.io/acme/api:latest',
        suppressions: [{ rule: 'SO-IMAGE-TAG', reason: 'CI rewrites the tag to the commit sha' }],
      },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-IMAGE-TAG')).toEqual([]);
    expect(suppressedOf(report, 'SO-IMAGE-TAG').map((f) => f.profiles[0])).toEqual(['dev', 'prod']);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes a version tag and a digest', () => {
    const digest = `ghcr.io/acme/api@sha256:${'0'.repeat(64)}`;
    const { stack } = minimalStack({ backend: { image: digest }, redis: { image: 'localhost:5000/redis:7.2' } });
    expect(findingsOf(evaluate(stack, { targets: ['compose'] }), 'SO-IMAGE-TAG')).toEqual([]);
  });
});
