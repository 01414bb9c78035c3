import { nginxConnRule, poolRule, poolServerRule, redisRule } from './capacity-rules.js';
import { healthTimeoutRule } from './health-timeout.js';
import { loadRule } from './load-rule.js';
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
  loadRule,
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

export { RULE_IDS, type RuleId } from '../model/rule-ids.js';
