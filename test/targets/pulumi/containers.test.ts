/** The pure container converters, with plain strings for the resources they refer to. */
import { describe, expect, it } from 'vitest';
import { Cpu, Duration, Memory } from '../../../lib/index.js';
import {
  backendContainerArgs,
  cpuShares,
  envList,
  healthcheckArgs,
  resourceArgs,
  restartArgs,
  type ContainerRefs,
} from '../../../lib/targets/pulumi/containers.js';
import { minimalStack } from '../../helpers/stacks.js';

const refs = (data = true): ContainerRefs => ({
  image: 'img',
  networks: { app: 'net-app', ...(data ? { data: 'net-data' } : {}) },
  volume: (n) => `vol-${n}`,
  secret: (n) => `secret-of-${n}`,
});

describe('resourceArgs', () => {
  it('converts typed quantities: memory to integer MB (rounded up), cpu limits to cores, requests to shares', () => {
    const limits = (memory: string, cpu: string | number) => ({ limits: { memory: Memory.parse(memory), cpu: Cpu.parse(cpu) }, requests: {} });
    expect(resourceArgs(limits('2Gi', 2))).toEqual({ memory: 2048, cpus: '2' });
    expect(resourceArgs(limits('1536Mi', '250m'))).toEqual({ memory: 1536, cpus: '0.25' });
    expect(resourceArgs(limits('100Ki', 0.5))).toEqual({ memory: 1, cpus: '0.5' });
    expect(resourceArgs({ limits: {}, requests: { memory: Memory.parse('512Mi'), cpu: Cpu.parse(0.5) } })).toEqual({
      memoryReservation: 512,
      cpuShares: 512,
    });
    expect(resourceArgs({ limits: {}, requests: {} })).toEqual({});
  });

  it('maps a cpu request to shares as Kubernetes does, never below Docker’s minimum of 2', () => {
    expect(cpuShares(Cpu.parse(1))).toBe(1024);
    expect(cpuShares(Cpu.parse('100m'))).toBe(102);
    expect(cpuShares(Cpu.parse('1m'))).toBe(2);
  });
});

describe('restartArgs', () => {
  it('maps compose conditions to Docker policies; a retry count only with on-failure', () => {
    expect(restartArgs({ condition: 'any' })).toEqual({ restart: 'always' });
    expect(restartArgs({ condition: 'any', maxAttempts: 3 })).toEqual({ restart: 'always' });
    expect(restartArgs({ condition: 'none' })).toEqual({ restart: 'no' });
    expect(restartArgs({ condition: 'on-failure', maxAttempts: 3 })).toEqual({ restart: 'on-failure', maxRetryCount: 3 });
  });
});

describe('healthcheckArgs', () => {
  it('prints Go durations and waits as long as Docker can take to call the container unhealthy', () => {
    const h = healthcheckArgs({
      tests: ['CMD', 'true'],
      interval: Duration.parse('15s'),
      timeout: Duration.parse('1500ms'),
      retries: 3,
      startPeriod: Duration.parse('1m'),
    });
    expect(h).toEqual({
      healthcheck: { tests: ['CMD', 'true'], interval: '15s', timeout: '1500ms', retries: 3, startPeriod: '1m' },
      wait: true,
      waitTimeout: 110, // 60 + 3 × 16.5 = 109.5, rounded up
    });
  });
});

describe('backendContainerArgs', () => {
  it('joins the data network only when the backend uses the data tier', () => {
    const { stack } = minimalStack({ backend: { database: false, redisPool: 0 } });
    const ctx = { backends: stack.backends.map((b) => b.resolve('dev')), pg: stack.postgres!.resolve('dev'), redis: stack.redis!.resolve('dev') };
    const args = backendContainerArgs(ctx.backends[0]!, ctx.pg, ctx.redis, 'c-1', refs(false));
    expect(args.networksAdvanced).toEqual([{ name: 'net-app', aliases: ['backend'] }]);
    expect(args.uploads).toBeUndefined();
    expect(args.envs).toEqual(['WEB_CONCURRENCY=1']);
  });

  it('mounts its data-tier passwords as files, and says so when the data network is missing', () => {
    const { stack } = minimalStack();
    const [b] = stack.backends.map((x) => x.resolve('dev'));
    const pg = stack.postgres!.resolve('dev');
    const redis = stack.redis!.resolve('dev');
    // Its own role's password, never the superuser's.
    expect(backendContainerArgs(b!, pg, redis, 'c-1', refs()).uploads).toEqual([
      { file: '/run/secrets/pg_backend_password', content: 'secret-of-pg_backend_password' },
      { file: '/run/secrets/redis_password', content: 'secret-of-redis_password' },
    ]);
    expect(() => backendContainerArgs(b!, pg, redis, 'c-1', refs(false))).toThrow('uns/backend needs the internal data network');
  });

  it('publishes a host port only when the model asks (SO-SCALE-CONFLICT must be suppressed for that)', () => {
    const { stack } = minimalStack({ backend: { hostPort: 8080, replicas: 1 } });
    const b = stack.backends[0]!.resolve('dev');
    const args = backendContainerArgs(b, undefined, undefined, 'c-1', refs());
    expect(args.ports).toEqual([{ internal: 8000, external: 8080 }]);
  });
});

describe('envList', () => {
  it('sorts KEY=value lines so the input is stable', () => {
    expect(envList({ B: '2', A: '1=x' })).toEqual(['A=1=x', 'B=2']);
  });
});
