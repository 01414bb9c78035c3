import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's promtool (package `prometheus`, 2.42). A missing binary fails the test, never skips it. */
export const PROMTOOL_BIN = process.env['PROMTOOL_BIN'] ?? '/usr/bin/promtool';

/**
 * Runs `promtool <args>` in a fresh directory holding `files` (relative path → content);
 * paths in `args` are relative to it.
 */
export function promtool(args: readonly string[], files: Readonly<Record<string, string>>): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  try {
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    const r = spawnSync(PROMTOOL_BIN, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const output = `${r.error ? String(r.error) : ''}${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
    return { ok: r.status === 0 && !r.error, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
