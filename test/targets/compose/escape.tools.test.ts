/**
 * Escaping in the serializers, checked by the real tools: `docker-compose config` sees every
 * user `$` literally (no interpolation of the deployer's environment), the Python probe takes
 * its URL as data (no path runs code), and nginx accepts a `#` in a hash key.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { synthCompose, writeOutput } from '../../../lib/targets/compose/index.js';
import { nginxTest } from '../../helpers/nginx-t.js';
import { minimalStack } from '../../helpers/stacks.js';

const tmp = mkdtempSync(join(tmpdir(), 'scaleout-escape-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LITERALS = {
  HASH: '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
  FROM_HOST: '${AWS_SECRET_ACCESS_KEY:-}',
  BARE: '$AWS_SECRET_ACCESS_KEY',
  DOUBLE: 'a$$b',
  TRAILING: 'cost: 5$',
};

describe('compose: no user value is ever interpolated', () => {
  it('docker-compose config gives the container every value literally, and none of the host environment', () => {
    const { stack } = minimalStack({ backend: { env: LITERALS } });
    const { files } = synthCompose(stack);
    const dir = join(tmp, 'dollar');
    writeOutput(dir, files);
    const r = spawnSync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), '--profile', 'dev', 'config'], {
      encoding: 'utf8',
      env: { ...process.env, AWS_SECRET_ACCESS_KEY: 'deployer-host-secret' },
    });
    expect(r.stderr).not.toMatch(/WARNING|Invalid interpolation/);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('deployer-host-secret');
    // docker-compose config prints values re-escaped; the container gets them with $$ → $.
    const env = parse(r.stdout).services.backend.environment as Record<string, string>;
    for (const [k, v] of Object.entries(LITERALS)) expect(env[k]!.replaceAll('$$', '$'), k).toBe(v);
    // scaleout's own shell `$(sed … secret)` (lib/render/redis-server.ts) still reaches the shell as written.
    const redis = parse(r.stdout).services.redis.command as string[];
    expect(redis.join(' ').replaceAll('$$', '$')).toContain(`"$(sed -n '1{s/[\\\\"]/\\\\&/g;p;}' /run/secrets/redis_password)"`);
  });
});

describe('the default Python probe takes its URL as data', () => {
  it('a path written as Python code is requested literally and runs nothing', async () => {
    const marker = join(tmp, 'pwned');
    const path = `/x'+str(__import__('os').mkdir('${marker}'))+'`;
    const seen: string[] = [];
    const server = createServer((sock) => {
      sock.once('data', (d) => {
        seen.push(String(d).split('\r\n')[0]!);
        sock.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok');
      });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as AddressInfo).port;
    try {
      const { backend } = minimalStack({ backend: { port, healthcheck: { path } } });
      const [cmd, exe, ...args] = backend.resolve('dev').healthcheck!.command;
      expect(cmd).toBe('CMD');
      const r = await new Promise<{ status: number | null }>((res) => {
        // No shell: the arguments reach python3 exactly as compose passes them.
        const child = spawn(exe!, args, { stdio: 'ignore', cwd: tmp });
        child.on('exit', (status) => res({ status }));
      });
      expect(r.status).toBe(0);
      expect(seen).toEqual([`GET ${path} HTTP/1.1`]);
      expect(existsSync(marker)).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('nginx arguments are quoted as nginx requires', () => {
  it("a hash key with '#' passes nginx -t", () => {
    const { stack } = minimalStack({ nginx: { version: '1.22', algorithm: 'hash', hashKey: '#x$request_uri' } });
    const conf = synthCompose(stack).files.get('nginx/nginx.conf')!;
    expect(conf).toContain('hash "#x$request_uri" consistent;');
    const r = nginxTest(conf, ['backend']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });
});
