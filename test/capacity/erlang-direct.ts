/**
 * Erlang B and C by their direct sums, in log space: an independent method the tests check
 * the recursion in lib/capacity/erlang.ts against. Slower, so it lives here, not in the library.
 */
/**
 * Erlang B by the direct sum (aᶜ/c!) / Σₖ₌₀ᶜ aᵏ/k!, each term in log space. Slower than the
 * recursion.
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
 * Erlang C by its textbook sum: (aᶜ/c! · c/(c−a)) / (Σₖ₌₀ᶜ⁻¹ aᵏ/k! + aᶜ/c! · c/(c−a)), in log
 * space. For cross-checking erlangC.
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
