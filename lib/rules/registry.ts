import { nginxConnRule, poolRule, poolServerRule, redisRule } from './capacity-rules.js';
import { healthTimeoutRule } from './health-timeout.js';
import { grafanaAdminRule } from './monitoring-rules.js';
import type { Rule } from './rule.js';
import {
  haRule,
  healthRule,
  imageTagRule,
  keepaliveRule,
  resourcesRule,
  scaleConflictRule,
  secretRule,
  sharedVolumeRule,
} from './workload-rules.js';

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  poolRule,
  poolServerRule,
  redisRule,
  nginxConnRule,
  keepaliveRule,
  haRule,
  scaleConflictRule,
  resourcesRule,
  healthRule,
  healthTimeoutRule,
  secretRule,
  grafanaAdminRule,
  imageTagRule,
  sharedVolumeRule,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
