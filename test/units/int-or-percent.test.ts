import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntOrPercent, UnitError } from '../../lib/units/index.js';

describe('IntOrPercent.resolve', () => {
  it.each([
    // value, total, maxSurge (up), maxUnavailable (down)
    ['25%', 3, 1, 0], // 0.75
    ['25%', 6, 2, 1], // 1.5
    ['25%', 4, 1, 1], // exactly 1
    ['25%', 1, 1, 0], // 0.25
    ['50%', 5, 3, 2], // 2.5
    ['100%', 7, 7, 7],
    ['0%', 10, 0, 0],
    [2, 10, 2, 2], // an absolute count ignores the total
    [0, 10, 0, 0],
  ] as const)('%j of %d: up %d, down %d', (value, total, up, down) => {
    // GIVEN
    const v = IntOrPercent.parse(value);
    // THEN
    expect(v.resolve(total, 'up')).toBe(up);
    expect(v.resolve(total, 'down')).toBe(down);
  });

  it('rounds a percentage up for maxSurge and down for maxUnavailable, as Kubernetes does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000 }), (p, n) => {
        const v = IntOrPercent.parse(`${p}%`);
        // integer-only ceiling and floor of p·n/100
        expect(v.resolve(n, 'up')).toBe(Math.trunc((p * n + 99) / 100));
        expect(v.resolve(n, 'down')).toBe(Math.trunc((p * n) / 100));
      }),
    );
  });
});

describe('IntOrPercent.parse', () => {
  it('prints as written and as Kubernetes IntOrString', () => {
    expect(IntOrPercent.parse('25%').toString()).toBe('25%');
    expect(IntOrPercent.parse('25%').toJSON()).toBe('25%');
    expect(IntOrPercent.parse(1).toString()).toBe('1');
    expect(IntOrPercent.parse(1).toJSON()).toBe(1);
  });

  it.each([-1, 1.5, '25', '25 %', 'a%', '-5%'] as const)('refuses %j', (v) => {
    expect(() => IntOrPercent.parse(v)).toThrow(UnitError);
    expect(() => IntOrPercent.parse(v)).toThrow(/a whole number (≥ 0|from 0 to 2147483647) or a percentage like '25%'/);
  });
});
