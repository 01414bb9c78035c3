/**
 * Issue 15: nginx, every web backend and PgBouncer (each behind a Service) sleep in a `preStop`
 * hook before SIGTERM, long enough for endpoint removal and DNS re-resolution to reach their
 * clients, and terminationGracePeriodSeconds covers the sleep plus the shutdown time. A worker
 * is behind no Service and gets neither. Values are read from the resolved model, per profile.
 */
import { describe, expect, it } from 'vitest';
import { Backend, Nginx, PgBouncer, Postgres, Redis, Stack } from '../../../lib/index.js';
import { SHUTDOWN_GRACE_SECONDS } from '../../../lib/targets/kubernetes/workload.js';
import { containersOf, exampleCharts, named, podSpecOf, render, type Manifest } from '../../helpers/k8s.js';
import { BACKEND } from '../../helpers/stacks.js';

function hookOf(m: Manifest): { sleep?: number; grace: number } {
  const c = containersOf(m).find((x) => !x.init)!.container;
  const cmd: string[] | undefined = c.lifecycle?.preStop?.exec?.command;
  if (cmd) expect(cmd[0]).toBe('sleep');
  return { ...(cmd ? { sleep: Number(cmd[1]) } : {}), grace: podSpecOf(m).terminationGracePeriodSeconds };
}

const expected = (delaySeconds: number) =>
  delaySeconds > 0 ? { sleep: Math.ceil(delaySeconds), grace: Math.ceil(delaySeconds) + SHUTDOWN_GRACE_SECONDS } : { grace: SHUTDOWN_GRACE_SECONDS };

describe('preStop delay and grace period (issue 15)', () => {
  it('every example: each web backend, nginx and the pooler follow their resolved preStopDelay; a worker gets none', () => {
    const kinds = new Set<string>();
    for (const c of exampleCharts()) {
      for (const b of c.stack.backends.map((x) => x.resolve(c.profile))) {
        const label = `${c.example} ${c.profile} ${b.serviceName}`;
        kinds.add(b.kind);
        const hook = hookOf(named(c.manifests, 'Deployment', b.serviceName));
        if (b.kind === 'worker') {
          // Behind no Service: nothing to wait for, and Kubernetes' default grace.
          expect(hook, label).toEqual({ grace: SHUTDOWN_GRACE_SECONDS });
        } else {
          expect(b.preStopDelay.toSeconds()).toBeGreaterThan(0);
          expect(hook, label).toEqual(expected(b.preStopDelay.toSeconds()));
        }
      }
      const n = c.stack.nginx!.resolve(c.profile);
      expect(hookOf(named(c.manifests, 'Deployment', n.id)), `${c.example} ${c.profile} nginx`).toEqual(expected(n.preStopDelay.toSeconds()));
      const p = c.stack.pooler?.resolve(c.profile);
      if (p) {
        kinds.add('pooler');
        expect(p.preStopDelay.toSeconds()).toBeGreaterThan(0);
        expect(hookOf(named(c.manifests, 'Deployment', p.id)), `${c.example} ${c.profile} pooler`).toEqual(expected(p.preStopDelay.toSeconds()));
      }
    }
    expect([...kinds].sort()).toEqual(['pooler', 'web', 'worker']);
  });

  it("the pooler's own delay, per profile, and 0s turning its hook off", () => {
    const stack = new Stack(undefined, 'uns', { profiles: { staging: {} } });
    new Backend(stack, 'api', BACKEND);
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 200 });
    new PgBouncer(stack, 'pgbouncer', { preStopDelay: '4s', profiles: { staging: { preStopDelay: '0s' } } });
    new Redis(stack, 'redis');
    expect(hookOf(named(render(stack, 'dev').manifests, 'Deployment', 'pgbouncer'))).toEqual({ sleep: 4, grace: 4 + SHUTDOWN_GRACE_SECONDS });
    expect(hookOf(named(render(stack, 'staging').manifests, 'Deployment', 'pgbouncer'))).toEqual({ grace: SHUTDOWN_GRACE_SECONDS });
  });

  it('a per-profile delay, a fractional one rounded up, and 0s turning the hook off', () => {
    const stack = new Stack(undefined, 'uns', { profiles: { staging: {} } });
    new Backend(stack, 'api', { ...BACKEND, preStopDelay: '20s', profiles: { staging: { preStopDelay: '0s' }, prod: { preStopDelay: '2500ms' } } });
    new Nginx(stack, 'nginx', { preStopDelay: '0s', profiles: { prod: { preStopDelay: '7s' } } });
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis');
    const at = (profile: string) => render(stack, profile).manifests;
    const dev = at('dev');
    expect(hookOf(named(dev, 'Deployment', 'api'))).toEqual({ sleep: 20, grace: 20 + SHUTDOWN_GRACE_SECONDS });
    expect(hookOf(named(dev, 'Deployment', 'nginx'))).toEqual({ grace: SHUTDOWN_GRACE_SECONDS });
    const staging = at('staging');
    expect(hookOf(named(staging, 'Deployment', 'api'))).toEqual({ grace: SHUTDOWN_GRACE_SECONDS });
    const prod = at('prod');
    expect(hookOf(named(prod, 'Deployment', 'api'))).toEqual({ sleep: 3, grace: 3 + SHUTDOWN_GRACE_SECONDS });
    expect(hookOf(named(prod, 'Deployment', 'nginx'))).toEqual({ sleep: 7, grace: 7 + SHUTDOWN_GRACE_SECONDS });
  });
});
