/**
 * The long fuzz run: `npm run fuzz -- --runs 10000 [--seed N] [--tools-every 200]`. Checks
 * every case with the in-process oracles (oracles.ts) and every Nth accepted case with the
 * real `docker-compose config -q`; prints the counts per flavor and exit code. Exits 1 on the
 * first broken property, with the config that broke it.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { run } from '../helpers/run.js';
import { configArb } from './generators.js';
import { checkCase } from './oracles.js';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' }, 'tools-every': { type: 'string' } } });
const runs = Number(values.runs ?? 1000);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const toolsEvery = Number(values['tools-every'] ?? 200);
const counts = new Map<string, number>();
let accepted = 0;
let toolRuns = 0;

try {
  fc.assert(
    fc.property(configArb(), (c) => {
      const sampled = toolsEvery > 0 && accepted % toolsEvery === 0;
      const o = checkCase(c, sampled);
      const key = `${c.flavor} exit ${o.code}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (o.code === 0) {
        if (sampled) {
          toolRuns++;
          const file = `${o.out}/compose/docker-compose.yml`;
          for (const profile of ['dev', 'prod']) {
            const r = run('docker-compose', ['-f', file, '--profile', profile, 'config', '-q']);
            if (r.code !== 0) o.problems.push(`docker-compose config (${profile}): ${r.output.slice(0, 300)}`);
          }
        }
        accepted++;
      }
      if (o.problems.length) throw new Error(`${o.problems.join('\n')}\n--- config ---\n${c.text}`);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  report('all properties held');
} catch (e) {
  report('a property broke');
  console.error((e as Error).message);
  const cause = (e as Error & { cause?: unknown }).cause;
  if (cause) console.error(String((cause as Error).message ?? cause));
  process.exitCode = 1;
}

function report(verdict: string): void {
  console.log(`fuzz: ${runs} runs, seed ${seed}: ${verdict}`);
  for (const [k, n] of [...counts].sort()) console.log(`  ${k.padEnd(24)} ${n}`);
  console.log(`  docker-compose config -q on ${toolRuns} accepted cases`);
}
