import { describe, expect, it } from 'vitest';
import { Backend, ConfigError, Stack, type BackendConstructProps } from '../../lib/index.js';

const IMAGE = 'ghcr.io/acme/api:1.0.0';

/** The ConfigError message `new Backend(..)` throws for `props`, or fails the test. */
function constructorError(props: Partial<BackendConstructProps>): string {
  const stack = new Stack(undefined, 'uns');
  try {
    new Backend(stack, 'backend', { image: IMAGE, ...props });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected the constructor to throw');
}

describe('Backend: eager prop checks', () => {
  it('names the construct path, the prop path and the value', () => {
    expect(constructorError({ replicas: 0 })).toMatchInlineSnapshot(
      `"[uns/backend] replicas: 0 is out of range, it must be ≥ 1; set 'replicas' ≥ 1"`,
    );
  });

  it('refuses pool.size 0 as unbounded', () => {
    expect(constructorError({ pool: { size: 0 } })).toMatchInlineSnapshot(
      `"[uns/backend] pool.size: pool.size 0 makes SQLAlchemy QueuePool unbounded; set it to 1 or more"`,
    );
  });

  it('refuses pool.maxOverflow -1 as unbounded', () => {
    expect(constructorError({ pool: { maxOverflow: -1 } })).toMatchInlineSnapshot(
      `"[uns/backend] pool.maxOverflow: pool.maxOverflow -1 makes SQLAlchemy QueuePool unbounded; set it to 0 or more"`,
    );
  });

  it('accepts the smallest bounded pool, size 1 and maxOverflow 0', () => {
    const stack = new Stack(undefined, 'uns');
    const b = new Backend(stack, 'backend', { image: IMAGE, pool: { size: 1, maxOverflow: 0 } });
    expect(b.resolve('dev').pool).toEqual({ size: 1, maxOverflow: 0 });
  });

  it('refuses requests above limits, for cpu and for memory', () => {
    expect(
      constructorError({ resources: { limits: { cpu: 1, memory: '1Gi' }, requests: { cpu: 2, memory: '2Gi' } } }),
    ).toMatchInlineSnapshot(`
      "[uns/backend] resources.requests.cpu: requests.cpu 2 is above limits.cpu 1; lower the request or raise the limit
      [uns/backend] resources.requests.memory: requests.memory "2Gi" is above limits.memory "1Gi"; lower the request or raise the limit"
    `);
  });

  it('compares requests and limits as quantities, not as text', () => {
    // GIVEN '500m' and 0.5 are the same amount; 1024Mi and 1Gi too
    const stack = new Stack(undefined, 'uns');
    const make = () =>
      new Backend(stack, 'backend', {
        image: IMAGE,
        resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 0.5, memory: '1024Mi' } },
      });
    // THEN
    expect(make).not.toThrow();
    expect(constructorError({ resources: { limits: { cpu: '500m' }, requests: { cpu: '501m' } } })).toContain(
      'requests.cpu',
    );
  });

  it('refuses ambiguous units and bare durations with the unit parser’s fix', () => {
    expect(constructorError({ resources: { limits: { memory: '1G' } } })).toContain(
      "[uns/backend] resources.limits.memory: memory '1G' is ambiguous",
    );
    expect(constructorError({ healthcheck: { interval: '15' } })).toContain(
      "[uns/backend] healthcheck.interval: duration '15' is malformed (did you mean '15s'?)",
    );
    // 0 is each target's default, not zero: Docker 30 s, Kubernetes 10 s / 1 s
    for (const key of ['interval', 'timeout'] as const) {
      for (const zero of ['0s', '0ms']) {
        expect(constructorError({ healthcheck: { [key]: zero } })).toContain(
          `[uns/backend] healthcheck.${key}: duration '${zero}' must be longer than 0; write e.g. '1s' or '15s'`,
        );
      }
    }
    expect(() => new Backend(new Stack(undefined, 'uns'), 'backend', { image: IMAGE, healthcheck: { interval: '1ms', timeout: '1ms' } })).not.toThrow();
  });

  it('refuses autoscale.max below autoscale.min (default 2)', () => {
    expect(constructorError({ autoscale: { max: 1 } })).toMatchInlineSnapshot(
      `"[uns/backend] autoscale.max: autoscale.max 1 is below autoscale.min 2; raise max or lower min"`,
    );
  });

  it('refuses env names scaleout sets itself', () => {
    expect(constructorError({ env: { WEB_CONCURRENCY: '4' } })).toContain('[uns/backend] env.WEB_CONCURRENCY:');
  });

  it('refuses a rollout that can never progress', () => {
    expect(constructorError({ rollout: { maxSurge: 0, maxUnavailable: '0%' } })).toContain(
      'cannot both be 0',
    );
  });

  it('collects every problem into one error', () => {
    const msg = constructorError({ replicas: 0, workers: 0, port: 70000 });
    expect(msg.split('\n').map((l) => l.split(':')[0])).toEqual([
      '[uns/backend] port',
      '[uns/backend] replicas',
      '[uns/backend] workers',
    ]);
  });

  it('refuses unknown keys with a did-you-mean', () => {
    const msg = constructorError({ replica: 2 } as Partial<BackendConstructProps>);
    expect(msg).toContain("[uns/backend] replica: unknown key 'replica'");
    expect(msg).toContain("did you mean 'replicas'?");
  });
});

describe('Backend: resolved values', () => {
  it('uses the construct id as service name unless serviceName is set', () => {
    const stack = new Stack(undefined, 'uns');
    const a = new Backend(stack, 'api', { image: IMAGE });
    const b = new Backend(stack, 'worker', { image: IMAGE, serviceName: 'worker-prod', routes: ['/jobs/'] });
    expect([a.resolve('dev').serviceName, b.resolve('dev').serviceName]).toEqual(['api', 'worker-prod']);
    expect(a.resolve('dev').path).toBe('uns/api');
  });

  it('drops the pool when the backend does not use the database', () => {
    const stack = new Stack(undefined, 'uns');
    const b = new Backend(stack, 'backend', { image: IMAGE, database: false, pool: { size: 3 } });
    expect(b.resolve('dev').pool).toBeUndefined();
  });

  it('parses rollout settings into typed values', () => {
    const stack = new Stack(undefined, 'uns');
    const r = new Backend(stack, 'backend', { image: IMAGE, rollout: { maxSurge: 1, drainingPods: 0 } }).resolve('dev')
      .rollout;
    expect(r.maxSurge.resolve(10, 'up')).toBe(1);
    expect(r.maxUnavailable.resolve(10, 'down')).toBe(2); // default 25% of 10, rounded down
    expect(r.drainingPods).toBe(0);
  });
});
