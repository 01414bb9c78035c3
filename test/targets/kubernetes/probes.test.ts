/**
 * Probes mapped from the compose-style healthcheck (capacity-facts §7.2):
 * - readiness: periodSeconds = interval, timeoutSeconds = timeout, failureThreshold = retries;
 * - startup: same action, failureThreshold = ceil(startPeriod / period) + retries;
 * - liveness only when the model asks for it;
 * - timeoutSeconds always present (Docker's default is 30 s, Kubernetes' 1 s).
 */
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { Duration, type ResolvedHealthcheck } from '../../../lib/index.js';
import { mapProbes } from '../../../lib/targets/kubernetes/index.js';
import { containersOf, named, render } from '../../helpers/k8s.js';
import { HEALTHCHECK, minimalStack } from '../../helpers/stacks.js';

/** Whole seconds, rounded up, at least 1: probe fields are integer seconds ≥ 1. */
const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function healthcheck(o: {
  interval: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
  command?: string[];
  httpPath?: string;
  liveness?: boolean;
}): ResolvedHealthcheck & { liveness?: boolean } {
  return {
    command: o.command ?? ['CMD', 'true'],
    ...(o.httpPath !== undefined ? { httpPath: o.httpPath } : {}),
    port: 8000,
    interval: Duration.parse(o.interval),
    timeout: Duration.parse(o.timeout ?? '5s'),
    retries: o.retries ?? 3,
    startPeriod: Duration.parse(o.startPeriod ?? '0s'),
    ...(o.liveness !== undefined ? { liveness: o.liveness } : {}),
  };
}

describe('mapProbes: the startup threshold formula', () => {
  // [interval, startPeriod, retries, periodSeconds, ceil(startPeriod / period), failureThreshold]
  const table: [string, string, number, number, number, number][] = [
    ['15s', '60s', 3, 15, 4, 7],
    ['15s', '0s', 3, 15, 0, 3],
    ['15s', '61s', 3, 15, 5, 8],
    ['15s', '59s', 3, 15, 4, 7],
    ['10s', '30s', 3, 10, 3, 6],
    ['30s', '0s', 5, 30, 0, 5],
    ['500ms', '2s', 3, 1, 2, 5],
    ['500ms', '0s', 2, 1, 0, 2],
    ['1m', '5m', 1, 60, 5, 6],
  ];
  for (const [interval, startPeriod, retries, period, startSteps, threshold] of table) {
    it(`interval ${interval}, startPeriod ${startPeriod}, retries ${retries} → period ${period}, threshold ${startSteps} + ${retries} = ${threshold}`, () => {
      // The row itself must obey the formula, so a wrong row cannot pass.
      const intervalMs = Duration.parse(interval).milliseconds;
      const startMs = Duration.parse(startPeriod).milliseconds;
      expect(period).toBe(secs(intervalMs));
      expect(startSteps).toBe(Math.ceil(startMs / (period * 1000)));
      expect(threshold).toBe(startSteps + retries);

      const p = mapProbes(healthcheck({ interval, startPeriod, retries }));
      expect(p.startup.periodSeconds).toBe(period);
      expect(p.startup.failureThreshold).toBe(threshold);
      expect(p.readiness.periodSeconds).toBe(period);
      expect(p.readiness.failureThreshold).toBe(retries);
    });
  }
});

describe('mapProbes: readiness, timeouts, liveness and the action', () => {
  it('readiness: period = interval, timeout = timeout, failureThreshold = retries', () => {
    const p = mapProbes(healthcheck({ interval: '20s', timeout: '7s', retries: 4, startPeriod: '40s', httpPath: '/healthz' }));
    expect(p.readiness).toEqual({
      httpGet: { path: '/healthz', port: 8000 },
      periodSeconds: 20,
      timeoutSeconds: 7,
      failureThreshold: 4,
      successThreshold: 1,
    });
    expect(p.startup).toEqual({ ...p.readiness, failureThreshold: Math.ceil(40 / 20) + 4 });
  });

  it('timeoutSeconds is always present, also for sub-second and default (30 s) timeouts', () => {
    expect(mapProbes(healthcheck({ interval: '10s', timeout: '30s' })).readiness.timeoutSeconds).toBe(30);
    expect(mapProbes(healthcheck({ interval: '10s', timeout: '250ms' })).readiness.timeoutSeconds).toBe(1);
    expect(mapProbes(healthcheck({ interval: '10s', timeout: '1500ms' })).startup.timeoutSeconds).toBe(2);
  });

  it('liveness only when asked for, and then like readiness', () => {
    expect(mapProbes(healthcheck({ interval: '10s' })).liveness).toBeUndefined();
    expect(mapProbes(healthcheck({ interval: '10s', liveness: false })).liveness).toBeUndefined();
    const p = mapProbes(healthcheck({ interval: '10s', startPeriod: '30s', liveness: true }));
    expect(p.liveness).toEqual(p.readiness);
    expect(p.liveness!.timeoutSeconds).toBe(5);
  });

  it('exec from CMD drops the marker; CMD-SHELL runs through sh -c; a bare argv is kept', () => {
    const cmd = mapProbes(healthcheck({ interval: '10s', command: ['CMD', 'pg_isready', '-h', '127.0.0.1'] }));
    expect(cmd.readiness.exec).toEqual({ command: ['pg_isready', '-h', '127.0.0.1'] });
    expect(cmd.readiness.httpGet).toBeUndefined();
    const shell = mapProbes(healthcheck({ interval: '10s', command: ['CMD-SHELL', 'curl -fsS http://127.0.0.1:8000/ || exit 1'] }));
    expect(shell.readiness.exec).toEqual({ command: ['sh', '-c', 'curl -fsS http://127.0.0.1:8000/ || exit 1'] });
    expect(shell.startup.exec).toEqual(shell.readiness.exec);
    const bare = mapProbes(healthcheck({ interval: '10s', command: ['/bin/check', '--quick'] }));
    expect(bare.readiness.exec).toEqual({ command: ['/bin/check', '--quick'] });
  });

  it('an HTTP healthcheck becomes httpGet on the backend port, not exec', () => {
    const p = mapProbes(healthcheck({ interval: '10s', httpPath: '/api/health', command: ['CMD', 'python3', '-c', 'x'] }));
    expect(p.readiness.httpGet).toEqual({ path: '/api/health', port: 8000 });
    expect(p.readiness.exec).toBeUndefined();
  });
});

describe('rendered probes', () => {
  it('the reference prod Deployment carries the mapped probes and no liveness probe', () => {
    const stack = referenceStack();
    const hc = stack.backends[0]!.resolve('prod').healthcheck!;
    const { manifests } = render(stack, 'prod');
    const [{ container }] = containersOf(named(manifests, 'Deployment', 'backend-prod'));
    const period = secs(hc.interval.milliseconds);
    const action = { httpGet: { path: hc.httpPath, port: hc.port, scheme: 'HTTP' } };
    expect(container.readinessProbe).toEqual({
      ...action,
      periodSeconds: period,
      timeoutSeconds: secs(hc.timeout.milliseconds),
      failureThreshold: hc.retries,
    });
    expect(container.startupProbe).toEqual({
      ...action,
      periodSeconds: period,
      timeoutSeconds: secs(hc.timeout.milliseconds),
      failureThreshold: Math.ceil(hc.startPeriod.milliseconds / (period * 1000)) + hc.retries,
    });
    // The reference numbers, spelled out: 15s / 5s / 3 retries / 60s start → 4 + 3 = 7.
    expect([container.readinessProbe.periodSeconds, container.readinessProbe.timeoutSeconds]).toEqual([15, 5]);
    expect(container.startupProbe.failureThreshold).toBe(7);
    expect(container.livenessProbe).toBeUndefined();
  });

  it('every container of every rendered workload states timeoutSeconds on each probe', () => {
    const { manifests } = render(referenceStack(), 'prod');
    const probes = manifests
      .flatMap((m) => containersOf(m))
      .flatMap(({ container }) => [container.readinessProbe, container.startupProbe, container.livenessProbe])
      .filter(Boolean);
    expect(probes.length).toBeGreaterThanOrEqual(8);
    for (const p of probes) expect(p.timeoutSeconds).toBeGreaterThanOrEqual(1);
  });

  it('liveness: true renders a livenessProbe like the readiness probe', () => {
    const { stack } = minimalStack({ backend: { healthcheck: { ...HEALTHCHECK, liveness: true } } });
    const [{ container }] = containersOf(named(render(stack, 'prod').manifests, 'Deployment', 'backend'));
    expect(container.livenessProbe).toEqual(container.readinessProbe);
    expect(container.livenessProbe.timeoutSeconds).toBe(5);
  });

  it('a CMD-SHELL healthcheck renders exec probes through sh -c', () => {
    const command = ['CMD-SHELL', 'wget -qO- http://127.0.0.1:8000/api/health || exit 1'];
    const { stack } = minimalStack({ backend: { healthcheck: { ...HEALTHCHECK, command } } });
    const [{ container }] = containersOf(named(render(stack, 'prod').manifests, 'Deployment', 'backend'));
    const exec = { command: ['sh', '-c', command[1]] };
    expect(container.readinessProbe.exec).toEqual(exec);
    expect(container.startupProbe.exec).toEqual(exec);
    expect(container.readinessProbe.httpGet).toBeUndefined();
    expect(container.livenessProbe).toBeUndefined();
  });
});
