import type { Rule } from './rule.js';

/**
 * SO-HEALTH-TIMEOUT: a healthcheck's timeout is not longer than its interval. Neither Docker
 * nor the kubelet overlaps checks, so a hanging check holds the next one back and a dead
 * replica is noticed after retries × timeout instead of retries × interval.
 */
export const healthTimeoutRule: Rule = {
  id: 'SO-HEALTH-TIMEOUT',
  summary: 'a healthcheck timeout is not longer than its interval',
  perTarget: false,
  severity: () => 'warning',
  check(ctx) {
    return ctx.backends.flatMap((b) => {
      const hc = b.healthcheck;
      if (!hc || hc.timeout.milliseconds <= hc.interval.milliseconds) return [];
      const slow = (hc.retries * hc.timeout.milliseconds) / 1000;
      const meant = (hc.retries * hc.interval.milliseconds) / 1000;
      return [
        {
          path: b.path,
          message: `healthcheck timeout ${hc.timeout} is longer than its interval ${hc.interval}`,
          terms: [
            'checks never overlap (Docker, kubelet): a hanging check delays the next, so the interval stretches to the timeout',
            `a dead replica leaves rotation after retries ${hc.retries} × timeout ${hc.timeout} = ${slow}s, not ${hc.retries} × ${hc.interval} = ${meant}s`,
          ],
          fixes: [
            { knob: `${b.id}.healthcheck.timeout`, op: 'atMost', value: `${hc.interval}`, term: 'healthcheck.timeout' },
            { knob: `${b.id}.healthcheck.interval`, op: 'atLeast', value: `${hc.timeout}`, term: 'healthcheck.interval' },
          ],
        },
      ];
    });
  },
};
