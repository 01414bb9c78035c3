/** The load line of CAPACITY.md and `scaleout plan`: what the load needs against what the budget allows. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../lib/cli/config.js';
import { evaluate } from '../../lib/index.js';
import { renderPlan } from '../../lib/render/capacity-report.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { minimalStack } from '../helpers/stacks.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');

describe('the load line', () => {
  it("shows the seed's 500 RPS against the 4 replicas compose allows and the 2 Kubernetes allows", () => {
    // 40 connections per replica, 197 available: 4 × 40 = 160 under compose; Kubernetes
    // 2 + 1 surge + 1 draining = 4 at peak → 160, while 3 + 1 + 1 = 5 → 200.
    const stack = loadConfigFile(join(EXAMPLES, 'pitfalls', 'seed-load.yaml'));
    const text = renderPlan(stack, evaluate(stack, { targets: ['compose', 'kubernetes'] }));
    expect(text).toContain(
      '- backend-prod: 500 RPS needs 6 replicas (⌈500 ÷ 100 RPS per replica⌉ + 1); the budget allows 4 (limited by PostgreSQL). **SO-LOAD: 2 over.**',
    );
    expect(text).toContain(
      '- backend-prod: 500 RPS needs 6 replicas (⌈500 ÷ 100 RPS per replica⌉ + 1); the budget allows 2 (limited by PostgreSQL). **SO-LOAD: 4 over.**',
    );
  });

  it('is in CAPACITY.md for a backend with load, and says when replicas fall short of it', () => {
    // replicas 3 pinned beside 500 RPS; the suppression lets synth write CAPACITY.md
    const { stack } = minimalStack({
      backend: { replicas: 3, load: { expectedRps: 500 }, suppressions: [{ rule: 'SO-LOAD', reason: 'scaled by hand before launch' }] },
    });
    const report = synthCompose(stack).files.get('CAPACITY.md')!;
    // 1 worker × (5 + 10) = 15 per replica: ⌊97 / 15⌋ = 6 fit
    expect(report).toContain(
      '- backend: 500 RPS needs 6 replicas (⌈500 ÷ 100 RPS per replica⌉ + 1); the budget allows 6 (limited by PostgreSQL). **SO-LOAD: replicas 3 serve 200 RPS.**',
    );
  });

  it('is absent without load', () => {
    expect(synthCompose(minimalStack().stack).files.get('CAPACITY.md')).not.toContain('### Load');
  });
});
