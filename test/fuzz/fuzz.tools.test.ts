/**
 * The real-tool sample of the fuzz run: accepted generated configs (rendered for nginx
 * 1.22, the nginx here) pass `docker-compose config -q` in every profile, `nginx -t`, and
 * `promtool check config`/`check rules` for their Prometheus files.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxTest } from '../helpers/nginx-t.js';
import { promtool } from '../helpers/promtool.js';
import { run } from '../helpers/run.js';
import { configArb, type FuzzCase } from './generators.js';
import { checkCase } from './oracles.js';

/** The case with nginx.version 1.22, so its nginx.conf is one `nginx -t` here can check. */
const for122 = (c: FuzzCase): FuzzCase => {
  const doc = parse(c.text) as Record<string, any>;
  doc.nginx = { ...(doc.nginx ?? {}), version: '1.22' };
  return { ...c, text: stringify(doc) };
};

/** A self-signed certificate and key, copied under each secret name a conf reads from /run/secrets. */
let certs: string;
beforeAll(() => {
  certs = mkdtempSync(join(tmpdir(), 'fuzz-tls-'));
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', join(certs, 'key'), '-out', join(certs, 'cert')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
});
afterAll(() => rmSync(certs, { recursive: true, force: true }));

function withCerts(conf: string): string {
  return conf
    .replace(/ssl_certificate (\/run\/secrets\/([^;\s]+));/g, (_m, _p, name: string) => {
      copyFileSync(join(certs, 'cert'), join(certs, name));
      return `ssl_certificate ${join(certs, name)};`;
    })
    .replace(/ssl_certificate_key (\/run\/secrets\/([^;\s]+));/g, (_m, _p, name: string) => {
      copyFileSync(join(certs, 'key'), join(certs, name));
      return `ssl_certificate_key ${join(certs, name)};`;
    });
}

describe('fuzz sample through the real tools', () => {
  it('accepted configs pass docker-compose config, nginx -t and promtool', () => {
    let checked = 0;
    fc.assert(
      fc.property(configArb('valid').map(for122), (c) => {
        const o = checkCase(c, true);
        expect(o.problems).toEqual([]);
        if (o.code !== 0) return;
        checked++;
        const compose = parse(o.files.get('compose/docker-compose.yml')!) as { services: Record<string, { profiles?: string[] }> };
        const file = `${o.out}/compose/docker-compose.yml`;
        for (const profile of new Set(Object.values(compose.services).flatMap((s) => s.profiles ?? []))) {
          const r = run('docker-compose', ['-f', file, '--profile', profile, 'config', '-q']);
          expect(r.output, profile).toBe('');
        }
        for (const [path, text] of o.files) {
          if (/^compose\/nginx\/[^/]+\.conf$/.test(path)) expect(nginxTest(withCerts(text), Object.keys(compose.services)).output, path).toContain('test is successful');
          const prom = /^compose\/(prometheus[^/]*)\/prometheus\.yml$/.exec(path);
          if (prom) {
            const rules = o.files.get(`compose/${prom[1]}/alerts.yml`)!;
            const config = text.replace('/etc/prometheus/alerts.yml', 'alerts.yml');
            const c2 = promtool(['check', 'config', 'prometheus.yml'], { 'prometheus.yml': config, 'alerts.yml': rules });
            expect(c2.ok, c2.output).toBe(true);
          }
        }
      }),
      { numRuns: Number(process.env['FUZZ_TOOL_RUNS'] ?? 25) },
    );
    expect(checked).toBeGreaterThan(0);
  }, 300_000);
});
