/** Small statistics for benchmark reports: medians and spread, no timings in tests. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Min, median and max, rounded for printing. */
export function spread(xs: readonly number[], digits = 2): { min: number; median: number; max: number } {
  const r = (x: number) => Number(x.toFixed(digits));
  return { min: r(Math.min(...xs)), median: r(median(xs)), max: r(Math.max(...xs)) };
}
