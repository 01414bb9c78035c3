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
 * Erlang C (M/M/c waiting probability) from Erlang B: C = c·B / (c − a·(1 − B)).
 * 1 when the queue is unstable (a ≥ c): every arrival waits.
 */
export function erlangC(c: number, a: number): number {
  if (c === 0 || a >= c) return 1;
  const b = erlangB(c, a);
  return (c * b) / (c - a * (1 - b));
}
