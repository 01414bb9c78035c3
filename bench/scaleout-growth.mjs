// scaleout's side of the growth measure in bench/synth.ts, in a process of its own so the
// peak RSS is this stack's: a stack of N backends parsed from YAML and synthesized to compose
// and Kubernetes from the built package, after a warm-up; the median of 5 runs.
// Usage: node bench/scaleout-growth.mjs N  — prints {"backends":N,"ms":…,"rssMiB":…}.
import { join } from 'node:path';
import { reportMedianOfFive } from './median-of-five.mjs';

const ROOT = join(import.meta.dirname, '..');
const { loadConfigText } = await import(join(ROOT, 'build/cli/config.js'));
const { synthFiles } = await import(join(ROOT, 'build/cli/synth-files.js'));
const N = Number(process.argv[2] ?? 25);

const lines = ['name: big', 'backends:'];
for (let i = 0; i < N; i++) {
  lines.push(
    `  svc-${i}:`,
    `    image: ghcr.io/acme/svc-${i}:1.0.0`,
    '    replicas: 2',
    '    workers: 2',
    '    pool: { size: 2, maxOverflow: 1 }',
    '    redisPool: 2',
    '    healthcheck: { path: /health, interval: 10s, timeout: 3s, retries: 3, startPeriod: 10s }',
    '    resources: { limits: { cpu: 1, memory: 512Mi }, requests: { cpu: 100m, memory: 256Mi } }',
    '    rollout: { maxSurge: 1, maxUnavailable: 0 }',
    `    routes: [/svc-${i}/]`,
  );
}
lines.push('nginx: { workerConnections: 65535, workerProcesses: 4 }', `postgres: { maxConnections: ${N * 40 + 100} }`, `redis: { maxClients: ${N * 40 + 100} }`);
const text = lines.join('\n');
const synth = () => synthFiles(loadConfigText(text, 'big.yaml'), ['compose', 'kubernetes']);
reportMedianOfFive(N, synth);
