export * from './load.js';
export * from './nginx-budget.js';
export * from './peak.js';
export * from './pooler-budget.js';
export * from './postgres-budget.js';
export * from './redis-budget.js';
export * from './safe-scale.js';
export { largestAtMost, type MinReplicas } from './search.js';
export * from './target.js';
