/**
 * The adversarial table (cases.ts), in process: each config gives its exit code, never 70
 * and never a stack trace; nothing is written unless it exits 0; user files survive; no
 * listed string reaches a written file or stdout. Real tools: hostile.tools.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { composeSpecValidator } from '../helpers/compose-schema.js';
import { validate as validateK8s } from '../helpers/k8s-validate.js';
import type { Manifest } from '../helpers/k8s.js';
import { HOSTILE_CASES } from './cases.js';
import { runCase, tree } from './run-case.js';

const composeSpec = composeSpecValidator();

const tmp = mkdtempSync(join(tmpdir(), 'scaleout-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('adversarial configs', () => {
  it('hold at least 80 cases across the classes', () => {
    expect(HOSTILE_CASES.length).toBeGreaterThanOrEqual(80);
    expect(new Set(HOSTILE_CASES.map((c) => c.cls))).toEqual(new Set(['injection', 'secrets', 'target-limits', 'internal', 'user-files', 'input']));
    expect(new Set(HOSTILE_CASES.map((c) => c.name)).size).toBe(HOSTILE_CASES.length);
  });

  HOSTILE_CASES.forEach((c, i) => {
    it(`[${c.cls}] ${c.name}: exit ${c.exit}`, () => {
      const r = runCase(c, join(tmp, `case-${i}`));
      expect(r.code, r.stderr).toBe(c.exit);
      expect(r.stderr).not.toMatch(/^\s+at |internal error|this is a bug/m);
      for (const line of r.stderr.split('\n')) expect(line.length).toBeLessThan(2100);
      for (const [path, text] of Object.entries(r.keep)) expect(readFileSync(path, 'utf8'), path).toBe(text);
      const written = tree(r.out);
      if (c.exit !== 0 && !r.existed) expect(existsSync(r.out)).toBe(false);
      if (c.exit !== 0 && r.existed) expect([...written.keys()].filter((k) => !Object.keys(r.keep).includes(join(r.out, k)))).toEqual([]);
      if (c.exit === 2) {
        expect(r.stdout).toBe('');
        for (const line of r.stderr.split('\n').filter(Boolean)) expect(line).toMatch(/^(scaleout: |warning )/);
      }
      if (c.says !== undefined) {
        const where = c.exit === 0 ? [...written.values()].join('\n') : r.stderr;
        expect(where).toContain(c.says);
      }
      if (c.exit === 0) {
        // In-process oracles: the compose-spec schema and kubernetes-models.
        const compose = parse(written.get('compose/docker-compose.yml')!);
        expect(composeSpec(compose) ? [] : composeSpec.errors).toEqual([]);
        for (const [path, text] of written) {
          if (!path.endsWith('.k8s.yaml')) continue;
          for (const doc of parseAllDocuments(text)) expect(() => validateK8s(doc.toJS() as Manifest), path).not.toThrow();
        }
      }
      for (const s of c.absent ?? []) {
        expect(r.stdout).not.toContain(s);
        for (const [path, text] of written) expect(text, path).not.toContain(s);
      }
    });
  });
});
