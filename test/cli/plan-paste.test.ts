/**
 * `plan --rps --p99` prints the chosen shape as a block to merge into the config. Merged into
 * an example config (as a user would paste it), the result must synth, pass `plan`, run the
 * chosen replicas × workers × pool in every profile, and plan to the same shape again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfigFile } from '../../lib/cli/config.js';
import type { Backend, ResolvedBackend } from '../../lib/model/backend.js';
import { cli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'scaleout-paste-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a user's paste does: keys of `patch` win, mappings merge. */
function merge(base: Tree, patch: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = isTree(v) && isTree(out[k]) ? merge(out[k] as Tree, v) : v;
  return out;
}

/** Each "Merge into the config:" block of the planner's text, by the profile it follows. */
function blocks(stdout: string): Map<string, Tree> {
  const out = new Map<string, Tree>();
  const lines = stdout.split('\n');
  let profile = '';
  for (let i = 0; i < lines.length; i++) {
    profile = /^Profile ([\w-]+)/.exec(lines[i]!)?.[1] ?? profile;
    if (!lines[i]!.endsWith('Merge into the config:')) continue;
    const body: string[] = [];
    while (lines[i + 1]?.startsWith('    ')) body.push(lines[++i]!.slice(4));
    out.set(profile, parse(body.join('\n')) as Tree);
  }
  return out;
}

function write(name: string, config: Tree): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

interface Chosen {
  readonly replicas: number;
  readonly deployReplicas: number;
  readonly workers: number;
  readonly pool: number;
  readonly autoscaleMax?: number;
}

function chosenOf(file: string, args: string[]): Record<string, Chosen> {
  const r = cli('plan', '-c', file, ...args, '--json');
  expect(r.stderr).toBe('');
  const profiles = JSON.parse(r.stdout).planner.profiles as Record<string, { chosen: Chosen | null }>;
  return Object.fromEntries(Object.entries(profiles).map(([p, v]) => [p, v.chosen!]));
}

function resolved(file: string, id: string, profile: string): ResolvedBackend {
  const backend = loadConfigFile(file).constructs.find((c): c is Backend => c.kind === 'backend' && c.node.id === id)!;
  return backend.resolve(profile);
}

/** Plans `example` with a service profile on `id`, merges every printed block, and checks the result. */
function pasteRoundTrip(example: string, id: string, args: string[]): { merged: string; chosen: Record<string, Chosen> } {
  const config = parse(readFileSync(join(ROOT, 'examples', example, 'scaleout.yaml'), 'utf8')) as Tree;
  const backends = config['backends'] as Record<string, Tree>;
  backends[id] = { ...backends[id], load: { expectedRps: 300, p99: '250ms', appTime: '8ms', dbTime: '30ms' } };
  const file = write(`${example}-profiled`, config);
  const chosen = chosenOf(file, args);
  const text = cli('plan', '-c', file, ...args);
  const found = blocks(text.stdout);
  expect([...found.keys()]).toEqual(Object.keys(chosen));
  const merged = write(`${example}-merged`, [...found.values()].reduce(merge, config));

  const out = join(dir, `${example}-out`);
  const synth = cli('synth', '-c', merged, '-o', out);
  expect(synth.stderr.split('\n').filter((l) => /SO-LOAD|SO-POOL/.test(l))).toEqual([]);
  expect(synth.code).toBe(0);
  expect(cli('plan', '-c', merged).code).toBe(0);
  for (const [profile, c] of Object.entries(chosen)) {
    const b = resolved(merged, id, profile);
    expect({ profile, replicas: b.replicas, workers: b.workers, pool: b.pool }).toEqual({ profile, replicas: c.deployReplicas, workers: c.workers, pool: { size: c.pool, maxOverflow: 0 } });
    expect(b.load!.requiredReplicas).toBeLessThanOrEqual(c.deployReplicas);
  }
  // The pasted load carries the rate and the objective: the planner finds the same shapes again.
  const again = chosenOf(merged, ['--backend', id]);
  expect(again).toEqual(chosen);
  return { merged, chosen };
}

describe('the block plan --rps prints, merged into the config', () => {
  it('the reference stack: each profile gets its own block, and prod keeps its shape over its own replicas: 3, workers: 4', () => {
    const { chosen } = pasteRoundTrip('reference', 'backend', ['--rps', '300', '--p99', '250ms']);
    expect(Object.keys(chosen)).toEqual(['dev', 'prod']);
  });

  it('an autoscaled backend: autoscale.min is the planned count and max stays within the budgets', () => {
    const { merged, chosen } = pasteRoundTrip('multi-tier', 'api', ['--rps', '300', '--p99', '250ms', '--backend', 'api']);
    for (const [profile, c] of Object.entries(chosen)) {
      const b = resolved(merged, 'api', profile);
      expect(b.autoscale!.min).toBe(c.deployReplicas);
      expect(b.autoscale!.max).toBe(c.autoscaleMax);
      expect(c.autoscaleMax).toBeGreaterThanOrEqual(c.deployReplicas);
    }
  });

  it('each profile plans at its own load.expectedRps when --rps is not given', () => {
    const config = parse(readFileSync(join(ROOT, 'examples', 'reference', 'scaleout.yaml'), 'utf8')) as Tree;
    (config['backends'] as Record<string, Tree>)['backend']!['load'] = { expectedRps: 100, p99: '250ms', appTime: '8ms', dbTime: '30ms' };
    const prod = ((config['profiles'] as Record<string, Tree>)['prod']!['backends'] as Record<string, Tree>)['backend']!;
    prod['load'] = { expectedRps: 400, p99: '250ms', appTime: '8ms', dbTime: '30ms' };
    const found = blocks(cli('plan', '-c', write('two-rates', config), '--p99', '250ms').stdout);
    const rate = (p: string) => ((((found.get(p)!['profiles'] as Tree)[p] as Tree)['backends'] as Tree)['backend'] as Tree)['load'] as Tree;
    expect(rate('dev')['expectedRps']).toBe(100);
    expect(rate('prod')['expectedRps']).toBe(400);
  });
});
