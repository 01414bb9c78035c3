import { UnitError } from './unit-error.js';

/**
 * A CPU amount in millicores. Written as a number of cores (`0.5`, `2`) or millicores
 * (`'500m'`). Kubernetes cannot express less than 1m, so neither can we.
 */
export class Cpu {
  /** Parses cores (`0.5`, `2`) or millicores (`'500m'`). Throws UnitError for anything else. */
  public static parse(value: number | string): Cpu {
    let millis: number;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new UnitError(`cpu ${value} is not a number of cores; write e.g. 0.5 or '500m'`);
      millis = value * 1000;
    } else if (/^\d+m$/.test(value)) {
      millis = Number(value.slice(0, -1));
    } else if (/^\d+(\.\d+)?$/.test(value)) {
      millis = Number(value) * 1000;
    } else {
      throw new UnitError(`cpu '${value}' is not a cpu amount; write cores like 0.5 or millicores like '500m'`);
    }
    millis = Math.round(millis * 1e6) / 1e6;
    if (!Number.isInteger(millis)) {
      throw new UnitError(`cpu ${JSON.stringify(value)} is finer than 1m (0.001 cpu); round it to whole millicores`);
    }
    if (millis <= 0) throw new UnitError(`cpu ${JSON.stringify(value)} must be greater than 0`);
    // Bounded so every target prints it as plain digits.
    if (millis > 1e9) throw new UnitError(`cpu ${JSON.stringify(value).slice(0, 40)} is over the limit of 1000000 cores`);
    return new Cpu(millis);
  }

  private constructor(
    /** The amount in millicores (1000 = one core). */
    public readonly millis: number,
  ) {}

  /** `500m`, or whole cores as `2`. */
  public toKubernetes(): string {
    return this.millis % 1000 === 0 ? String(this.millis / 1000) : `${this.millis}m`;
  }

  /** Compose `cpus` string: `0.5`, `2`. */
  public toCompose(): string {
    return String(this.millis / 1000);
  }

  /** Cores as a number, e.g. for Docker NanoCPUs. */
  public get cores(): number {
    return this.millis / 1000;
  }

  /** The compose form, as in {@link Cpu.toCompose}. */
  public toString(): string {
    return this.toCompose();
  }
}
