/** `scaleout init`: a commented starter for the reference stack, with the schema line; never overwrites. */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../lib/cli/config.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { cli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const REFERENCE = join(ROOT, 'examples', 'reference', 'scaleout.yaml');

describe('scaleout init', () => {
  it('writes a starter that is the reference stack, with the schema line first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaleout-init-'));
    const file = join(dir, 'scaleout.yaml');
    const r = cli('init', '-c', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote ${file}; next: scaleout plan -c ${file}\n`);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/scaleout/schemas/scaleout.schema.json');
    expect(text.split('\n').filter((l) => l.includes('#')).length).toBeGreaterThan(10);
    // The same stack as the reference example, to the byte once synthesized.
    expect(parse(text)).toEqual(parse(readFileSync(REFERENCE, 'utf8')));
    expect([...synthCompose(loadConfigFile(file)).files]).toEqual([...synthCompose(loadConfigFile(REFERENCE)).files]);
    expect(cli('plan', '-c', file).code).toBe(0);
  });

  it('refuses to overwrite a file: exit 2, the file untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaleout-init-'));
    const file = join(dir, 'scaleout.yaml');
    writeFileSync(file, 'mine\n');
    const r = cli('init', '-c', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} already exists; scaleout init never overwrites a file`);
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
    expect(readdirSync(dir)).toEqual(['scaleout.yaml']);
  });

  it('every example starts with the yaml-language-server line, pointing at the committed schema', () => {
    const examples = readdirSync(join(ROOT, 'examples'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    expect(examples.length).toBeGreaterThan(6);
    for (const f of examples) {
      const first = readFileSync(join(ROOT, 'examples', f), 'utf8').split('\n')[0];
      expect(first, f).toBe(`# yaml-language-server: $schema=${'../'.repeat(f.split('/').length)}schemas/scaleout.schema.json`);
    }
  });

  it('the committed schemas/scaleout.schema.json is what scaleout schema prints', () => {
    expect(readFileSync(join(ROOT, 'schemas', 'scaleout.schema.json'), 'utf8')).toBe(cli('schema').stdout);
  });
});
