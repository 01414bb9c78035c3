/** The same wiring checks with docker-compose 1.29's own profile handling deciding what `up` starts. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutput } from '../../../lib/targets/compose/index.js';
import { expectWiredWithin, PROFILE_OVERRIDE_FIXTURES, synthFixture } from '../../helpers/profile-wiring.js';
import { run } from '../../helpers/run.js';

describe.each(PROFILE_OVERRIDE_FIXTURES)('docker-compose --profile X alone (%s)', (fixture) => {
  const { files, compose } = synthFixture(fixture);
  const dir = join(mkdtempSync(join(tmpdir(), 'scaleout-profiles-')), 'out');
  writeOutput(dir, files);

  it.each([
    ['dev', 50],
    ['prod', 300],
  ] as const)('starts everything %s needs, wired to its own servers', (profile, maxConnections) => {
    const r = run('/usr/bin/python3', [join(import.meta.dirname, '../../helpers/compose-profiles.py'), dir, profile]);
    expect(r.code, r.output).toBe(0);
    const enabled = JSON.parse(r.output.trim().split('\n').at(-1)!)[profile] as string[];
    expect(enabled.length).toBeGreaterThan(0);
    expectWiredWithin(compose, profile, enabled, { maxConnections }, files);
  });

  it('docker-compose refuses a file where a prod service depends on a dev-only one (the check can fail)', () => {
    const bad = structuredClone(compose) as any;
    bad.services['api-prod'].depends_on = { db: { condition: 'service_healthy' } };
    const badDir = mkdtempSync(join(tmpdir(), 'scaleout-profiles-bad-'));
    writeFileSync(join(badDir, 'docker-compose.yml'), JSON.stringify(bad));
    const r = run('/usr/bin/python3', [join(import.meta.dirname, '../../helpers/compose-profiles.py'), badDir, 'prod']);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/db/);
  });
});
