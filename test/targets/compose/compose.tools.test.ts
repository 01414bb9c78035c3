/** The compose target's output under real `docker-compose config -q` and `nginx -t` (tools tier). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { Backend, Nginx, Postgres, Redis, Stack } from '../../../lib/index.js';
import { synthCompose, writeOutput } from '../../../lib/targets/compose/index.js';
import { nginxTest } from '../../helpers/nginx-t.js';
import { run } from '../../helpers/run.js';

function writeTemp(files: ReadonlyMap<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'scaleout-compose-')), 'out');
  writeOutput(dir, files);
  return dir;
}

describe('compose target: reference stack', () => {
  const { files } = synthCompose(referenceStack());

  it.each(['dev', 'prod'])('passes docker-compose config -q with --profile %s', (profile) => {
    const dir = writeTemp(files);
    const r = run('docker-compose', ['-f', join(dir, 'docker-compose.yml'), '--profile', profile, 'config', '-q']);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('compose target: behaviour', () => {
  it('renders an nginx.conf for nginx 1.22 that real nginx accepts', () => {
    // nginx pinned to the Debian version on this machine
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', {
      image: 'ghcr.io/uns/backend:5.4.1',
      replicas: 2,
      healthcheck: { interval: '15s', timeout: '5s' },
      resources: { limits: { cpu: 1, memory: '1Gi' } },
      routes: ['/api/'],
    });
    new Nginx(stack, 'nginx', { version: '1.22', algorithm: 'least_conn', keepalive: 32, maxFails: 3, failTimeout: '30s' });
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis');
    const conf = synthCompose(stack).files.get('nginx/nginx.conf')!;
    expect(conf).not.toContain(' resolve');
    const r = nginxTest(conf, ['backend']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });
});
