import { UnitError } from './unit-error.js';

const KI = 1024;
const BINARY: Record<string, number> = { Ki: KI, Mi: KI ** 2, Gi: KI ** 3, Ti: KI ** 4 };
const EXACT = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)$/;
// Units whose meaning differs between tools: compose reads `1g`/`1G` as GiB, Kubernetes reads
// `1G` as 10^9 bytes. We never guess which one the user meant.
const AMBIGUOUS = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT])([iI]?[bB])?$/;

/** How compose and Kubernetes read `<n><letter>[b]`, for the ambiguity message. */
function kubernetesReading(n: string, letter: string, bytesSuffix: string | undefined): string {
  if (bytesSuffix) return `compose reads it as binary, Kubernetes does not accept '${letter}${bytesSuffix}'`;
  // Kubernetes quantities: m is milli, k/M/G/T are decimal; K, g and t are not suffixes at all.
  if (letter === 'm') return `compose reads m as MiB, Kubernetes as milli: ${n}m is ${Number(n) / 1000} bytes`;
  if (['k', 'M', 'G', 'T'].includes(letter)) return 'compose reads it as binary, Kubernetes as decimal';
  return `compose reads it as binary, Kubernetes does not accept '${letter}'`;
}

/** A bare number: a large one is most likely bytes (as `docker inspect` prints), a small one MiB. */
function noUnit(text: string): string {
  const n = Number(text.trim());
  if (Number.isInteger(n) && n >= KI ** 2) {
    const exact = n % KI === 0;
    const fix = exact ? Memory.parse(`${n / KI}Ki`).toKubernetes() : `${Math.ceil(n / KI ** 2)}Mi`;
    return `memory '${text}' has no unit; as bytes it is ${exact ? '' : 'just under '}${fix}: write '${fix}' (units are Ki, Mi, Gi)`;
  }
  return `memory '${text}' has no unit; write it with Ki, Mi or Gi, e.g. '${text.trim()}Mi' for ${text.trim()} MiB`;
}

/**
 * An amount of memory in bytes, written with binary units only (`512Mi`, `1Gi`).
 *
 * Printed per target: Kubernetes `1Gi`, compose `1g` (compose units are binary),
 * Pulumi/Docker integer MiB.
 */
export class Memory {
  /** Parses `512Mi`, `1Gi`, `1.5Gi`, `64Ki`. Throws {@link UnitError} for anything else. */
  public static parse(text: string): Memory {
    const m = EXACT.exec(text);
    if (!m) {
      const amb = AMBIGUOUS.exec(text.trim());
      if (amb) {
        const fix = `${amb[1]}${amb[2]!.toUpperCase()}i`;
        throw new UnitError(`memory '${text}' is ambiguous (${kubernetesReading(amb[1]!, amb[2]!, amb[3])}); write '${fix}'`);
      }
      if (/^\d+(\.\d+)?$/.test(text.trim())) throw new UnitError(noUnit(text));
      throw new UnitError(`memory '${text}' is not a quantity; write it like '512Mi' or '1Gi'`);
    }
    const bytes = Number(m[1]) * BINARY[m[2]!]!;
    if (!Number.isInteger(bytes)) {
      throw new UnitError(`memory '${text}' is not a whole number of bytes; use a smaller unit`);
    }
    if (bytes <= 0) throw new UnitError(`memory '${text}' must be greater than 0`);
    // Bounded so every target prints it as plain digits (never `1e+21Gi`).
    if (bytes > 1024 ** 5) throw new UnitError(`memory '${text.length > 40 ? `${text.slice(0, 40)}…` : text}' is over the limit of 1048576Gi (1 PiB)`);
    return new Memory(bytes);
  }

  /** `n` MiB. */
  public static mebibytes(n: number): Memory {
    return new Memory(n * KI ** 2);
  }

  private constructor(
    /** The amount in bytes. */
    public readonly bytes: number,
  ) {}

  /** Kubernetes quantity in the largest exact binary unit: `1Gi`, `512Mi`. */
  public toKubernetes(): string {
    return this.format(['Gi', 'Mi', 'Ki'], '');
  }

  /** Compose byte value (binary units, lowercase): `1g`, `512m`. */
  public toCompose(): string {
    return this.format(['g', 'm', 'k'], 'b');
  }

  /** Integer MiB, rounded up so a limit is never lowered (Docker/Pulumi take memory in MB). */
  public toMebibytes(): number {
    return Math.ceil(this.bytes / KI ** 2);
  }

  /** The form users write: `1Gi`. */
  public toString(): string {
    return this.toKubernetes();
  }

  private format(units: readonly string[], byteSuffix: string): string {
    const sizes = [KI ** 3, KI ** 2, KI];
    for (let i = 0; i < units.length; i++) {
      if (this.bytes % sizes[i]! === 0) return `${this.bytes / sizes[i]!}${units[i]}`;
    }
    return `${this.bytes}${byteSuffix}`;
  }
}
