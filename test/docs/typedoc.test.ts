/**
 * TypeDoc with `validation.notDocumented`, `notExported` and `invalidLink` (typedoc.json):
 * every export of the four entry points has a doc comment, every type a public signature
 * names is exported, and every link resolves. Any TypeDoc warning fails this test, so
 * `npm test` fails exactly when `npm run docs:strict` would.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** TypeDoc's warnings, without colours or the closing count, sorted. */
function typedocWarnings(): string[] {
  // Output to a file, not a pipe: TypeDoc exits before a pipe is drained, losing lines.
  const dir = mkdtempSync(join(tmpdir(), 'typedoc-'));
  const file = join(dir, 'out');
  const fd = openSync(file, 'w');
  let r;
  try {
    r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none', '--treatWarningsAsErrors', 'false'], {
      cwd: ROOT,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
  } finally {
    closeSync(fd);
  }
  const output = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`typedoc failed (${r.status}):\n${output}`);
  return [...new Set(
    output
      .replace(/\x1b\[[0-9;]*m/g, '')
      .split('\n')
      .filter((l) => l.startsWith('[warning] ') && !/^\[warning\] Found \d+ errors and \d+ warnings/.test(l)),
  )].sort();
}

describe('TypeDoc', () => {
  it('warns about nothing: every export documented, every referenced type exported', () => {
    expect(typedocWarnings(), 'document (or export) these; mark helpers users should not see @internal').toEqual([]);
  }, 120_000);
});
