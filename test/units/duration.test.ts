import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Duration, UnitError } from '../../lib/units/index.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

describe('Duration.parse', () => {
  it.each([
    ['500ms', 500, '500ms', 1],
    ['15s', 15 * S, '15s', 15],
    ['1m', M, '1m', 60],
    ['1m30s', M + 30 * S, '90s', 90],
    ['1h', H, '1h', 3600],
    ['90m', 90 * M, '90m', 5400],
    ['60s', 60 * S, '1m', 60],
    ['1s500ms', 1500, '1500ms', 2],
    ['0s', 0, '0s', 0],
  ])('%s is %d ms, printed %s, %d whole seconds rounded up', (text, ms, printed, seconds) => {
    // WHEN
    const d = Duration.parse(text);
    // THEN
    expect(d.milliseconds).toBe(ms);
    expect(d.toString()).toBe(printed);
    expect(d.toSeconds()).toBe(seconds);
  });

  it('refuses a bare number and suggests seconds', () => {
    expect(() => Duration.parse('15')).toThrowErrorMatchingInlineSnapshot(
      `[Error: duration '15' is malformed (did you mean '15s'?); write it like '500ms', '15s', '1m' or '1m30s']`,
    );
  });

  it('refuses a spelled-out unit without guessing', () => {
    expect(() => Duration.parse('15sec')).toThrowErrorMatchingInlineSnapshot(
      `[Error: duration '15sec' is malformed; write it like '500ms', '15s', '1m' or '1m30s']`,
    );
  });

  it.each(['', '1.5s', '-1s', '15 s', '1d', 's'])('refuses %j', (text) => {
    expect(() => Duration.parse(text)).toThrow(UnitError);
    expect(() => Duration.parse(text)).not.toThrow(/did you mean/);
  });

  it('seconds(n) is n × 1000 ms', () => {
    expect(Duration.seconds(5).milliseconds).toBe(5 * S);
    expect(Duration.seconds(5).toString()).toBe('5s');
  });
});

describe('Duration properties', () => {
  it('a compound duration parses to the sum of its parts, and toString() round-trips', () => {
    const parts = fc.record({
      h: fc.integer({ min: 0, max: 48 }),
      m: fc.integer({ min: 0, max: 120 }),
      s: fc.integer({ min: 0, max: 120 }),
      ms: fc.integer({ min: 0, max: 2000 }),
    });
    fc.assert(
      fc.property(parts, ({ h, m, s, ms }) => {
        const text =
          [h && `${h}h`, m && `${m}m`, s && `${s}s`, ms && `${ms}ms`].filter((x) => x).join('') || '0s';
        const d = Duration.parse(text);
        expect(d.milliseconds).toBe(h * H + m * M + s * S + ms);
        const again = Duration.parse(d.toString());
        expect(again.milliseconds).toBe(d.milliseconds);
        // the printed form is a single unit
        expect(d.toString()).toMatch(/^\d+(ms|s|m|h)$/);
      }),
    );
  });
});
