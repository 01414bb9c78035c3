/**
 * `scaleout/pulumi`: deploy a scaleout model to a Docker engine with @pulumi/docker.
 *
 * ```ts
 * const app = new DockerStack('uns-prod', { stack, profile: 'prod' });
 * export const url = app.url;
 * ```
 */
export { DockerStack, type DockerStackArgs } from './docker-stack.js';
export type { BackendCapacity, BudgetSummary, CapacitySummary } from './capacity-summary.js';
export type { MonitoringFiles } from './monitoring.js';
export { planDockerStack, type DockerPlan } from './plan.js';
export type { SecretArgs } from './secrets.js';
export type { StackNetworks } from './networks.js';
export {
  backendContainerArgs,
  nginxContainerArgs,
  postgresContainerArgs,
  redisContainerArgs,
  NGINX_CONF_PATH,
  STOP_GRACE_SECONDS,
  type ContainerRefs,
} from './containers.js';
