/**
 * Capacity with Kubernetes semantics, through the chart (docs/ARCHITECTURE.md "Capacity math"):
 * peak = autoscale.max + surge (maxSurge against the max, percent rounded up) + draining pods;
 * demand = peak × workers × (pool.size + maxOverflow) + fixed clients ≤ max_connections − 3.
 * At the budget the chart builds; one connection short it throws SynthError naming each term,
 * and adds nothing to the app. SO-SHARED-VOLUME fails a ReadWriteOnce volume shared by pods.
 */
import { Testing } from 'cdk8s';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Backend, Nginx, Postgres, Redis, Stack, SynthError, type BackendConstructProps } from '../../../lib/index.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { KubernetesChart } from '../../../lib/targets/kubernetes/index.js';
import { byKind, named, type Manifest } from '../../helpers/k8s.js';
import { HEALTHCHECK, RESOURCES } from '../../helpers/stacks.js';

const MAX = 6;
const SURGE_PERCENT = 25;
const DRAINING = 2;
const SUPERUSER_RESERVED = 3; // Postgres default, and the model's
const MONITOR = 1; // the monitoring role scaleout_monitor, a fixed client of every Postgres (issue 15)

/** ceil(25% × 6) = ceil(1.5) = 2: maxSurge percentages round up against the HPA max. */
const SURGE = Math.ceil((SURGE_PERCENT * MAX) / 100);
const PEAK = MAX + SURGE + DRAINING;

interface Knobs {
  readonly workers: number;
  readonly size: number;
  readonly overflow: number;
  readonly maxConnections: number;
  readonly redisPool?: number;
  readonly maxClients?: number;
  /** Pods still draining; 'default' leaves it to the model (the resolved surge). */
  readonly drainingPods?: number | 'default';
}

function stackWith(k: Knobs, scope?: Construct): Stack {
  const stack = new Stack(scope, 'cap');
  new Backend(stack, 'api', {
    image: 'ghcr.io/acme/api:1.0.0',
    autoscale: { min: 2, max: MAX, targetCpu: 70 },
    workers: k.workers,
    pool: { size: k.size, maxOverflow: k.overflow },
    redisPool: k.redisPool ?? 0,
    rollout: { maxSurge: `${SURGE_PERCENT}%`, maxUnavailable: 0, ...(k.drainingPods === 'default' ? {} : { drainingPods: k.drainingPods ?? DRAINING }) },
    healthcheck: HEALTHCHECK,
    resources: RESOURCES,
  });
  new Nginx(stack, 'nginx', { workerConnections: 8192 });
  new Postgres(stack, 'db', { maxConnections: k.maxConnections });
  if (k.redisPool) new Redis(stack, 'redis', { maxClients: k.maxClients ?? 10000 });
  return stack;
}

/** Builds the chart in a fresh app; returns the app, and the chart or the error. */
function build(k: Knobs, profile = 'prod') {
  const app = Testing.app();
  const stack = stackWith(k, app);
  const before = app.charts.length;
  try {
    const chart = new KubernetesChart(app, `cap-${profile}`, { stack, profile });
    return { app, stack, before, chart, error: undefined };
  } catch (error) {
    return { app, stack, before, chart: undefined, error: error as Error };
  }
}

describe('SO-POOL at the boundary: autoscale.max 6 + surge 2 (25%) + draining 2 = 10 pods', () => {
  it('the peak arithmetic', () => {
    expect(SURGE).toBe(2);
    expect(PEAK).toBe(10);
  });

  // [workers, pool.size, maxOverflow]
  const cases: [number, number, number][] = [
    [1, 5, 5],
    [2, 3, 2],
    [4, 2, 1],
  ];
  for (const [workers, size, overflow] of cases) {
    const app = PEAK * workers * (size + overflow);
    const demand = app + MONITOR;
    const budget = demand + SUPERUSER_RESERVED;

    it(`workers ${workers} × pool ${size}+${overflow}: max_connections ${budget} (demand ${app} + monitor 1 + 3) builds`, () => {
      const r = build({ workers, size, overflow, maxConnections: budget });
      expect(r.error).toBeUndefined();
      expect(r.app.charts.length).toBe(r.before + 1);
      const args: string[] = named(r.chart!.toJson() as Manifest[], 'StatefulSet', 'db').spec.template.spec.containers[0].args;
      expect(args).toContain(`max_connections=${budget}`);
      // The HPA's max is the number the budget was checked at.
      expect(named(r.chart!.toJson() as Manifest[], 'HorizontalPodAutoscaler', 'api').spec.maxReplicas).toBe(MAX);
    });

    it(`workers ${workers} × pool ${size}+${overflow}: max_connections ${budget - 1} throws, naming every term`, () => {
      const r = build({ workers, size, overflow, maxConnections: budget - 1 });
      expect(r.error).toBeInstanceOf(SynthError);
      const msg = r.error!.message;
      expect(msg).toContain('[SO-POOL] cap/db (profile prod, target kubernetes)');
      expect(msg).toContain('target kubernetes');
      expect(msg).toContain(`${PEAK} replicas at peak`);
      expect(msg).toContain(`autoscale.max ${MAX}`);
      expect(msg).toContain(`surge ${SURGE} (${SURGE_PERCENT}% of ${MAX}, rounded up)`);
      expect(msg).toContain(`draining ${DRAINING}`);
      expect(msg).toContain(`× ${workers} worker${workers === 1 ? '' : 's'} × (pool ${size} + overflow ${overflow}) = ${app}`);
      expect(msg).toContain(`demand ${demand} > available ${demand - 1} (max_connections ${budget - 1} − superuser_reserved 3)`);
      expect(msg).toContain(`max_connections ≥ ${budget}`);
      // Nothing joined the app.
      expect(r.app.charts.length).toBe(r.before);
      expect(r.app.node.tryFindChild('cap-prod')).toBeUndefined();
    });

    it(`workers ${workers} × pool ${size}+${overflow}: compose, which has no surge, still builds at ${budget - 1}`, () => {
      expect(() => synthCompose(stackWith({ workers, size, overflow, maxConnections: budget - 1 }))).not.toThrow();
    });
  }

  it('draining defaults to the surge (2), giving the same peak', () => {
    const demand = PEAK * 2 * 5 + MONITOR;
    const knobs = { workers: 2, size: 3, overflow: 2, drainingPods: 'default' as const };
    expect(build({ ...knobs, maxConnections: demand + SUPERUSER_RESERVED }).error).toBeUndefined();
    const r = build({ ...knobs, maxConnections: demand + SUPERUSER_RESERVED - 1 });
    expect(r.error?.message).toContain(`autoscale.max ${MAX} + surge ${SURGE} (${SURGE_PERCENT}% of ${MAX}, rounded up) + draining ${SURGE}`);
  });
});

describe('SO-REDIS at the boundary, with the same peak', () => {
  const workers = 2;
  const redisPool = 3;
  const demand = PEAK * workers * redisPool;
  const pg = PEAK * workers * 2 + MONITOR + SUPERUSER_RESERVED;

  it(`maxclients ${demand} builds`, () => {
    expect(build({ workers, size: 1, overflow: 1, maxConnections: pg, redisPool, maxClients: demand }).error).toBeUndefined();
  });

  it(`maxclients ${demand - 1} throws with target kubernetes and each term`, () => {
    const r = build({ workers, size: 1, overflow: 1, maxConnections: pg, redisPool, maxClients: demand - 1 });
    expect(r.error).toBeInstanceOf(SynthError);
    const msg = r.error!.message;
    expect(msg).toContain('[SO-REDIS] cap/redis (profile prod, target kubernetes)');
    expect(msg).toContain(`autoscale.max ${MAX} + surge ${SURGE} (${SURGE_PERCENT}% of ${MAX}, rounded up) + draining ${DRAINING}`);
    expect(msg).toContain(`× ${workers} workers × redis pool ${redisPool} = ${demand}`);
    expect(msg).toContain(`demand ${demand} > maxclients ${demand - 1}`);
    expect(msg).not.toContain('[SO-POOL]');
    expect(r.app.charts.length).toBe(r.before);
  });
});

describe('SO-SHARED-VOLUME', () => {
  const base: BackendConstructProps = {
    image: 'ghcr.io/acme/api:1.0.0',
    replicas: 3,
    healthcheck: HEALTHCHECK,
    resources: RESOURCES,
  };
  function volumeStack(accessMode: 'ReadWriteOnce' | 'ReadWriteMany', extra: Partial<BackendConstructProps> = {}): Stack {
    const stack = new Stack(undefined, 'vol');
    new Backend(stack, 'api', { ...base, ...extra, volumes: [{ name: 'uploads', path: '/app/uploads', accessMode, size: '5Gi' }] });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db');
    new Redis(stack, 'redis');
    return stack;
  }
  const chart = (stack: Stack, profile = 'prod') => new KubernetesChart(Testing.app(), `vol-${profile}`, { stack, profile });

  it('ReadWriteOnce on 3 replicas fails with target kubernetes', () => {
    const app = Testing.app();
    let error: Error | undefined;
    try {
      new KubernetesChart(app, 'vol-prod', { stack: volumeStack('ReadWriteOnce'), profile: 'prod' });
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(SynthError);
    // 3 replicas + ceil(25% of 3) = 1 surge pod mount it during a rollout.
    const sharers = 3 + Math.ceil(0.25 * 3);
    expect(error!.message).toContain('[SO-SHARED-VOLUME] vol/api (profile prod, target kubernetes)');
    expect(error!.message).toContain(`volume 'uploads' is ReadWriteOnce but up to ${sharers} pods mount it`);
    expect(app.charts).toEqual([]);
  });

  it('ReadWriteMany passes, and the claim asks for ReadWriteMany', () => {
    const ms = chart(volumeStack('ReadWriteMany')).toJson() as Manifest[];
    const pvc = named(ms, 'PersistentVolumeClaim', 'api-uploads');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(pvc.spec.resources.requests.storage).toBe('5Gi');
    const volume = named(ms, 'Deployment', 'api').spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim);
    expect(volume.persistentVolumeClaim.claimName).toBe('api-uploads');
  });

  it('ReadWriteOnce on one pod that is never surged passes', () => {
    const ms = chart(volumeStack('ReadWriteOnce', { replicas: 1, rollout: { maxSurge: 0, maxUnavailable: 1 } }), 'dev').toJson() as Manifest[];
    expect(byKind(ms, 'PersistentVolumeClaim').map((p) => p.spec.accessModes)).toEqual([['ReadWriteOnce']]);
  });

  it('compose synth of the same ReadWriteOnce stack is unaffected', () => {
    const { files } = synthCompose(volumeStack('ReadWriteOnce'));
    expect(files.get('docker-compose.yml')).toContain('/app/uploads');
  });
});
