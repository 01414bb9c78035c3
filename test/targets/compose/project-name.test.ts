/**
 * Issue 15: the compose project is named after the stack (a `.env` with COMPOSE_PROJECT_NAME
 * beside the file, since docker-compose 1.29 refuses a top-level `name:`), and Postgres gets
 * a /dev/shm larger than Docker's 64 MiB on both Docker targets.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { referenceStack } from '../../../examples/reference/stack.js';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../../lib/index.js';
import { postgresSpec } from '../../../lib/render/docker-services.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { containerArgs, type ContainerRefs } from '../../../lib/targets/pulumi/containers.js';
import { BACKEND } from '../../helpers/stacks.js';

function stack(name: string, shmSize?: string): Stack {
  const s = new Stack(undefined, name);
  new Backend(s, 'backend', BACKEND);
  new Nginx(s, 'nginx');
  new Postgres(s, 'db', { maxConnections: 200, ...(shmSize ? { shmSize } : {}) });
  new Redis(s, 'redis');
  return s;
}

describe('compose project name and Postgres shm (issue 15)', () => {
  it('writes .env with COMPOSE_PROJECT_NAME = the stack name, and no top-level name:', () => {
    const { files } = synthCompose(stack('shop'));
    const env = files.get('.env')!;
    expect(env.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(['COMPOSE_PROJECT_NAME=shop']);
    expect(parse(files.get('docker-compose.yml')!).name).toBeUndefined();
  });

  it('gives every Postgres service shm_size from the model (default 256Mi), and Pulumi the same in MB', () => {
    const compose = parse(synthCompose(referenceStack()).files.get('docker-compose.yml')!);
    const pg = Object.entries(compose.services as Record<string, any>).filter(([, s]) => s.environment?.POSTGRES_USER !== undefined);
    expect(pg.length).toBeGreaterThan(0);
    for (const [, s] of pg) expect(s.shm_size).toBe('256m');
    const big = stack('shop', '1Gi');
    expect(parse(synthCompose(big).files.get('docker-compose.yml')!).services.db.shm_size).toBe('1g');
    const spec = postgresSpec(big.postgres!.resolve('prod'), 'db');
    const refs: ContainerRefs = { image: 'img', networks: { app: 'app', data: 'data' }, volume: (v) => v, secret: (n) => n };
    expect(containerArgs(spec, { name: 'db', hostname: 'db', who: 'db', refs }).shmSize).toBe(1024);
  });
});
