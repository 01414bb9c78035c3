import { UnitError } from './unit-error.js';

const PART = /(\d+)(ms|s|m|h)/g;
const WHOLE = /^(\d+(ms|s|m|h))+$/;
const MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** One year: far above any timeout, and printed in plain digits by every target. */
const MAX_MS = 8760 * 3_600_000;

/**
 * A length of time, written `500ms`, `15s`, `1m`, `1h` or compound `1m30s`.
 * A bare number is refused: seconds or milliseconds would be a guess.
 */
export class Duration {
  /** Parses `500ms`, `15s`, `1m`, `1h` or `1m30s`. Throws UnitError for anything else. */
  public static parse(text: string): Duration {
    if (!WHOLE.test(text)) {
      const hint = /^\d+$/.test(text.trim()) ? ` (did you mean '${text.trim()}s'?)` : '';
      throw new UnitError(`duration '${text}' is malformed${hint}; write it like '500ms', '15s', '1m' or '1m30s'`);
    }
    let ms = 0;
    for (const m of text.matchAll(PART)) ms += Number(m[1]) * MS[m[2]!]!;
    // Bounded so every target prints it as plain digits (never `9.99e+25ms`).
    if (ms > MAX_MS) throw new UnitError(`duration '${text.length > 40 ? `${text.slice(0, 40)}…` : text}' is over the limit of 8760h (one year)`);
    return new Duration(ms);
  }

  /** A duration of `n` seconds. */
  public static seconds(n: number): Duration {
    return new Duration(n * 1000);
  }

  private constructor(
    /** The length in milliseconds. */
    public readonly milliseconds: number,
  ) {}

  /**
   * The shortest single-unit form (`1h`, `2m`, `15s`, `500ms`). It is valid for compose
   * (Go durations) and nginx alike.
   */
  public toString(): string {
    const ms = this.milliseconds;
    if (ms === 0) return '0s';
    if (ms % MS.h! === 0) return `${ms / MS.h!}h`;
    if (ms % MS.m! === 0) return `${ms / MS.m!}m`;
    if (ms % MS.s! === 0) return `${ms / MS.s!}s`;
    return `${ms}ms`;
  }

  /** Whole seconds, rounded up (Kubernetes probe fields are integer seconds). */
  public toSeconds(): number {
    return Math.ceil(this.milliseconds / 1000);
  }
}
