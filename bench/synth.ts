/**
 * `npm run bench:synth`: what synth costs.
 * 1. A/B in fresh processes, alternated: A = `scaleout synth` of the reference stack to
 *    every file target, run from the bin users get (build/bin/scaleout.js, the bundled CLI),
 *    B = a hand-written plain cdk8s-plus-27 app with the same Kubernetes objects. Goal:
 *    median A/B ≤ 1.0. A′ = the same command from the unbundled tsc output
 *    (build/cli/main.js), reported so the gain from bundling stays visible.
 * 2. In-process: the reference model synthesized in a loop. Goal: median ≤ 15 ms.
 * 3. Growth: stacks of 25…400 backends, each in a fresh process, against a plain
 *    cdk8s-plus app with the same objects per backend. Goals: t(400)/t(200) ≤ 2.1,
 *    t(400)/plain(400) ≤ 1.5, peak RSS ≤ 350 MiB at 400.
 * 4. The planner: `plan --rps` on a stack of 10 backends (bench/planner.ts). Goal: < 100 ms.
 * The last line printed is a one-line JSON summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, spread } from './stats.js';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 12);

function timeProcess(args: string[]): number {
  const out = mkdtempSync(join(tmpdir(), 'scaleout-bench-'));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...args, out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_OUTDIR: out } });
  const ms = performance.now() - t0;
  rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const SYNTH = ['synth', '-c', 'examples/reference/scaleout.yaml', '--target', 'compose,kubernetes', '-o'];
const A = ['build/bin/scaleout.js', ...SYNTH];
const A_UNBUNDLED = ['build/cli/main.js', ...SYNTH];
const B = ['bench/plain-cdk8s.mjs'];

// 1. A/B, alternated after a warm-up of each (file cache, JIT of node itself).
for (const args of [A, A_UNBUNDLED, B]) timeProcess(args);
const a: number[] = [];
const a0: number[] = [];
const b: number[] = [];
for (let i = 0; i < RUNS; i++) {
  a.push(timeProcess(A));
  a0.push(timeProcess(A_UNBUNDLED));
  b.push(timeProcess(B));
}
// Each run's ratio against the B of the same round.
const ratios = a.map((t, i) => t / b[i]!);
const ratiosUnbundled = a0.map((t, i) => t / b[i]!);
console.log(`process   A  scaleout synth (bin)        median ${median(a).toFixed(0)} ms  (${JSON.stringify(spread(a, 0))})`);
console.log(`process   A′ scaleout synth (unbundled)  median ${median(a0).toFixed(0)} ms  (${JSON.stringify(spread(a0, 0))})`);
console.log(`process   B  plain cdk8s                 median ${median(b).toFixed(0)} ms  (${JSON.stringify(spread(b, 0))})`);
console.log(`process   A/B                            median ${median(ratios).toFixed(2)}  (${JSON.stringify(spread(ratios))}, goal ≤ 1.0)`);
console.log(`process   A′/B                           median ${median(ratiosUnbundled).toFixed(2)}  (${JSON.stringify(spread(ratiosUnbundled))})`);

// 2. In-process, from the built package as users load it.
const { loadConfigText } = await import(join(ROOT, 'build/cli/config.js'));
const { synthFiles } = await import(join(ROOT, 'build/cli/synth-files.js'));
const { readFileSync } = await import('node:fs');
const yaml = readFileSync(join(ROOT, 'examples/reference/scaleout.yaml'), 'utf8');
const { referenceStack } = await import(join(ROOT, 'examples/reference/stack.ts'));
// The model built with constructs (as in a cdk8s app), then every file target rendered.
const fromModel = () => synthFiles(referenceStack(), ['compose', 'kubernetes']);
// The CLI path: the YAML parsed and validated first.
const fromYaml = () => synthFiles(loadConfigText(yaml, 'scaleout.yaml'), ['compose', 'kubernetes']);
function timeLoop(fn: () => unknown): number[] {
  for (let i = 0; i < 20; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}
const inproc = timeLoop(fromModel);
const inprocYaml = timeLoop(fromYaml);
console.log(`in-process model → files      median ${median(inproc).toFixed(2)} ms  (${JSON.stringify(spread(inproc))}, goal ≤ 15)`);
console.log(`in-process YAML → files       median ${median(inprocYaml).toFixed(2)} ms  (${JSON.stringify(spread(inprocYaml))})`);

// 3. Growth with stack size: each size in a fresh process (its peak RSS is that size's),
//    scaleout (compose + Kubernetes) alternated with a plain cdk8s-plus app with the same
//    Kubernetes objects per backend (bench/plain-cdk8s-growth.mjs).
interface Point {
  backends: number;
  ms: number;
  rssMiB: number;
}
function child(script: string, n: number): Point {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', script), String(n)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} ${n} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Point;
}
const growth: (Point & { plainMs: number; plainRssMiB: number; overPlain: number })[] = [];
for (const n of [25, 50, 100, 200, 400]) {
  const s = child('scaleout-growth.mjs', n);
  const p = child('plain-cdk8s-growth.mjs', n);
  growth.push({ ...s, plainMs: p.ms, plainRssMiB: p.rssMiB, overPlain: Number((s.ms / p.ms).toFixed(3)) });
  console.log(
    `growth    ${String(n).padStart(3)} backends  ${s.ms.toFixed(0).padStart(6)} ms  peak RSS ${s.rssMiB} MiB  ` +
      `plain cdk8s ${p.ms.toFixed(0).padStart(6)} ms  ${p.rssMiB} MiB  t/plain ${(s.ms / p.ms).toFixed(2)}`,
  );
}
const at = (n: number) => growth.find((g) => g.backends === n)!;
const growthRatio = at(400).ms / at(200).ms;
const plainGrowthRatio = at(400).plainMs / at(200).plainMs;
console.log(`growth    t(400)/t(200) = ${growthRatio.toFixed(2)} (goal ≤ 2.1; plain ${plainGrowthRatio.toFixed(2)}), t(400)/plain(400) = ${at(400).overPlain.toFixed(2)} (goal ≤ 1.5), peak RSS ${at(400).rssMiB} MiB at 400 (goal ≤ 350)`);

// 4. The planner on 10 backends.
const { benchPlanner } = await import('./planner.js');
const planner = await benchPlanner();

console.log(
  JSON.stringify({
    bench: 'synth',
    plannerTenBackendsMs: planner,
    runs: RUNS,
    processMedianMs: { scaleout: Math.round(median(a)), scaleoutUnbundled: Math.round(median(a0)), plainCdk8s: Math.round(median(b)) },
    processRatio: spread(ratios, 3),
    processRatioUnbundled: spread(ratiosUnbundled, 3),
    inProcessMs: spread(inproc),
    inProcessFromYamlMs: spread(inprocYaml),
    growth,
    growthRatio400over200: Number(growthRatio.toFixed(3)),
    plainGrowthRatio400over200: Number(plainGrowthRatio.toFixed(3)),
    overPlainAt400: at(400).overPlain,
    peakRssMiBAt400: at(400).rssMiB,
    loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number),
  }),
);
