/**
 * Erlang B and C: the probability that an arrival finds all `c` servers busy, for an
 * offered load of `a = λ × mean service` erlangs. Pure functions; docs/PLANNER.md says where
 * the planner uses them and why.
 */

/**
 * Erlang B (loss) by the standard recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)).
 * Stable for any `c` (no factorials, no powers).
 */
export function erlangB(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 0) throw new RangeError(`erlangB: servers must be a whole number ≥ 0, got ${c}`);
  if (!(a >= 0)) throw new RangeError(`erlangB: offered load must be ≥ 0, got ${a}`);
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  return b;
}

/**
 * Erlang B by the direct sum (aᶜ/c!) / Σₖ₌₀ᶜ aᵏ/k!, each term in log space. Slower than the
 * recursion; it exists so the two can check each other.
 */
export function erlangBDirect(c: number, a: number): number {
  if (a === 0) return c === 0 ? 1 : 0;
  const logTerm = (k: number) => k * Math.log(a) - logFactorial(k);
  const top = logTerm(c);
  let sum = 0;
  for (let k = 0; k <= c; k++) sum += Math.exp(logTerm(k) - top);
  return 1 / sum;
}

/**
 * Erlang C (M/M/c waiting probability) from Erlang B: C = c·B / (c − a·(1 − B)).
 * 1 when the queue is unstable (a ≥ c): every arrival waits.
 */
export function erlangC(c: number, a: number): number {
  if (c === 0 || a >= c) return 1;
  const b = erlangB(c, a);
  return (c * b) / (c - a * (1 - b));
}

/**
 * Erlang C by its textbook sum: (aᶜ/c! · c/(c−a)) / (Σₖ₌₀ᶜ⁻¹ aᵏ/k! + aᶜ/c! · c/(c−a)), in log
 * space. For cross-checking {@link erlangC}.
 */
export function erlangCDirect(c: number, a: number): number {
  if (c === 0 || a >= c) return 1;
  if (a === 0) return 0;
  const logTerm = (k: number) => k * Math.log(a) - logFactorial(k);
  const top = logTerm(c) + Math.log(c / (c - a));
  let sum = 0;
  for (let k = 0; k < c; k++) sum += Math.exp(logTerm(k) - top);
  return 1 / (sum + 1);
}

function logFactorial(n: number): number {
  let s = 0;
  for (let k = 2; k <= n; k++) s += Math.log(k);
  return s;
}
