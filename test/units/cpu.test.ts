import { describe, expect, it } from 'vitest';
import { Cpu, UnitError } from '../../lib/units/index.js';

describe('Cpu.parse', () => {
  it.each([
    // input, millicores, kubernetes, compose
    [0.5, 500, '500m', '0.5'],
    ['250m', 250, '250m', '0.25'],
    [2, 2000, '2', '2'],
    ['2', 2000, '2', '2'],
    ['1.5', 1500, '1500m', '1.5'],
    ['1000m', 1000, '1', '1'],
    [0.001, 1, '1m', '0.001'],
    [0.1, 100, '100m', '0.1'],
  ] as const)('%j is %d millicores, kubernetes %s, compose %s', (input, millis, k8s, compose) => {
    // WHEN
    const c = Cpu.parse(input);
    // THEN
    expect(c.millis).toBe(millis);
    expect(c.cores).toBe(millis / 1000);
    expect(c.toKubernetes()).toBe(k8s);
    expect(c.toCompose()).toBe(compose);
  });

  it('refuses amounts finer than 1m', () => {
    expect(() => Cpu.parse(0.0001)).toThrowErrorMatchingInlineSnapshot(
      `[Error: cpu 0.0001 is finer than 1m (0.001 cpu); round it to whole millicores]`,
    );
    expect(() => Cpu.parse(1.0005)).toThrow(/finer than 1m/);
  });

  it.each([0, -1, '0m', '0'])('refuses %j as not greater than 0', (v) => {
    expect(() => Cpu.parse(v)).toThrow(/must be greater than 0/);
  });

  it.each(['half', '1.5m', '2 cores', '500 m', ''])('refuses %j with how to write it', (v) => {
    expect(() => Cpu.parse(v)).toThrow(UnitError);
    expect(() => Cpu.parse(v)).toThrow(/write cores like 0.5 or millicores like '500m'/);
  });
});
