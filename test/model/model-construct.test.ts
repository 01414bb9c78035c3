/** Profile overrides, memoized resolution and suppressions, shared by every model construct. */
import { describe, expect, it } from 'vitest';
import { Backend, ConfigError, Nginx, Stack, type BackendConstructProps } from '../../lib/index.js';

const IMAGE = 'ghcr.io/acme/api:1.0.0';

function backend(props: Partial<BackendConstructProps>, stack = new Stack(undefined, 'uns')): Backend {
  return new Backend(stack, 'backend', { image: IMAGE, ...props });
}

describe('profile overrides', () => {
  it('deep-merge mappings: a prod pool.size keeps the base maxOverflow', () => {
    // GIVEN
    const b = backend({ pool: { size: 5, maxOverflow: 5 }, profiles: { prod: { pool: { size: 3 } } } });
    // THEN
    expect(b.resolve('prod').pool).toEqual({ size: 3, maxOverflow: 5 });
    expect(b.resolve('dev').pool).toEqual({ size: 5, maxOverflow: 5 });
  });

  it('deep-merge env and resources key by key', () => {
    const b = backend({
      env: { LOG_LEVEL: 'info', FEATURE: 'a' },
      resources: { limits: { cpu: 1, memory: '1Gi' } },
      profiles: { prod: { env: { LOG_LEVEL: 'warning' }, resources: { limits: { memory: '2Gi' } } } },
    });
    const prod = b.resolve('prod');
    expect(prod.env).toEqual({ LOG_LEVEL: 'warning', FEATURE: 'a' });
    expect(prod.resources.limits.cpu?.toKubernetes()).toBe('1');
    expect(prod.resources.limits.memory?.toKubernetes()).toBe('2Gi');
  });

  it('replace lists: prod routes and volumes are not appended to the base ones', () => {
    const b = backend({
      routes: ['/api/', '/static/'],
      volumes: [{ name: 'uploads', path: '/app/uploads' }],
      profiles: { prod: { routes: ['/v2/'], volumes: [{ name: 'logs', path: '/app/logs' }] } },
    });
    expect(b.resolve('prod').routes).toEqual(['/v2/']);
    expect(b.resolve('prod').volumes.map((v) => v.name)).toEqual(['logs']);
    expect(b.resolve('dev').routes).toEqual(['/api/', '/static/']);
  });

  it('apply to user-defined profiles', () => {
    const stack = new Stack(undefined, 'uns', { profiles: { staging: {} } });
    const b = backend({ replicas: 2, profiles: { staging: { replicas: 3 } } }, stack);
    expect(stack.profileNames).toEqual(['dev', 'prod', 'staging']);
    expect([b.resolve('dev').replicas, b.resolve('prod').replicas, b.resolve('staging').replicas]).toEqual([2, 2, 3]);
  });

  it('refuse an unknown profile with a did-you-mean', () => {
    expect(() => backend({ profiles: { prd: { replicas: 3 } } })).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: [uns/backend] profiles.prd: unknown profile 'prd'; did you mean 'prod'?; declare it in the Stack's profiles]`,
    );
  });

  it('are validated eagerly, with the profile in the prop path', () => {
    expect(() => backend({ profiles: { prod: { replicas: 0 } } })).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: [uns/backend] profiles.prod.replicas: 0 is out of range, it must be ≥ 1; set 'replicas' ≥ 1]`,
    );
    expect(() => backend({ profiles: { prod: { pool: { size: 0 } } } })).toThrow(
      '[uns/backend] profiles.prod.pool.size: pool.size 0 makes SQLAlchemy QueuePool unbounded',
    );
  });

  it('refuse unknown keys at any depth', () => {
    const overrides = { prod: { pool: { sise: 3 } } } as unknown as BackendConstructProps['profiles'];
    expect(() => backend({ profiles: overrides })).toThrow(
      "[uns/backend] profiles.prod.pool.sise: unknown key 'sise'; did you mean 'size'?",
    );
  });

  it('check cross-field rules on the merged result when resolving', () => {
    // GIVEN the base has only a limit, the prod override only a larger request
    const b = backend({
      resources: { limits: { cpu: 1 } },
      profiles: { prod: { resources: { requests: { cpu: 2 } } } },
    });
    // THEN dev is fine and prod fails with the profile named
    expect(b.resolve('dev').resources.limits.cpu?.millis).toBe(1000);
    expect(() => b.resolve('prod')).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: [uns/backend] (profile prod) resources.requests.cpu: requests.cpu 2 is above limits.cpu 1; lower the request or raise the limit]`,
    );
  });

  it('do not change the base props', () => {
    const b = backend({ pool: { size: 5 }, profiles: { prod: { pool: { size: 3 } } } });
    b.resolve('prod');
    expect(b.props.pool).toEqual({ size: 5 });
  });
});

describe('resolve()', () => {
  it('is memoized per profile: the same object every time', () => {
    const b = backend({ replicas: 2 });
    const first = b.resolve('prod');
    expect(b.resolve('prod')).toBe(first);
    expect(b.resolve('dev')).not.toBe(first);
    expect(b.resolve('dev')).toBe(b.resolve('dev'));
  });

  it('refuses an unknown profile with a did-you-mean', () => {
    const b = backend({});
    expect(() => b.resolve('prd')).toThrow(ConfigError);
    expect(() => b.resolve('prd')).toThrow("[uns/backend] unknown profile 'prd'; did you mean 'prod'?");
  });
});

describe('constructs outside a stack', () => {
  it('are refused', async () => {
    const { Construct } = await import('constructs');
    const root = new Construct(undefined as never, 'root');
    expect(() => new Nginx(root, 'nginx')).toThrow('[root/nginx] must be created inside a scaleout Stack');
  });
});
