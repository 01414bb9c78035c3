import { describe, expect, it } from 'vitest';
import { evaluate, formatProblem, synthGate, SynthError } from '../../lib/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

describe('SO-SCALE-CONFLICT', () => {
  it('fails a scaled backend with a fixed container name', () => {
    // GIVEN
    const { stack } = minimalStack({ backend: { containerName: 'api' } });
    // WHEN
    const report = evaluate(stack, { targets: ['compose'], profiles: ['dev'] });
    // THEN
    const [f, ...rest] = findingsOf(report, 'SO-SCALE-CONFLICT');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: 'SO-SCALE-CONFLICT', severity: 'error', path: 'uns/backend', profiles: ['dev'] });
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-SCALE-CONFLICT] uns/backend (profile dev): fixed container name 'api' on a scaled service
        compose refuses to run a second container ("container name already in use")
        fix: remove containerName"
    `);
  });

  it('fails a scaled backend that publishes a host port', () => {
    const { stack } = minimalStack({ backend: { hostPort: 8000 } });
    const [f] = findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['prod'] }), 'SO-SCALE-CONFLICT');
    expect(f?.severity).toBe('error');
    expect(formatProblem(f!)).toMatchInlineSnapshot(`
      "[SO-SCALE-CONFLICT] uns/backend (profile prod): host port 8000 published on a scaled service
        a second replica cannot bind the same host port
        fix: remove hostPort (nginx is the entry point)"
    `);
  });

  it('is suppressed by a suppression on the backend', () => {
    // GIVEN
    const props = { containerName: 'api', hostPort: 8000 };
    const failing = minimalStack({ backend: props }).stack;
    const { stack, backend } = minimalStack({ backend: props });
    backend.suppress('SO-SCALE-CONFLICT', 'debug port for a local profiler');
    // WHEN
    const report = evaluate(stack, { targets: ['compose'] });
    // THEN both findings in both profiles are hidden by one suppression
    expect(() => synthGate(failing, { targets: ['compose'] })).toThrow(SynthError);
    expect(findingsOf(report, 'SO-SCALE-CONFLICT')).toEqual([]);
    expect(suppressedOf(report, 'SO-SCALE-CONFLICT')).toHaveLength(4);
    expect(() => synthGate(stack, { targets: ['compose'] })).not.toThrow();
  });

  it('passes without containerName and hostPort', () => {
    expect(findingsOf(evaluate(minimalStack().stack, { targets: ['compose'] }), 'SO-SCALE-CONFLICT')).toEqual([]);
  });
});
