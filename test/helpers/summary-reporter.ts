/**
 * Prints one plain `N passed, N failed` line after the run, the form CI readers look for
 * (vitest's own summary is decorated). With several tiers in one run (`npm run test:all`
 * runs every vitest project at once) the line covers them all. An error outside any test,
 * or a run that failed before any test (a tier's missing tool, test/tiers/requirements.ts),
 * counts as a failure.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError> = [], reason?: TestRunEndReason): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (m.state() === 'failed' && m.children.size === 0) failed++;
    }
    // A run that failed with no failing test (a tier's globalSetup threw) still counts one.
    if (reason === 'failed' && failed === 0) failed = 1;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
