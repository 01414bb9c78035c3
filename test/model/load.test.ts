/**
 * The seed's instance formula, `instances = expected_rps / 100 + 1` ("500 RPS → 6
 * instances", minimum 2 for HA), as `load: { expectedRps, rpsPerReplica }` on a backend:
 * replicas = ⌈expectedRps / rpsPerReplica⌉ + 1 when replicas is not set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../lib/cli/config.js';
import { Backend, ConfigError, evaluate, Nginx, Postgres, Redis, resolveProfile, Stack, type BackendConstructProps } from '../../lib/index.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { cli } from '../helpers/cli.js';
import { byKind, named, render } from '../helpers/k8s.js';
import { BACKEND, minimalStack } from '../helpers/stacks.js';

const sized = (backend: Partial<BackendConstructProps>, profile = 'prod') =>
  resolveProfile(minimalStack({ backend: { replicas: undefined, ...backend } }).stack, profile).backends[0]!;

describe('the seed formula: ⌈expectedRps / rpsPerReplica⌉ + 1', () => {
  it.each([
    [500, 6],
    [250, 4],
    [120, 3],
    [50, 2],
    [100, 2],
    [101, 3],
  ])('%d RPS → %d replicas', (expectedRps, replicas) => {
    const b = sized({ load: { expectedRps } });
    expect(b.replicas).toBe(replicas);
    expect(b.replicasFrom).toBe('load');
    expect(b.load).toEqual({ expectedRps, rpsPerReplica: 100, requiredReplicas: replicas });
  });

  it('uses rpsPerReplica when measured', () => {
    expect(sized({ load: { expectedRps: 500, rpsPerReplica: 250 } }).replicas).toBe(3);
    expect(sized({ load: { expectedRps: 800, rpsPerReplica: 150 } }).replicas).toBe(7); // ⌈5.33⌉ + 1
  });

  it('is exact at whole multiples despite floating point: 2.1 / 0.7 needs 3 + 1', () => {
    expect(2.1 / 0.7).toBeGreaterThan(3); // 3.0000000000000004
    expect(sized({ load: { expectedRps: 2.1, rpsPerReplica: 0.7 } }).replicas).toBe(4);
  });

  it('never gives fewer than 2, in production or not (the formula adds the spare)', () => {
    expect(sized({ load: { expectedRps: 1 } }, 'prod').replicas).toBe(2);
    expect(sized({ load: { expectedRps: 1 } }, 'dev').replicas).toBe(2);
  });

  it('leaves replicas alone when load is not set', () => {
    expect(sized({ replicas: 3 })).toMatchObject({ replicas: 3, replicasFrom: 'replicas' });
    expect(sized({})).toMatchObject({ replicas: 1, replicasFrom: 'default' });
    expect(sized({}).load).toBeUndefined();
  });
});

describe('per-profile load', () => {
  const yaml = (backend: string, prod: string) => `name: uns
backends:
  api:
    image: ghcr.io/acme/api:1.0.0
${backend}
postgres: { maxConnections: 1000 }
redis: {}
profiles:
  prod:
    backends:
      api:
${prod}
`;
  const replicas = (text: string) => {
    const stack = loadConfigText(text, 'scaleout.yaml');
    return Object.fromEntries(stack.profileNames.map((p) => [p, resolveProfile(stack, p).backends[0]!]));
  };

  it('profiles.prod.backends.api.load.expectedRps overrides the base load', () => {
    const r = replicas(yaml('    load: { expectedRps: 100 }', '        load: { expectedRps: 500 }'));
    expect([r.dev!.replicas, r.prod!.replicas]).toEqual([2, 6]);
  });

  it("a profile's own load sizes it over the base config's replicas (dev 1, prod from 500 RPS)", () => {
    const r = replicas(yaml('    replicas: 1', '        load: { expectedRps: 500 }'));
    expect(r.dev).toMatchObject({ replicas: 1, replicasFrom: 'replicas' });
    expect(r.prod).toMatchObject({ replicas: 6, replicasFrom: 'load' });
  });

  it('replicas set in the profile win over an inherited load', () => {
    const r = replicas(yaml('    load: { expectedRps: 500 }', '        replicas: 8'));
    expect(r.dev).toMatchObject({ replicas: 6, replicasFrom: 'load' });
    expect(r.prod).toMatchObject({ replicas: 8, replicasFrom: 'replicas' });
  });

  it('replicas set beside the load, in the same place, win', () => {
    const r = replicas(yaml('    load: { expectedRps: 500 }\n    replicas: 3', '        workers: 2'));
    expect([r.dev!.replicas, r.prod!.replicas]).toEqual([3, 3]);
  });

  it('a profile may change rpsPerReplica alone', () => {
    const r = replicas(yaml('    load: { expectedRps: 500 }', '        load: { rpsPerReplica: 250 }'));
    expect([r.dev!.replicas, r.prod!.replicas]).toEqual([6, 3]);
  });
});

describe('autoscale with load and no max', () => {
  // 1 worker × (5 + 5) = 10 connections per replica, 197 available. Kubernetes peak of
  // autoscale.max M: M + ⌈25% M⌉ surge + the same draining. M = 12 → 18 × 10 = 180 fits;
  // M = 13 → 21 × 10 = 210 does not. Redis (210 ≤ 10000) and nginx (2 × 210 + 33 ≤ 1024) have room.
  const stack = () =>
    minimalStack({
      backend: { replicas: undefined, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps: 300 }, autoscale: {} },
      db: { maxConnections: 200 },
    }).stack;

  it('min is what the load needs, max the largest count the budget allows under Kubernetes semantics', () => {
    const b = resolveProfile(stack(), 'prod').backends[0]!;
    expect(b.autoscale).toMatchObject({ min: 4, max: 12, maxFromBudget: true });
    expect(b.replicas).toBe(4);
    expect(evaluate(stack(), { targets: ['compose', 'kubernetes', 'pulumi'] }).errors).toEqual([]);
  });

  it('the HPA gets min 4 and max 12; compose runs the 4 the load needs', () => {
    const { manifests } = render(stack(), 'prod');
    const hpa = named(manifests, 'HorizontalPodAutoscaler', 'backend');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([4, 12]);
    expect(byKind(manifests, 'HorizontalPodAutoscaler')).toHaveLength(1);
    const compose = synthCompose(stack()).files.get('docker-compose.yml')!;
    expect(compose).toMatch(/deploy:\n\s+replicas: 4\n/);
  });

  it('an explicit autoscale.min wins over the load', () => {
    const s = minimalStack({
      backend: { replicas: undefined, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps: 300 }, autoscale: { min: 3 } },
      db: { maxConnections: 200 },
    }).stack;
    expect(resolveProfile(s, 'prod').backends[0]!.autoscale).toMatchObject({ min: 3, max: 12 });
  });

  it('with several such backends, the first declared takes the headroom first', () => {
    // api: jobs sits at its min 2 → 2 + 1 + 1 = 4 × 10 = 40, leaving 157 → peak ≤ 15 → M = 9 (9 + 3 + 3).
    // jobs: api takes 15 × 10 = 150, leaving 47 → peak ≤ 4 → M = 2 (2 + 1 + 1).
    const s = new Stack(undefined, 'uns');
    const common = { ...BACKEND, replicas: undefined, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps: 100 }, autoscale: {} };
    new Backend(s, 'api', { ...common, routes: ['/api/'] });
    new Backend(s, 'jobs', { ...common, routes: ['/jobs/'] });
    new Nginx(s, 'nginx', {});
    new Postgres(s, 'db', { maxConnections: 200 });
    new Redis(s, 'redis', {});
    const [api, jobs] = resolveProfile(s, 'prod').backends;
    expect([api!.autoscale!.min, api!.autoscale!.max, jobs!.autoscale!.min, jobs!.autoscale!.max]).toEqual([2, 9, 2, 2]);
    expect(evaluate(s, { targets: ['kubernetes'] }).errors).toEqual([]);
  });

  it('keeps max at min when even min does not fit, and the rules say so', () => {
    const s = minimalStack({
      backend: { replicas: undefined, workers: 4, pool: { size: 5, maxOverflow: 5 }, load: { expectedRps: 500 }, autoscale: {} },
      db: { maxConnections: 200 },
      // nginx holds 2 × 400 peak requests + a keepalive sized to 6 × 4 × 10 = 240: not this test's subject.
      nginx: { workerConnections: 2048 },
    }).stack;
    expect(resolveProfile(s, 'prod').backends[0]!.autoscale).toMatchObject({ min: 6, max: 6 });
    const rules = new Set(evaluate(s, { targets: ['kubernetes'], profiles: ['prod'] }).errors.map((f) => f.code));
    expect([...rules].sort()).toEqual(['SO-LOAD', 'SO-POOL']);
  });
});

describe('bad load input: one clear line, exit 2', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'scaleout-load-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const base = `name: uns
backends:
  backend:
    image: ghcr.io/acme/api:1.0.0
    LOAD
postgres: {}
redis: {}
`;
  const synth = (load: string) => {
    const file = join(tmp, 'scaleout.yaml');
    writeFileSync(file, base.replace('LOAD', load));
    const r = cli('synth', '-c', file, '-o', join(tmp, 'out'));
    return { ...r, stderr: r.stderr.split(tmp).join('<dir>') };
  };

  it.each([
    ['load: { expectedRps: 0 }', 'backends.backend.load.expectedRps', "0 is out of range, it must be > 0; set 'expectedRps' > 0"],
    ['load: { expectedRps: 2e7 }', 'backends.backend.load.expectedRps', "set 'expectedRps' ≤ 10000000"],
    ['load: { expectedRps: fast }', 'backends.backend.load.expectedRps', "expected a number, got 'fast'"],
    ['load: { expectedRPS: 500 }', 'backends.backend.load.expectedRPS', "unknown key 'expectedRPS'; did you mean 'expectedRps'?"],
    ['load: { expectedRps: 500, rpsPerReplica: -5 }', 'backends.backend.load.rpsPerReplica', "-5 is out of range, it must be > 0"],
    ['load: { rpsPerReplica: 50 }', 'backends.backend.load.expectedRps', "required, expected a number; add 'expectedRps'"],
    ['load: { expectedRps: 500, rpsPerReplica: 0.001 }', 'backends.backend.load.rpsPerReplica', 'load needs 500001 replicas at 0.001 RPS per replica, over the 100000 scaleout plans for'],
    ['autoscale: { min: 2 }', 'backends.backend.autoscale.max', 'autoscale.max is required unless load is set'],
  ])('%s', (load, path, fix) => {
    const r = synth(load);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^scaleout: <dir>\/scaleout\.yaml:\d+:\d+: /);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toContain(fix);
  });

  it('refuses an autoscale without max and without load in TypeScript too', () => {
    expect(() => minimalStack({ backend: { replicas: undefined, autoscale: { min: 2 } } })).toThrow(ConfigError);
  });
});
