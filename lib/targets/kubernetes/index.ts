/**
 * The Kubernetes target (`scaleout/kubernetes`): a cdk8s Chart of cdk8s-plus-27 objects per
 * profile. Importing it never loads Pulumi.
 */
export type { BackendResources } from './backend.js';
export type { RunAs } from './container.js';
export { labeledDeployment, podDisruptionBudget, topologySpread, type LabeledDeploymentProps } from './workload.js';
export { KubernetesChart, type KubernetesChartProps } from './chart.js';
export type { DataResources } from './data.js';
export { appLabels, secretFile, secretName, selectorLabels, SECRET_KEY, type Component } from './names.js';
export { manifestYaml } from './manifest-yaml.js';
export type { MonitoringResources } from './monitoring.js';
export { modelEdges, WORLD, type Edge, type NamespacePeer } from './network-policies.js';
export type { OperatorObjects } from './prometheus-operator.js';
export { NGINX_HTTP_PORT, NGINX_HTTPS_PORT, unprivilegedImage, type NginxResources } from './nginx.js';
export type { PoolerResources } from './pgbouncer.js';
export { roleSetupResources, type RoleSetupResources } from './role-setup.js';
export { mapProbes, type MappedProbes, type ProbeSpec } from './probes.js';
