/**
 * nginx tuned from the model: the upstream keepalive sized from the concurrency the backends
 * imply, worker_processes from the CPU limit, keepalive_requests/keepalive_time for
 * long-lived upstream connections, and a buffered access log whose flushes fit PIPE_BUF.
 * Expected values are computed here from the documented formula, not by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { Backend, evaluate, formatProblem, Nginx, Stack, type BackendProps, type NginxProps } from '../../lib/index.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { lines, render } from '../helpers/nginx-render.js';

/** ⌈replicas × workers × in-flight ÷ nginx workers⌉ within 32–512 (NginxProps.keepalive). */
const sized = (replicas: number, workers: number, inFlight: number, nginxWorkers: number) =>
  Math.min(512, Math.max(32, Math.ceil((replicas * workers * inFlight) / nginxWorkers)));

const keepaliveOf = (conf: string, upstream: string) => {
  const body = conf.slice(conf.indexOf(`upstream ${upstream} {`));
  return Number(/keepalive (\d+);/.exec(body)![1]);
};

const pooled: Partial<BackendProps> = { replicas: 3, workers: 4, pool: { size: 5, maxOverflow: 5 } };

describe('upstream keepalive sized from the model', () => {
  it('divides replicas × workers × pool max among the nginx workers', () => {
    const conf = render({ resources: { limits: { cpu: 2 } } }, { backend: pooled });
    expect(lines(conf)).toContain('worker_processes 2;');
    expect(keepaliveOf(conf, 'backend')).toBe(sized(3, 4, 10, 2)); // 60
  });

  it('counts 40 in flight per worker without a pool, and sizes each upstream on its own', () => {
    const conf = render({ resources: { limits: { cpu: 1 } } }, {
      api: pooled,
      jobs: { replicas: 2, workers: 2, database: false, routes: ['/jobs/'] },
    });
    expect(keepaliveOf(conf, 'api')).toBe(sized(3, 4, 10, 1)); // 120
    expect(keepaliveOf(conf, 'jobs')).toBe(sized(2, 2, 40, 1)); // 160
  });

  it('sizes on autoscale.max, not the starting replicas', () => {
    const conf = render({ resources: { limits: { cpu: 1 } } }, {
      backend: { workers: 2, pool: { size: 5, maxOverflow: 5 }, autoscale: { min: 2, max: 10 } },
    });
    expect(keepaliveOf(conf, 'backend')).toBe(sized(10, 2, 10, 1)); // 200
  });

  it('stays within 32–512', () => {
    expect(keepaliveOf(render({}, { backend: { pool: { size: 2, maxOverflow: 0 } } }), 'backend')).toBe(32);
    expect(keepaliveOf(render({}, { backend: { replicas: 50, workers: 8, database: false } }), 'backend')).toBe(512);
  });

  it('keeps an explicit keepalive, and 0 still turns it off', () => {
    expect(keepaliveOf(render({ keepalive: 24 }, { backend: pooled }), 'backend')).toBe(24);
    expect(render({ keepalive: 0 }, { backend: pooled })).not.toMatch(/keepalive/);
  });

  it('is shown in CAPACITY.md and counted by SO-NGINX-CONN', () => {
    const build = (workerConnections: number) => {
      const stack = new Stack(undefined, 'uns');
      new Backend(stack, 'backend', { image: 'ghcr.io/acme/api:1.0.0', healthcheck: {}, database: false, redisPool: 0, replicas: 3, workers: 4, resources: { limits: { cpu: 1, memory: '1Gi' } } });
      new Nginx(stack, 'nginx', { version: '1.22', workerConnections, resources: { limits: { cpu: 2, memory: '256Mi' } } } satisfies NginxProps);
      return stack;
    };
    // compose peak requests 3 × 4 × 40 = 480; keepalive ⌈480 ÷ 2⌉ = 240 per worker
    const keepalive = sized(3, 4, 40, 2);
    const demand = 2 * 480 + 2 * (keepalive + 1);
    const wc = demand / 2;
    const capacity = synthCompose(build(wc)).files.get('CAPACITY.md')!;
    expect(capacity).toContain(`| backend | ${keepalive} | ⌈3 replicas × 4 workers × 40 in flight ÷ 2 nginx worker(s)⌉ = 240 |`);
    expect(capacity).toContain(`Demand ${demand} = 2 × 480 peak requests`);
    const over = evaluate(build(wc - 1), { targets: ['compose'], profiles: ['dev'] }).errors.filter((f) => f.code === 'SO-NGINX-CONN');
    expect(over).toHaveLength(1);
    expect(formatProblem(over[0]!)).toContain(`idle upstream keepalive ${keepalive} × 2 worker processes = ${2 * keepalive}`);
  });
});

describe('worker_processes from the CPU limit', () => {
  it.each([
    [{ limits: { cpu: 1.5 } }, '2'],
    [{ limits: { cpu: '500m' } }, '1'],
    [{ limits: { cpu: 4 } }, '4'],
    [{ limits: { memory: '256Mi' } }, 'auto'],
    [{ requests: { cpu: 1 } }, 'auto'],
  ] as const)('resources %j → worker_processes %s', (resources, expected) => {
    expect(lines(render({ resources }))).toContain(`worker_processes ${expected};`);
  });

  it('an explicit workerProcesses wins', () => {
    expect(lines(render({ workerProcesses: 'auto', resources: { limits: { cpu: 2 } } }))).toContain('worker_processes auto;');
    expect(lines(render({ workerProcesses: 3 }))).toContain('worker_processes 3;');
  });
});

describe('long-lived upstream connections', () => {
  it('keepalive_requests 10000 and keepalive_time 1h by default', () => {
    const l = lines(render());
    expect(l).toContain('keepalive_requests 10000;');
    expect(l).toContain('keepalive_time 1h;');
  });

  it('keepalive_time only where nginx has it (1.19.10+)', () => {
    expect(render({ version: '1.19.9' })).not.toMatch(/keepalive_time /);
    expect(lines(render({ version: '1.19.10' }))).toContain('keepalive_time 1h;');
    expect(lines(render({ version: '1.29.7' }))).toContain('keepalive_time 1h;');
  });
});

describe('buffered access log', () => {
  it('flushes at most PIPE_BUF (4096 bytes) at a time, at least once a second', () => {
    const line = lines(render()).find((l) => l.startsWith('access_log /dev/stdout'))!;
    const m = /^access_log \/dev\/stdout scaleout buffer=(\d+)(k?) flush=(\d+)s;$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(Number(m![1]) * (m![2] === 'k' ? 1024 : 1)).toBeLessThanOrEqual(4096);
    expect(Number(m![3])).toBeLessThanOrEqual(1);
  });
});
