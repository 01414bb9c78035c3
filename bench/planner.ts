/**
 * `plan --rps` on a stack of 10 backends, each with a service profile: the planner's answer
 * for one of them, all budgets checked under compose and Kubernetes. Goal: under 100 ms.
 * Run by `npm run bench:synth` (part 4) or alone: `node --import tsx bench/planner.ts`.
 * Measured in-process from the built package (evaluate + planner, after a warm-up), and as
 * the whole `scaleout plan --rps` command from the bin in a fresh process, for reference.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, spread } from './stats.js';

const ROOT = join(import.meta.dirname, '..');
const BACKENDS = 10;

/** The stack: 10 backends with a service profile behind nginx, one Postgres, Redis. */
export function tenBackendYaml(): string {
  const lines = ['name: shop', 'backends:'];
  for (let i = 0; i < BACKENDS; i++) {
    lines.push(
      `  api${i}:`,
      '    image: ghcr.io/uns/backend:5.4.1',
      `    port: ${8000 + i}`,
      '    replicas: 2',
      '    workers: 2',
      '    pool: { size: 3, maxOverflow: 0 }',
      `    routes: [/api${i}/]`,
      `    load: { expectedRps: ${100 + 50 * i}, p99: 250ms, appTime: ${4 + i}ms, dbTime: ${20 + 3 * i}ms }`,
    );
  }
  lines.push('nginx: {}', 'postgres:', '  maxConnections: 1000', 'redis:', '  maxClients: 10000', '');
  return lines.join('\n');
}

/** Times the planner; returns the summary the caller prints. */
export async function benchPlanner(): Promise<{ inProcessMs: ReturnType<typeof spread>; processMs: ReturnType<typeof spread> }> {
  const dir = mkdtempSync(join(tmpdir(), 'scaleout-bench-plan-'));
  const file = join(dir, 'scaleout.yaml');
  writeFileSync(file, tenBackendYaml());
  try {
    const { loadConfigText } = await import(join(ROOT, 'build/cli/config.js'));
    const { evaluate } = await import(join(ROOT, 'build/rules/gate.js'));
    const { runPlanner } = await import(join(ROOT, 'build/cli/plan-planner.js'));
    const yaml = tenBackendYaml();
    const once = () => {
      const stack = loadConfigText(yaml, 'scaleout.yaml');
      const report = evaluate(stack, { targets: ['compose', 'kubernetes'] });
      return runPlanner(report, ['compose', 'kubernetes'], { rps: '800', p99: '250ms', backend: 'api9' });
    };
    for (let i = 0; i < 5; i++) once();
    const inproc: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      once();
      inproc.push(performance.now() - t0);
    }
    const proc: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, ['build/bin/scaleout.js', 'plan', '-c', file, '--rps', '800', '--p99', '250ms', '--backend', 'api9'], { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0 && r.status !== 1) throw new Error(`plan --rps failed: ${r.stderr}`);
      if (i > 0) proc.push(performance.now() - t0); // the first one warms the file cache
    }
    console.log(`plan --rps, ${BACKENDS} backends, in-process  median ${median(inproc).toFixed(1)} ms  (${JSON.stringify(spread(inproc))}, goal < 100)`);
    console.log(`plan --rps, ${BACKENDS} backends, bin process median ${median(proc).toFixed(0)} ms  (${JSON.stringify(spread(proc, 0))}, node start included)`);
    return { inProcessMs: spread(inproc), processMs: spread(proc, 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchPlanner();
  const { readFileSync } = await import('node:fs');
  console.log(JSON.stringify({ bench: 'planner', ...r, loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number) }));
}
