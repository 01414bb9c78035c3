/**
 * The growth benches' shared measurement: one warm-up, then the median of five timed runs,
 * printed as one JSON line with the process's peak RSS (bench/synth.ts reads it).
 */
export function reportMedianOfFive(backends, synth) {
  synth(); // warm-up, as bench/synth.ts does for the in-process figures
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    synth();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ backends, ms: Number(times[2].toFixed(1)), rssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
}
