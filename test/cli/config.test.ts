import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Construct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceStack } from '../../examples/reference/stack.js';
import { loadConfigFile, loadConfigText } from '../../lib/cli/config.js';
import { ConfigError } from '../../lib/errors.js';
import type { Stack } from '../../lib/model/stack.js';
import { synthCompose } from '../../lib/targets/compose/index.js';

const REFERENCE_YAML = new URL('../../examples/reference/scaleout.yaml', import.meta.url);
const reference = readFileSync(REFERENCE_YAML, 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The message of the ConfigError `fn` throws. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** Every construct's resolved values, per profile, as JSON (units serialize their fields). */
function resolvedJson(stack: Stack): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of stack.constructs) {
    for (const p of stack.profileNames) out[`${c.node.path} ${p}`] = JSON.stringify(c.resolve(p));
  }
  return out;
}

describe('the reference config', () => {
  const stack = loadConfigFile(fileURLToPath(REFERENCE_YAML));

  it('loads with the contract construct ids', () => {
    expect(stack.stackName).toBe('uns');
    expect(stack.profileNames).toEqual(['dev', 'prod']);
    expect(stack.constructs.map((c) => `${c.kind} ${c.node.path}`)).toEqual([
      'backend uns/backend',
      'nginx uns/nginx',
      'postgres uns/db',
      'redis uns/redis',
    ]);
  });

  it('resolves the prod backend with the override merged over the base', () => {
    const prod = stack.backends[0]!.resolve('prod');
    expect(prod.serviceName).toBe('backend-prod');
    expect(prod.replicas).toBe(3);
    expect(prod.workers).toBe(4);
    expect(prod.pool).toEqual({ size: 5, maxOverflow: 5 });
    expect(prod.resources.limits.cpu?.millis).toBe(2000);
    expect(prod.resources.limits.memory?.toString()).toBe('2Gi');
    expect(prod.resources.requests.cpu?.millis).toBe(1000);
    expect(prod.resources.requests.memory?.toString()).toBe('1Gi');
    // Not overridden: inherited from the base section.
    expect(prod.image).toBe('ghcr.io/uns/backend:5.4.1');
    expect(prod.routes).toEqual(['/api/']);
    expect(prod.healthcheck?.interval.toString()).toBe('15s');
    expect(prod.healthcheck?.startPeriod.toString()).toBe('1m');
  });

  it('resolves the dev backend from the base section alone', () => {
    const dev = stack.backends[0]!.resolve('dev');
    expect(dev.serviceName).toBe('backend');
    expect(dev.replicas).toBe(1);
    expect(dev.workers).toBe(1);
    expect(dev.resources.limits.memory?.toString()).toBe('1Gi');
  });

  it('resolves to the same values as the TypeScript reference, construct by construct', () => {
    const ts = referenceStack();
    expect(ts.profileNames).toEqual(stack.profileNames);
    expect(resolvedJson(stack)).toEqual(resolvedJson(ts));
    expect(Object.keys(resolvedJson(stack))).toHaveLength(8);
  });

  it('synthesizes the same bytes as the TypeScript reference', () => {
    const fromYaml = synthCompose(stack).files;
    const fromTs = synthCompose(referenceStack()).files;
    expect([...fromYaml.keys()].sort()).toEqual([...fromTs.keys()].sort());
    for (const [path, text] of fromTs) expect(fromYaml.get(path), path).toBe(text);
  });
});

describe('loadConfigText', () => {
  it('creates nginx even when the config has no nginx section, and no db or redis without theirs', () => {
    const stack = loadConfigText(
      'name: api\nbackends:\n  web: { image: ghcr.io/a/web:1.0.0, database: false, redisPool: 0 }\n',
      'api.yaml',
    );
    expect(stack.constructs.map((c) => c.node.path)).toEqual(['api/web', 'api/nginx']);
    expect(stack.nginx?.resolve('dev').algorithm).toBe('round_robin');
  });

  it('passes profile settings and user-defined profiles to the stack', () => {
    const stack = loadConfigText(
      [
        'name: api',
        'backends:',
        '  web: { image: ghcr.io/a/web:1.0.0, database: false, redisPool: 0 }',
        '  worker: { image: ghcr.io/a/worker:1.0.0, database: false, redisPool: 0, routes: [/jobs/] }',
        'profiles:',
        '  staging:',
        '    production: true',
        '    backends: { worker: { replicas: 2 } }',
        '    nginx: { keepalive: 0 }',
        '  dev: {}',
        '',
      ].join('\n'),
      'api.yaml',
    );
    expect(stack.profileNames).toEqual(['dev', 'prod', 'staging']);
    expect(stack.isProduction('staging')).toBe(true);
    expect(stack.isProduction('dev')).toBe(false);
    expect(stack.backends.map((b) => b.resolve('staging').replicas)).toEqual([1, 2]);
    expect(stack.nginx?.resolve('staging').keepalive).toBe(0);
    // Not set: sized per upstream when rendered.
    expect(stack.nginx?.resolve('prod').keepalive).toBeUndefined();
  });

  it('accepts suppressions on a section and hands them to its construct', () => {
    const text = reference.replace(
      '    routes: [/api/]\n',
      '    routes: [/api/]\n    suppressions:\n      - { rule: SO-HA, reason: one replica is enough in dev, profiles: [dev] }\n',
    );
    const stack = loadConfigText(text, 'scaleout.yaml');
    expect(stack.backends[0]!.suppressions).toEqual([
      { rule: 'SO-HA', reason: 'one replica is enough in dev', profiles: ['dev'], path: 'uns/backend' },
    ]);
  });

  it('resolves YAML anchors and aliases', () => {
    const text = reference
      .replace('    resources:\n      limits:', '    resources: &res\n      limits:')
      .replace(
        '        resources:\n          limits: { cpu: 2, memory: 2Gi }\n          requests: { cpu: 1, memory: 1Gi }\n',
        '        resources: *res\n',
      );
    const stack = loadConfigText(text, 'scaleout.yaml');
    expect(stack.backends[0]!.resolve('prod').resources.limits.memory?.toString()).toBe('1Gi');
  });

  it('reports every problem at once, sorted by position, each with FILE:LINE:COL', () => {
    const text = reference.replace('replicas: 1', 'replicas: 0').replace('maxConnections: 200', 'maxConnections: -5');
    expect(configError(() => loadConfigText(text, 'scaleout.yaml'))).toMatchInlineSnapshot(`
      "scaleout.yaml:10:15: backends.backend.replicas: 0 is out of range, it must be ≥ 1; set 'replicas' ≥ 1
      scaleout.yaml:24:19: postgres.maxConnections: -5 is out of range, it must be ≥ 1; set 'maxConnections' ≥ 1"
    `);
  });

  it('points an error inside an override at the override', () => {
    const text = reference.replace('        replicas: 3\n', '        replicas: 0\n');
    expect(configError(() => loadConfigText(text, 'x.yaml'))).toMatch(/^x\.yaml:32:19: profiles\.prod\.backends\.backend\.replicas: 0 /);
  });

  it('reports a problem that only the merged profile has, at the profile line that writes it', () => {
    const text = reference.replace('requests: { cpu: 1, memory: 1Gi }', 'requests: { cpu: 3, memory: 1Gi }');
    expect(configError(() => loadConfigText(text, 'x.yaml'))).toMatchInlineSnapshot(
      `"x.yaml:36:23: [uns/backend] (profile prod) resources.requests.cpu: requests.cpu 3 is above limits.cpu 2; lower the request or raise the limit"`,
    );
  });

  it('names the file when it cannot be read', () => {
    const missing = join(tmp, 'nope.yaml');
    expect(configError(() => loadConfigFile(missing))).toBe(`${missing}: cannot read the config file: no such file; check the -c path`);
    expect(configError(() => loadConfigFile(tmp))).toContain('it is a directory');
  });

  it('refuses an empty file', () => {
    const empty = join(tmp, 'empty.yaml');
    writeFileSync(empty, '# nothing yet\n');
    expect(configError(() => loadConfigFile(empty))).toContain('the config file is empty');
  });

  it('builds into a given scope', () => {
    const root = new Construct(undefined as never, 'app');
    const stack = loadConfigText(reference, 'scaleout.yaml', root);
    expect(stack.node.scope).toBe(root);
    expect(stack.backends[0]!.resolve('prod').replicas).toBe(3);
  });
});
