import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Memory, UnitError } from '../../lib/units/index.js';

const KI = 1024;
const MI = KI * KI;
const GI = MI * KI;

describe('Memory.parse', () => {
  it.each([
    ['64Ki', 64 * KI],
    ['1.5Ki', 1.5 * KI],
    ['512Mi', 512 * MI],
    ['1Gi', GI],
    ['1.5Gi', 1.5 * GI],
    ['2Ti', 2 * KI * GI],
  ])('%s is %d bytes', (text, bytes) => {
    // WHEN
    const m = Memory.parse(text);
    // THEN
    expect(m.bytes).toBe(bytes);
  });

  it.each([
    ['1G', '1Gi'],
    ['1g', '1Gi'],
    ['512M', '512Mi'],
    ['1GB', '1Gi'],
    ['64k', '64Ki'],
  ])('refuses the ambiguous %s and suggests %s', (text, fix) => {
    // WHEN / THEN
    expect(() => Memory.parse(text)).toThrow(UnitError);
    expect(() => Memory.parse(text)).toThrow(`write '${fix}'`);
  });

  it('explains why a decimal unit is refused', () => {
    expect(() => Memory.parse('1G')).toThrowErrorMatchingInlineSnapshot(
      `[Error: memory '1G' is ambiguous (compose reads it as binary, Kubernetes as decimal); write '1Gi']`,
    );
  });

  it('refuses a bare number instead of guessing its unit', () => {
    expect(() => Memory.parse('512')).toThrowErrorMatchingInlineSnapshot(
      `[Error: memory '512' has no unit; write it with Ki, Mi or Gi, e.g. '512Mi' for 512 MiB]`,
    );
  });

  it('reads a large bare number as the byte count it most likely is, never as MiB', () => {
    // 1073741824Mi would be 1 PiB.
    expect(() => Memory.parse('1073741824')).toThrow("memory '1073741824' has no unit; as bytes it is 1Gi: write '1Gi'");
    expect(() => Memory.parse('536870912')).toThrow("write '512Mi'");
    // Not a whole number of KiB: rounded up to MiB, and said so.
    expect(() => Memory.parse('1000000000')).toThrow("as bytes it is just under 954Mi: write '954Mi'");
    expect(Memory.parse('954Mi').bytes).toBeGreaterThan(1_000_000_000);
  });

  it('says how Kubernetes reads each suffix: m is milli, K/g/t and byte suffixes are not quantities', () => {
    expect(() => Memory.parse('256m')).toThrow(
      "memory '256m' is ambiguous (compose reads m as MiB, Kubernetes as milli: 256m is 0.256 bytes); write '256Mi'",
    );
    expect(() => Memory.parse('64K')).toThrow("Kubernetes does not accept 'K'); write '64Ki'");
    expect(() => Memory.parse('1g')).toThrow("Kubernetes does not accept 'g'); write '1Gi'");
    expect(() => Memory.parse('512mb')).toThrow("Kubernetes does not accept 'mb'); write '512Mi'");
    expect(() => Memory.parse('2T')).toThrow('compose reads it as binary, Kubernetes as decimal');
  });

  it.each(['', 'lots', '-1Gi', '0Mi', '0.1Ki', '1 Gi'])('refuses %j', (text) => {
    expect(() => Memory.parse(text)).toThrow(UnitError);
  });
});

describe('Memory printing', () => {
  it.each([
    // text, kubernetes, compose, MiB (rounded up)
    ['1Gi', '1Gi', '1g', 1024],
    ['512Mi', '512Mi', '512m', 512],
    ['2Gi', '2Gi', '2g', 2048],
    ['1.5Gi', '1536Mi', '1536m', 1536],
    ['1024Mi', '1Gi', '1g', 1024],
    ['64Ki', '64Ki', '64k', 1],
    ['1.5Ki', '1536', '1536b', 1],
  ])('%s prints as kubernetes %s, compose %s, %d MiB', (text, k8s, compose, mib) => {
    // GIVEN
    const m = Memory.parse(text);
    // THEN
    expect(m.toKubernetes()).toBe(k8s);
    expect(m.toCompose()).toBe(compose);
    expect(m.toMebibytes()).toBe(mib);
    expect(m.toString()).toBe(k8s);
  });

  it('rounds MiB up so a limit is never lowered', () => {
    // GIVEN 1 MiB + 1 KiB
    const m = Memory.parse('1025Ki');
    // THEN
    expect(m.toMebibytes()).toBe(2);
    expect(m.toMebibytes() * MI).toBeGreaterThanOrEqual(m.bytes);
  });

  it('mebibytes(n) is n × 2^20 bytes', () => {
    expect(Memory.mebibytes(3).bytes).toBe(3 * MI);
    expect(Memory.mebibytes(2048).toKubernetes()).toBe('2Gi');
  });
});

describe('Memory properties', () => {
  it('`${n}Mi` round-trips through toKubernetes() and toCompose() to the same bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (n) => {
        const m = Memory.parse(`${n}Mi`);
        expect(m.bytes).toBe(n * MI);
        expect(Memory.parse(m.toKubernetes()).bytes).toBe(n * MI);
        // compose units are binary: 'g' is GiB, 'm' MiB
        const c = /^(\d+)([gm])$/.exec(m.toCompose());
        expect(c).not.toBeNull();
        expect(Number(c![1]) * (c![2] === 'g' ? GI : MI)).toBe(n * MI);
        expect(m.toMebibytes()).toBe(n);
      }),
    );
  });
});
