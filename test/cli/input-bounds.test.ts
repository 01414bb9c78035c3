/**
 * Bounded input: `-c` is a regular UTF-8 file of at most 1 MiB with bounded nesting; each
 * problem is one visible line whatever its value holds; no runtime warning leaks; EPIPE is quiet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { invalidUtf8Offset, MAX_CONFIG_BYTES } from '../../lib/cli/input-file.js';
import { cli } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'scaleout-input-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
let n = 0;

function file(content: string | Buffer): string {
  const p = join(tmp, `c-${++n}.yaml`);
  writeFileSync(p, content);
  return p;
}

/** synth on `path`: exit 2, exactly one stderr line, nothing written. */
function refusedInOneLine(path: string): string {
  const out = join(tmp, `out-${++n}`);
  const r = cli('synth', '-c', path, '-o', out);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^scaleout: /);
  expect(existsSync(out)).toBe(false);
  return lines[0]!;
}

const MINIMAL = 'name: uns\nbackends:\n  api:\n    image: ghcr.io/uns/api:1.0.0\n    port: 8000\n';

describe('scaleout synth -c: what it reads', () => {
  it('a fifo is refused at once instead of blocking', () => {
    const fifo = join(tmp, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(refusedInOneLine(fifo)).toContain('it is a fifo; pass a regular YAML file');
  });

  it('/dev/zero and a directory are refused', () => {
    expect(refusedInOneLine('/dev/zero')).toContain('it is a character device');
    const dir = join(tmp, 'a-dir');
    mkdirSync(dir);
    expect(refusedInOneLine(dir)).toContain('it is a directory');
  });

  it('a file over 1 MiB is refused before it is parsed', () => {
    const big = file(`${MINIMAL}#${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect(refusedInOneLine(big)).toMatch(/has \d+ bytes, over the limit of 1048576 \(1 MiB\)/);
  });

  it('invalid UTF-8 names the byte and its offset', () => {
    const p = file(Buffer.concat([Buffer.from('name: un'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]));
    expect(refusedInOneLine(p)).toContain('not valid UTF-8: byte 0xc3 at offset 8');
  });

  it('a UTF-16 file gets a clear error, not its NULs echoed back', () => {
    const line = refusedInOneLine(file(Buffer.from(`\ufeff${MINIMAL}`, 'utf16le')));
    expect(line).toContain('looks like UTF-16');
    expect(line).not.toContain('\u0000');
  });

  it('a UTF-8 BOM is accepted', () => {
    const out = join(tmp, `out-${++n}`);
    const reference = readFileSync(join(ROOT, 'examples/reference/scaleout.yaml'), 'utf8');
    expect(cli('synth', '-c', file(`\ufeff${reference}`), '-o', out, '--target', 'compose').code).toBe(0);
  });

  it('deep flow and block nesting are refused in one short line', () => {
    const flow = refusedInOneLine(file(`name: uns\nbackends: ${'['.repeat(100_000)}\n`));
    expect(flow).toContain('nested more than 64 levels');
    expect(flow.length).toBeLessThan(300);
    const block = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n');
    expect(refusedInOneLine(file(`name: uns\nbackends:\n${block}\n`))).toContain('nested more than 64 levels');
  });
});

describe('scaleout synth: one visible line per problem', () => {
  it('newlines, ANSI escapes and bidi overrides in a value are shown escaped', () => {
    const r = cli('synth', '-c', file(`name: "x\\nscaleout: OK\\e[2K\\u202e"\n${MINIMAL.slice(MINIMAL.indexOf('\n') + 1)}`), '-o', join(tmp, 'o'));
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String.raw`'x\nscaleout: OK\x1b[2K\u202e'`);
    expect(r.stderr).not.toMatch(/[\u001b\u202e]/);
  });

  it('a 200 KB value is truncated, not echoed', () => {
    const r = cli('synth', '-c', file(`name: ${'a'.repeat(200_000)}\n${MINIMAL.slice(MINIMAL.indexOf('\n') + 1)}`), '-o', join(tmp, 'o'));
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr.length).toBeLessThan(600);
    expect(r.stderr).toContain('(200000 characters in all)');
  });

  it("yaml's 'Keys with collection values' warning does not leak", () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const r = cli('synth', '-c', file('name: uns\nbackends:\n  ? [a]\n  : 1\n'), '-o', join(tmp, 'o'));
    expect(r.code).toBe(2);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('scaleout as a process', () => {
  it('exits quietly when its reader goes away (scaleout schema | head)', () => {
    const r = spawnSync('sh', ['-c', `node --import tsx ${join(ROOT, 'lib/cli/main.ts')} schema | head -c 5`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe('{\n  "');
    expect(r.stderr).toBe('');
  });
});

describe('invalidUtf8Offset', () => {
  it('agrees with a strict decoder on every one- and two-byte tail', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b += 7) {
        const bytes = new Uint8Array([0x41, a, b, 0x80 | (a & 0x3f), 0x42]);
        let ok = true;
        try {
          strict.decode(bytes);
        } catch {
          ok = false;
        }
        expect(invalidUtf8Offset(bytes) === -1, `${a} ${b}`).toBe(ok);
      }
    }
  });
});
