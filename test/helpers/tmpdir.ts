/**
 * setupFile of the unit tier: each test file's temporary files go in a directory of its own,
 * removed when the file's tests end. cdk8s's `Testing.app()` makes a `cdk8s.outdir.*` folder
 * per call and never removes it; thousands of them in /tmp slowed every later `readdir` of it.
 * Per worker and per file, so the other tiers' servers keep their short socket paths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const previous = process.env['TMPDIR'];
const dir = mkdtempSync(join(tmpdir(), 'scaleout-unit-'));
// os.tmpdir() reads TMPDIR on every call, and the CLI processes a test spawns inherit it.
process.env['TMPDIR'] = dir;
afterAll(() => {
  if (previous === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = previous;
  rmSync(dir, { recursive: true, force: true });
});
