/**
 * Issue 19 on Pulumi: the migration is a container Pulumi waits out (attach, never kept
 * running), created after Postgres and before every database-using backend container; a
 * worker tier runs its model command with an exec healthcheck and no port.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../../lib/index.js';
import { DockerStack } from '../../../lib/targets/pulumi/index.js';
import { installMocks, registrationsOf, settle, type Registration } from './mocks.js';

const all = installMocks('scaleout-worker', 'test');

function workerStack(): Stack {
  const stack = new Stack(undefined, 'shop');
  new Backend(stack, 'api', {
    image: 'ghcr.io/acme/shop:1.0.0',
    replicas: 2,
    healthcheck: { path: '/api/health' },
    routes: ['/api/'],
    migrations: { command: ['python3', 'migrate.py'], pool: 1 },
  });
  new Backend(stack, 'worker', {
    image: 'ghcr.io/acme/shop:1.0.0',
    kind: 'worker',
    command: ['python3', 'worker.py'],
    args: ['--queue', 'jobs'],
    replicas: 2,
    healthcheck: { command: ['CMD', 'python3', 'worker.py', '--check'] },
  });
  new Nginx(stack, 'nginx', {});
  new Postgres(stack, 'db', { maxConnections: 200 });
  new Redis(stack, 'redis', {});
  return stack;
}

describe('DockerStack: API + worker + migration', () => {
  const name = 'shop-dev';
  let regs: Registration[];
  let component: DockerStack;
  const get = (n: string) => {
    const r = regs.find((x) => x.name === n);
    if (!r) throw new Error(`no registration ${n}; have ${regs.map((x) => x.name).join(', ')}`);
    return r;
  };

  beforeAll(async () => {
    component = new DockerStack(name, { stack: workerStack(), profile: 'dev', postgresPassword: 'pw', redisPassword: 'rp' });
    await settle(component);
    regs = registrationsOf(all, name);
  });

  it('the migration is a one-shot container Pulumi waits out, after Postgres', () => {
    const m = get(`${name}-api-migrate`);
    expect(m.inputs).toMatchObject({ attach: true, mustRun: false, restart: 'no', entrypoints: ['python3', 'migrate.py'] });
    expect(m.inputs['envs']).toEqual(expect.arrayContaining(['DATABASE_URL=postgresql://api_migrate@db:5432/shop', 'DB_POOL_SIZE=1', 'DB_MAX_OVERFLOW=0']));
    expect(m.dependencies).toContain(get(`${name}-db`).urn);
    expect(component.migrationContainers.has('api')).toBe(true);
  });

  it('every database-using backend container is created after the migration', () => {
    const migration = get(`${name}-api-migrate`).urn;
    for (const c of ['api-1', 'api-2', 'worker-1', 'worker-2']) expect(get(`${name}-${c}`).dependencies, c).toContain(migration);
  });

  it('the worker runs its command and args, with an exec healthcheck and no port', () => {
    const w = get(`${name}-worker-1`).inputs;
    expect(w['entrypoints']).toEqual(['python3', 'worker.py']);
    expect(w['command']).toEqual(['--queue', 'jobs']);
    expect(w['healthcheck'].tests).toEqual(['CMD', 'python3', 'worker.py', '--check']);
    expect(w['ports']).toBeUndefined();
  });

  it("nginx proxies to the API only", () => {
    expect(component.nginxConf).toContain('upstream api');
    expect(component.nginxConf).not.toMatch(/upstream worker/);
  });
});
