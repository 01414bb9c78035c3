/**
 * Response-time distributions the planner adds up: a service time fitted to its mean and
 * coefficient of variation, and a queue wait (no wait, or an exponential tail). The p99 of
 * their sum comes from one discrete convolution on a grid. docs/PLANNER.md explains the fit.
 */

/** A nonnegative time in milliseconds, by its distribution function. */
export interface TimeDistribution {
  /** P(X ≤ t). */
  cdf(t: number): number;
  /** A value with P(X > value) ≤ 1 − p: a bound for the grid, not necessarily the quantile. */
  upper(p: number): number;
}

/**
 * A service time with mean `mean` and coefficient of variation `cv`, fitted on its first two
 * moments: a constant (cv 0); a constant plus an exponential (0 < cv < 1, the constant
 * (1 − cv)·mean, the exponential's mean cv·mean); an exponential (cv 1); a two-branch
 * hyperexponential with balanced means (cv > 1).
 */
export function serviceTime(mean: number, cv: number): TimeDistribution {
  if (mean <= 0) return constant(0);
  if (cv === 0) return constant(mean);
  if (cv <= 1) {
    const shift = (1 - cv) * mean;
    const e = cv * mean;
    return {
      cdf: (t) => (t < shift ? 0 : 1 - Math.exp(-(t - shift) / e)),
      upper: (p) => shift - e * Math.log(1 - p),
    };
  }
  const c2 = cv * cv;
  const p1 = (1 + Math.sqrt((c2 - 1) / (c2 + 1))) / 2;
  const p2 = 1 - p1;
  const m1 = mean / (2 * p1);
  const m2 = mean / (2 * p2);
  return {
    cdf: (t) => (t < 0 ? 0 : 1 - p1 * Math.exp(-t / m1) - p2 * Math.exp(-t / m2)),
    upper: (p) => -Math.max(m1, m2) * Math.log(1 - p),
  };
}

/** A queue wait: 0 with probability 1 − `pWait`, else exponential with mean `tailMean`. */
export function queueWait(pWait: number, tailMean: number): TimeDistribution {
  if (pWait <= 0 || tailMean <= 0) return constant(0);
  return {
    cdf: (t) => (t < 0 ? 0 : 1 - pWait * Math.exp(-t / tailMean)),
    upper: (p) => (pWait <= 1 - p ? 0 : tailMean * Math.log(pWait / (1 - p))),
  };
}

function constant(v: number): TimeDistribution {
  return { cdf: (t) => (t < v ? 0 : 1), upper: () => v };
}

/** Grid points: the p99's discretization error is at most (parts ÷ 2) grid steps. */
const GRID = 400;

/**
 * The `q` quantile of the sum of independent `parts`, by convolving their probability masses
 * on a grid from 0 to a bound the sum exceeds with probability at most (1 − q) ÷ 2.
 */
export function quantileOfSum(parts: readonly TimeDistribution[], q: number): number {
  const eps = (1 - q) / (2 * parts.length);
  const top = parts.reduce((s, d) => s + d.upper(1 - eps), 0);
  if (top <= 0) return 0;
  const h = top / GRID;
  let acc: Float64Array | undefined;
  for (const d of parts) {
    // Bin i holds the mass of [(i − ½)h, (i + ½)h): rounding each part to the nearest point.
    const pmf = new Float64Array(GRID + 1);
    let prev = 0;
    for (let i = 0; i <= GRID; i++) {
      const c = d.cdf((i + 0.5) * h);
      pmf[i] = c - prev;
      prev = c;
    }
    acc = acc ? convolve(acc, pmf) : pmf;
  }
  let cum = 0;
  for (let i = 0; i <= GRID; i++) {
    const m = acc![i]!;
    if (cum + m >= q) return Math.max(0, (i - 0.5 + (m > 0 ? (q - cum) / m : 0)) * h);
    cum += m;
  }
  return top;
}

/** Grid points for {@link probabilityAtMost}: it only needs [0, t]. */
const CHECK_GRID = 120;

/**
 * P(sum of `parts` ≤ t), for a yes/no check against an objective. Cheap answers first: a
 * single part already above `t` too often, or every part's (1 − δ/n) point summing within
 * `t` (a union bound); a convolution on [0, t] otherwise.
 */
export function meetsQuantile(parts: readonly TimeDistribution[], t: number, q: number): boolean {
  const miss = 1 - q;
  for (const d of parts) if (1 - d.cdf(t) > miss) return false;
  if (parts.reduce((s, d) => s + d.upper(1 - miss / parts.length), 0) <= t) return true;
  const h = t / CHECK_GRID;
  let acc: Float64Array | undefined;
  for (const d of parts) {
    // Bin i holds ((i−1)·h, i·h]: each part rounded up, so the check errs on the safe side.
    const pmf = new Float64Array(CHECK_GRID);
    let prev = 0;
    for (let i = 0; i < CHECK_GRID; i++) {
      const c = d.cdf(i * h);
      pmf[i] = c - prev;
      prev = c;
    }
    // A part that is always 0 (no wait, no CPU time) changes nothing.
    if (pmf[0] === 1) continue;
    acc = acc ? convolve(acc, pmf) : pmf;
  }
  if (!acc) return true;
  let total = 0;
  for (const m of acc) total += m;
  return total >= q;
}

/** The distribution of a sum, both on the same grid, truncated to its length. */
function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; i + j < n; j++) out[i + j] = out[i + j]! + ai * b[j]!;
  }
  return out;
}
