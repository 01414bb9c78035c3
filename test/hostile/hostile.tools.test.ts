/**
 * The accepted configs of the adversarial table, checked by the real tools: every profile
 * passes `docker-compose config -q`, and every nginx.conf passes `nginx -t` (1.22).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { nginxTest } from '../helpers/nginx-t.js';
import { run } from '../helpers/run.js';
import { HOSTILE_CASES } from './cases.js';
import { runCase, tree } from './run-case.js';

const tmp = mkdtempSync(join(tmpdir(), 'scaleout-hostile-tools-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** nginx -t here is 1.22: each accepted case is rendered for nginx 1.22. */
function for122(text: string | Buffer): string {
  const raw = String(text);
  const bom = raw.startsWith('\ufeff') ? '\ufeff' : '';
  const doc = parseDocument(raw.slice(bom.length));
  doc.setIn(['nginx', 'version'], '1.22');
  return bom + String(doc);
}

const accepted = HOSTILE_CASES.filter((c) => c.exit === 0).map((c) => ({ ...c, text: for122(c.text) }));

describe('accepted adversarial configs pass the real tools', () => {
  it('there are accepted cases to check', () => expect(accepted.length).toBeGreaterThanOrEqual(10));

  accepted.forEach((c, i) => {
    it(`[${c.cls}] ${c.name}`, () => {
      const r = runCase(c, join(tmp, `case-${i}`));
      expect(r.code, r.stderr).toBe(0);
      const file = join(r.out, 'compose', 'docker-compose.yml');
      const compose = parse(readFileSync(file, 'utf8')) as { services: Record<string, { profiles?: string[] }> };
      const profiles = [...new Set(Object.values(compose.services).flatMap((s) => s.profiles ?? []))];
      expect(profiles.length).toBeGreaterThan(0);
      for (const profile of profiles) {
        const dc = run('docker-compose', ['-f', file, '--profile', profile, 'config', '-q']);
        expect(dc.output, profile).toBe('');
        expect(dc.code, profile).toBe(0);
      }
      const hosts = Object.keys(compose.services);
      const confs = [...tree(join(r.out, 'compose', 'nginx'))];
      expect(confs.length).toBeGreaterThan(0);
      for (const [conf, text] of confs) {
        const t = nginxTest(text, hosts);
        expect(t.output, conf).toContain('test is successful');
        expect(t.ok, conf).toBe(true);
      }
    });
  });
});
