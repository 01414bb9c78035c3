/**
 * `check --live` output: a table for people, one JSON object for scripts. The JSON shape is
 * `schemas/check-live.schema.json`, part of the CLI contract; keys come in a fixed order and
 * nothing depends on the clock, so the same stack prints the same bytes.
 */
import { exitCodeOf, type LiveCheck, type LiveReport } from './live-check.js';

/** Bumped when a key changes meaning or goes away; new keys do not bump it. */
export const CHECK_JSON_VERSION = 1;

/** The JSON form of one round (`--json`); with `--watch`, one object per line per round. */
export function checkJson(report: LiveReport): object {
  const exitCode = exitCodeOf(report);
  return {
    version: CHECK_JSON_VERSION,
    stack: report.stack,
    profile: report.profile,
    target: report.target,
    ...(report.where === undefined ? {} : { where: report.where }),
    status: exitCode === 0 ? 'in-line' : 'drift',
    exitCode,
    checks: report.checks.map((c: LiveCheck) => ({
      kind: c.kind,
      subject: c.subject,
      status: c.status,
      planned: c.planned,
      live: c.live,
      arithmetic: c.arithmetic,
      ...(c.fix === undefined ? {} : { fix: c.fix }),
    })),
  };
}

const cell = (v: number | null) => (v === null ? '-' : String(v));

/** The table: one row per check, its arithmetic under it, and the restoring command of a drift. */
export function checkTable(report: LiveReport): string {
  const drift = report.checks.filter((c) => c.status === 'drift').length;
  const where = report.where === undefined ? '' : ` (${report.target === 'compose' ? 'project' : 'namespace'} ${report.where})`;
  const rows = report.checks.map((c) => [c.status === 'drift' ? 'DRIFT' : c.status, c.kind, c.subject, cell(c.planned), cell(c.live)]);
  const head = ['STATUS', 'CHECK', 'SUBJECT', 'PLANNED', 'LIVE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [`check --live: stack ${report.stack}, profile ${report.profile}, target ${report.target}${where}`, line(head)];
  report.checks.forEach((c, i) => {
    out.push(line(rows[i]!));
    for (const a of c.arithmetic) out.push(`    ${a}`);
    if (c.fix !== undefined) out.push(`    restore: ${c.fix}`);
  });
  out.push(drift === 0 ? `in line with the model: ${report.checks.length} checks` : `drift: ${drift} of ${report.checks.length} checks (exit 1)`);
  return `${out.join('\n')}\n`;
}
