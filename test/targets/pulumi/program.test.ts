/**
 * The Pulumi project: Pulumi.yaml, the stack files, and the program in examples/pulumi run
 * the way the nodejs language host runs it (node with Pulumi.yaml's nodeargs, dynamic import
 * of `main`). No Pulumi CLI runs here; mocks stand in for the engine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { referenceStack } from '../../../examples/reference/stack.js';
import { run } from '../../helpers/run.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const HARNESS = join(import.meta.dirname, 'fixtures', 'run-program.ts');
const project = parse(readFileSync(join(ROOT, 'Pulumi.yaml'), 'utf8'));
const SECRETS = { 'scaleout-reference:postgresPassword': 'pw-SENTINEL-123', 'scaleout-reference:redisPassword': 'redis-SENTINEL-456' };

/** Pulumi.<stack>.yaml's config as the engine hands it over: structured values as JSON. */
function stackConfig(stack: string): Record<string, string> {
  const file = join(ROOT, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) return {};
  const config = (parse(readFileSync(file, 'utf8')).config ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

/** Runs the program as the language host would, with the stack file's config plus `extra`. */
function runProgram(stack: string, extra: Record<string, string> = {}) {
  const nodeargs = (project.runtime.options.nodeargs as string).split(' ');
  const all = { ...SECRETS, ...stackConfig(stack), ...extra };
  const r = run(process.execPath, [...nodeargs, HARNESS, project.main, stack, JSON.stringify(all), JSON.stringify(Object.keys(SECRETS))], {
    cwd: ROOT,
  });
  return { ...r, result: JSON.parse(r.output.trim().split('\n').at(-1)!) };
}

describe('Pulumi.yaml', () => {
  it('runs examples/pulumi/index.ts on nodejs through tsx, with Pulumi’s ts-node off', () => {
    expect(project).toMatchObject({
      name: 'scaleout-reference',
      runtime: { name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx' } },
      main: 'examples/pulumi/index.ts',
    });
    expect(existsSync(join(ROOT, project.main))).toBe(true);
  });

  for (const stack of ['dev', 'prod']) {
    it(`Pulumi.${stack}.yaml selects profile ${stack} and holds no secret`, () => {
      const text = readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), 'utf8');
      const config = parse(text).config as Record<string, unknown>;
      expect(config['scaleout:profile']).toBe(stack);
      expect(referenceStack().profileNames).toContain(stack);
      // Only the two non-secret keys: no password and no `secure:` (encrypted) value.
      expect(Object.keys(config).sort()).toEqual(stack === 'prod' ? ['scaleout:images', 'scaleout:profile'] : ['scaleout:profile']);
      expect(JSON.stringify(config)).not.toMatch(/secure|password/i);
    });
  }
});

describe('examples/pulumi/index.ts under node --import tsx', () => {
  it('deploys stack dev (Pulumi.dev.yaml) and exports url, capacity and container names', () => {
    const { code, output, result } = runProgram('dev');
    expect(code, output).toBe(0);
    expect(result.outputs).toMatchObject({
      url: 'http://localhost',
      containerNames: ['uns-dev-db', 'uns-dev-redis', 'uns-dev-db-role-setup', 'uns-dev-backend-1', 'uns-dev-nginx'],
      // 10 app connections + the monitoring role's 1
      capacity: { profile: 'dev', postgres: { demand: 11, available: 197 } },
    });
    expect(result.registered).toContain('scaleout:index:DockerStack uns-dev');
  });

  it('deploys stack prod (Pulumi.prod.yaml) with its three replicas', () => {
    const { code, output, result } = runProgram('prod');
    expect(code, output).toBe(0);
    expect(result.outputs.containerNames).toEqual([
      'uns-prod-db',
      'uns-prod-redis',
      'uns-prod-db-role-setup',
      'uns-prod-backend-prod-1',
      'uns-prod-backend-prod-2',
      'uns-prod-backend-prod-3',
      'uns-prod-nginx',
    ]);
    expect(result.outputs.capacity.postgres).toEqual({ demand: 121, available: 197, headroom: 76 });
  });

  it('takes image overrides from scaleout:images', () => {
    const images = JSON.stringify({ backend: 'ghcr.io/uns/backend:5.4.2' });
    const { code, output, result } = runProgram('prod', { 'scaleout:images': images });
    expect(code, output).toBe(0);
    expect(result.registered).toContain('docker:index/remoteImage:RemoteImage uns-prod-backend-image ghcr.io/uns/backend:5.4.2');
  });

  it('refuses a scaleout:images value that is not a map of image references', () => {
    const { code, result } = runProgram('dev', { 'scaleout:images': JSON.stringify(['nginx:1.28.0']) });
    expect(code).not.toBe(0);
    expect(result.error).toContain('scaleout:images maps construct ids to image references');
    expect(result.registered).toEqual([]);
  });

  it('takes the profile from the stack name when unset, and stops before any resource if the model lacks it', () => {
    const { code, result } = runProgram('staging');
    expect(code).not.toBe(0);
    expect(result.error).toMatch(/unknown profile 'staging'/);
    expect(result.registered).toEqual([]);
  });
});
