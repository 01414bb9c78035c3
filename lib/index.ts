/**
 * scaleout: declare a replicas × workers × pool web backend once, synthesize compose,
 * Kubernetes and Pulumi from it, and refuse stacks whose peak demand exceeds capacity.
 *
 * Targets live in their own entry points (`scaleout/compose`, `scaleout/kubernetes`,
 * `scaleout/pulumi`) so loading one never loads another's SDK.
 */
export * from './capacity/index.js';
export { loadConfig, stackFromConfig } from './config.js';
export { CONFIG_CODES, ConfigError, formatConfigIssue, ScaleoutError, SynthError, type ConfigCode, type ConfigIssue, type ConfigIssueInit } from './errors.js';
export * from './model/index.js';
export {
  APP_GROUP_ROLE,
  backendRoleName,
  EXPORTER_ROLE,
  MONITOR_CONNECTIONS,
  MONITOR_ROLE,
  poolerAuthUsers,
  poolerClientRoles,
  POOLER_ROLE,
  postgresRoles,
  SUPERUSER,
  type PoolerAuthUser,
  type PoolerClientRole,
  type PostgresRole,
  type PostgresRoleKind,
} from './plan/roles.js';
export * from './rules/index.js';
export * from './units/index.js';
