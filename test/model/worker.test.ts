/**
 * Issue 19 in the model: `kind: worker` refuses what only an HTTP tier has, `command`/`args`
 * and `migrations` resolve as written, and the `routes` default error names the file
 * position and the backend that took '/' implicitly.
 */
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../lib/cli/config.js';
import { Backend, ConfigError, formatProblem, Nginx, Stack } from '../../lib/index.js';

function configError(text: string): string {
  try {
    loadConfigText(text, 'scaleout.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const BASE = `name: shop
nginx: {}
postgres: {}
redis: {}
backends:
  api:
    image: ghcr.io/acme/shop:1.0.0
`;

describe('kind: worker', () => {
  it('resolves with no routes, no metrics port unless set, and its command and args', () => {
    const stack = new Stack(undefined, 'shop');
    const w = new Backend(stack, 'jobs', {
      image: 'ghcr.io/acme/shop:1.0.0',
      kind: 'worker',
      command: ['python3', 'worker.py'],
      args: ['--queue', 'q'],
      healthcheck: { command: ['CMD', 'true'] },
    });
    new Nginx(stack, 'nginx', {});
    const r = w.resolve('dev');
    expect(r.kind).toBe('worker');
    expect(r.routes).toEqual([]);
    expect(r.metricsPort).toBeUndefined();
    expect(r.command).toEqual(['python3', 'worker.py']);
    expect(r.args).toEqual(['--queue', 'q']);
    expect(r.healthcheck?.httpPath).toBeUndefined();
  });

  it('a web backend defaults to kind web, scraped on its port', () => {
    const stack = new Stack(undefined, 'shop');
    const r = new Backend(stack, 'api', { image: 'ghcr.io/acme/shop:1.0.0', port: 8080 }).resolve('dev');
    expect(r.kind).toBe('web');
    expect(r.metricsPort).toBe(8080);
    expect(r.routesFrom).toBe('default');
  });

  it('refuses port, routes, keepAliveTimeout, hostPort and an HTTP probe on a worker, each at its line', () => {
    const text = `${BASE}  jobs:
    image: ghcr.io/acme/shop:1.0.0
    kind: worker
    port: 9000
    routes: [/jobs/]
    hostPort: 9001
    healthcheck: { path: /health }
`;
    const msg = configError(text);
    expect(msg).toContain('scaleout.yaml:11:11: backends.jobs.port: 9000 is invalid: a worker serves no HTTP; remove port (set metricsPort if it serves /metrics)');
    expect(msg).toMatch(/scaleout\.yaml:12:\d+: backends\.jobs\.routes: nginx routes nothing to a worker/);
    expect(msg).toMatch(/scaleout\.yaml:13:\d+: backends\.jobs\.hostPort/);
    expect(msg).toMatch(/healthcheck\.path.*a worker has no HTTP path to probe/);
    expect(msg).toMatch(/healthcheck\.command.*a worker is probed by an exec command/);
  });

  it('refuses preStopDelay on a worker, in its props or a profile, and resolves it to no delay', () => {
    const worker = `${BASE}  jobs:
    image: ghcr.io/acme/shop:1.0.0
    kind: worker
    healthcheck: { command: [CMD, 'true'] }
`;
    expect(configError(`${worker}    preStopDelay: 20s\n`)).toContain(
      "scaleout.yaml:12:19: backends.jobs.preStopDelay: '20s' is invalid: a worker is behind no Service, so no endpoint removal needs waiting for; remove preStopDelay",
    );
    expect(configError(`${worker}profiles:\n  prod:\n    backends:\n      jobs: { preStopDelay: 5s }\n`)).toMatch(/preStopDelay.*a worker is behind no Service.*remove preStopDelay/);
    const stack = new Stack(undefined, 'shop');
    const jobs = new Backend(stack, 'jobs', { image: 'ghcr.io/acme/shop:1.0.0', kind: 'worker', healthcheck: { command: ['CMD', 'true'] } });
    const api = new Backend(stack, 'api', { image: 'ghcr.io/acme/shop:1.0.0' });
    expect(jobs.resolve('dev').preStopDelay.toSeconds()).toBe(0);
    expect(api.resolve('dev').preStopDelay.toSeconds()).toBeGreaterThan(0);
    expect(() => new Backend(new Stack(undefined, 'x'), 'jobs', { image: 'ghcr.io/acme/shop:1.0.0', kind: 'worker', preStopDelay: '10s' }).resolve('dev')).toThrow(
      /preStopDelay.*a worker is behind no Service/,
    );
  });

  it('refuses metricsPort on a web backend', () => {
    expect(configError(`${BASE}    metricsPort: 9100\n`)).toMatch(/metricsPort is for kind: worker/);
  });

  it("routes: [] says what to do instead", () => {
    expect(configError(`${BASE}    routes: []\n`)).toMatch(/a backend with no HTTP side is kind: worker/);
  });

  it('migrations: the command needs a program; pool defaults to 1', () => {
    expect(configError(`${BASE}    migrations: { command: ['', x] }\n`)).toMatch(/backends\.api\.migrations\.command.*the program to run; it is empty/);
    const stack = loadConfigText(`${BASE}    migrations: { command: [alembic, upgrade, head] }\n`, 'scaleout.yaml');
    expect(stack.backends[0]!.resolve('dev').migration).toEqual({ command: ['alembic', 'upgrade', 'head'], pool: 1, serviceName: 'api-migrate' });
  });
});

describe('the routes default error', () => {
  it('names the file position and the backend that took / implicitly', () => {
    const msg = configError(`${BASE}  worker:
    image: ghcr.io/acme/shop:1.0.0
`);
    expect(msg).toContain(
      "scaleout.yaml:8:3: [shop/worker] (profiles dev, prod) routes: routes is not set, so this backend takes '/' by default, but '/' is already routed to shop/api, which took it by default (it sets no routes); set routes on each web backend, or kind: worker on one with no HTTP side",
    );
  });

  it('points at the routes line when both wrote the route', () => {
    const msg = configError(`${BASE}    routes: [/a/]
  other:
    image: ghcr.io/acme/shop:1.0.0
    routes: [/a/]
`);
    expect(msg).toMatch(/^scaleout\.yaml:11:5: \[shop\/other\] \(profiles dev, prod\) routes: '\/a\/' is already routed to shop\/api; each route goes to one backend$/m);
  });
});

describe('SO-HA and SO-HEALTH cover workers in production', () => {
  it('a single-replica worker without a healthcheck fails both in prod, with an exec fix', async () => {
    const { evaluate, Postgres, Redis } = await import('../../lib/index.js');
    const stack = new Stack(undefined, 'shop', { profiles: { prod: { production: true } } });
    new Backend(stack, 'api', { image: 'ghcr.io/acme/shop:1.0.0', replicas: 2, healthcheck: { path: '/api/health' } });
    new Backend(stack, 'jobs', { image: 'ghcr.io/acme/shop:1.0.0', kind: 'worker', replicas: 1 });
    new Nginx(stack, 'nginx', {});
    new Postgres(stack, 'db', { maxConnections: 500 });
    new Redis(stack, 'redis', {});
    const errors = evaluate(stack, { targets: ['compose'], profiles: ['prod'] }).errors.filter((f) => f.path === 'shop/jobs');
    expect(errors.map((f) => f.code).sort()).toEqual(expect.arrayContaining(['SO-HA', 'SO-HEALTH']));
    expect(formatProblem(errors.find((f) => f.code === 'SO-HEALTH')!)).toContain('a worker is probed by an exec command');
  });
});
