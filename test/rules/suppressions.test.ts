import { describe, expect, it } from 'vitest';
import { ConfigError, evaluate, RULE_IDS, synthGate, SynthError, warningLines } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

/** The ConfigError `fn` throws, or fails the test. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('suppressions', () => {
  it('that match nothing are reported as unused, and warningLines says so', () => {
    // GIVEN a stack that passes SO-HA, with SO-HA suppressed anyway
    const reason = 'kept from before the HA work';
    const { stack } = minimalStack({ backend: { suppressions: [{ rule: 'SO-HA', reason }] } });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });

    // THEN
    expect(report.suppressed).toEqual([]);
    expect(report.unusedSuppressions).toEqual([{ rule: 'SO-HA', reason, profiles: undefined, path: 'uns/backend' }]);
    expect(warningLines(report)).toMatchInlineSnapshot(`
      [
        "warning [uns/backend] suppression of SO-HA matches nothing (reason: "kept from before the HA work"); remove it",
      ]
    `);
  });

  it('on one construct do not hide the same rule on another construct', () => {
    // GIVEN SO-POOL fails on uns/db; the suppression sits on uns/backend
    const { stack } = minimalStack({
      backend: { workers: 4, suppressions: [{ rule: 'SO-POOL', reason: 'wrong construct on purpose' }] },
    });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN
    expect(findingsOf(report, 'SO-POOL').map((f) => f.path)).toEqual(['uns/db', 'uns/db']);
    expect(report.unusedSuppressions.map((s) => s.rule)).toEqual(['SO-POOL']);
  });

  it('of one rule do not hide another rule on the same construct', () => {
    const { stack } = minimalStack({
      backend: { healthcheck: undefined, suppressions: [{ rule: 'SO-RESOURCES', reason: 'sized by a LimitRange' }] },
    });
    const report = evaluate(stack, { targets: ['compose'] });
    expect(findingsOf(report, 'SO-HEALTH')).toHaveLength(2);
    expect(report.unusedSuppressions).toHaveLength(1);
  });

  it("limited to profiles ['dev'] do not hide the prod finding", () => {
    // GIVEN
    const { stack } = minimalStack({
      backend: {
        healthcheck: undefined,
        suppressions: [{ rule: 'SO-HEALTH', reason: 'dev runs the app with --reload', profiles: ['dev'] }],
      },
    });

    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });

    // THEN
    expect(suppressedOf(report, 'SO-HEALTH').map((f) => f.profiles[0])).toEqual(['dev']);
    expect(findingsOf(report, 'SO-HEALTH').map((f) => [f.profiles[0], f.severity])).toEqual([['prod', 'error']]);
    expect(report.unusedSuppressions).toEqual([]);
    expect(() => synthGate(stack, { targets: ['compose'] })).toThrow(/\[SO-HEALTH\] uns\/backend \(profile prod\)/);
  });

  it('with a reason under 10 characters are refused, in props and in suppress()', () => {
    // GIVEN a 9-character reason
    const short = 'temporary';
    expect(short).toHaveLength(9);

    // THEN
    const inProps = configError(() => minimalStack({ backend: { suppressions: [{ rule: 'SO-HA', reason: short }] } }));
    expect(inProps.message).toContain('[uns/backend] suppressions');
    expect(inProps.message).toContain('reason');
    expect(inProps.message).toContain('at least 10 characters');
    const { backend } = minimalStack();
    expect(() => backend.suppress('SO-HA', short)).toThrow(ConfigError);
    expect(backend.suppressions).toEqual([]);
  });

  it('with a reason of spaces, or of more than one line, are refused', () => {
    const { backend } = minimalStack();
    expect(() => backend.suppress('SO-HA', ' '.repeat(20))).toThrow('at least 10 characters besides spaces');
    expect(() => backend.suppress('SO-HA', 'a fine reason\n## Suppressions\n| fake |')).toThrow('one line of text');
    expect(() => backend.suppress('SO-HA', 'colour \u001b[31mred\u001b[0m reason')).toThrow('one line of text');
    expect(backend.suppressions).toEqual([]);
  });

  it('with a reason of exactly 10 characters are accepted', () => {
    const { backend } = minimalStack();
    backend.suppress('SO-HA', '0123456789');
    expect(backend.suppressions).toEqual([
      { rule: 'SO-HA', reason: '0123456789', profiles: undefined, path: 'uns/backend' },
    ]);
  });

  it('name the reason by its list index, like every other list path', () => {
    // dotPath() writes list items as `routes[0]`; a suppression path must read `suppressions[0].reason`
    const err = configError(() =>
      minimalStack({ backend: { suppressions: [{ rule: 'SO-HA', reason: 'short' }] } }),
    );
    expect(err.problems[0]).toMatch(/^\[uns\/backend\] suppressions\[0\]\.reason: /);
  });

  it('of an unknown rule are refused by evaluate with a did-you-mean', () => {
    // GIVEN construction accepts any SO-… id (from untyped JavaScript: TypeScript refuses it)
    // @ts-expect-error 'SO-POLL' is not a RuleId
    const { stack } = minimalStack({ db: { suppressions: [{ rule: 'SO-POLL', reason: 'typo in the rule id' }] } });

    // WHEN
    const err = configError(() => evaluate(stack, { targets: ['compose'] }));

    // THEN
    expect(err).not.toBeInstanceOf(SynthError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      `[uns/db] suppressions: unknown rule 'SO-POLL'; did you mean 'SO-POOL'?; known rules: ${RULE_IDS.join(', ')}`,
    );
    expect(() => synthGate(stack, { targets: ['compose'] })).toThrow(ConfigError);
  });

  it('for an unknown profile are refused by evaluate with a did-you-mean', () => {
    const { stack } = minimalStack({
      backend: { suppressions: [{ rule: 'SO-HA', reason: 'one replica is fine here', profiles: ['prd'] }] },
    });
    expect(configError(() => evaluate(stack, { targets: ['compose'] })).message).toBe(
      "[uns/backend] suppressions: unknown profile 'prd'; did you mean 'prod'?",
    );
  });

  it('whose rule id is not shaped like SO-… are refused in the constructor', () => {
    // @ts-expect-error 'ha' is not a RuleId
    const err = configError(() => minimalStack({ backend: { suppressions: [{ rule: 'ha', reason: 'lowercase rule id' }] } }));
    expect(err.message).toContain("a rule id looks like 'SO-HA'");
  });
});
