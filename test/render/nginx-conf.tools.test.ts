/** Rendered nginx.conf files under real `nginx -t` (Debian 1.22.1), with openssl test certificates (tools tier). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NGINX_BIN, nginxTest } from '../helpers/nginx-t.js';
import { ALGORITHMS, render } from '../helpers/nginx-render.js';

describe('real nginx -t (Debian 1.22.1)', () => {
  let dir: string;
  let secretPath: (name: string) => string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nginx-tls-'));
    secretPath = (name) => join(dir, name);
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
        '-keyout', secretPath('tls-key'), '-out', secretPath('tls-cert')],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('nginx is installed (a missing nginx fails, never skips)', () => {
    const r = spawnSync(NGINX_BIN, ['-v'], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toMatch(/nginx version: nginx\/1\.22\./);
  });

  it.each(ALGORITHMS)('accepts a 1.22 render with %s', (algorithm) => {
    const r = nginxTest(render({ algorithm }), ['backend']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });

  it('accepts TLS, two backends, keepalive 0 and X-Upstream-Addr', () => {
    const conf = render(
      { algorithm: 'hash', keepalive: 0, upstreamAddrHeader: true, tls: { certificateSecret: 'tls-cert', keySecret: 'tls-key' } },
      { api: { routes: ['/api/', '/'] }, worker: { port: 9000, routes: ['/jobs/'] } },
      { secretPath },
    );
    const r = nginxTest(conf, ['api', 'worker']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });

  it('rejects a 1.27.3 render: 1.22 has no `resolve` (the helper can fail)', () => {
    const r = nginxTest(render({ version: '1.27.3' }), ['backend']);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/invalid parameter "resolve"/);
  });

  it('rejects an unresolvable upstream host (the hosts file is what makes names resolve)', () => {
    const r = nginxTest(render(), []);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('host not found in upstream');
  });
});

describe('stub_status for the nginx exporter', () => {
  it('passes real nginx -t (Debian nginx has the stub_status module)', () => {
    const r = nginxTest(render({}, { backend: {} }, { stubStatusPort: 8081 }), ['backend']);
    expect(r.output).toContain('test is successful');
    expect(r.ok).toBe(true);
  });
});
