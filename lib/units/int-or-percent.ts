import { UnitError } from './unit-error.js';

/** The largest value of a Kubernetes int32 field. */
const INT32_MAX = 2 ** 31 - 1;

/** A count or a percentage of a count, as Kubernetes `maxSurge`/`maxUnavailable` take it. */
export class IntOrPercent {
  /** Parses a whole number ≥ 0 or a percentage (`'25%'`). Throws UnitError for anything else. */
  public static parse(value: number | string): IntOrPercent {
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
        throw new UnitError(`${value} must be a whole number from 0 to ${INT32_MAX} or a percentage like '25%'`);
      }
      return new IntOrPercent(value, false);
    }
    const m = /^(\d{1,10})%$/.exec(value);
    if (!m) throw new UnitError(`'${value.slice(0, 40)}' must be a whole number ≥ 0 or a percentage like '25%'`);
    // Kubernetes refuses a percentage over 100% (and `00%` is just 0%).
    if (Number(m[1]) > 100) throw new UnitError(`'${value}' is over 100%; use a percentage from 0% to 100%`);
    return new IntOrPercent(Number(m[1]), true);
  }

  private constructor(
    /** The count, or the percentage when {@link IntOrPercent.isPercent}. */
    public readonly value: number,
    /** Whether {@link IntOrPercent.value} is a percentage of a total. */
    public readonly isPercent: boolean,
  ) {}

  /**
   * Resolves against `total`. Kubernetes rounds maxSurge up and maxUnavailable down,
   * so the caller says which.
   */
  public resolve(total: number, rounding: 'up' | 'down'): number {
    if (!this.isPercent) return this.value;
    const exact = (this.value * total) / 100;
    return rounding === 'up' ? Math.ceil(exact) : Math.floor(exact);
  }

  /** The form users write: `25%` or `1`. */
  public toString(): string {
    return this.isPercent ? `${this.value}%` : String(this.value);
  }

  /** Kubernetes IntOrString form. */
  public toJSON(): number | string {
    return this.isPercent ? `${this.value}%` : this.value;
  }
}
