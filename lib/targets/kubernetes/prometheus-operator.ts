/**
 * Monitoring handed to a cluster's prometheus-operator: a PodMonitor per backend (one target
 * per pod, as pod discovery gives; the backend has two Services, so a ServiceMonitor would
 * scrape each pod twice), a ServiceMonitor per exporter, and the alert rules as a
 * PrometheusRule. Each endpoint sets the job label the rules and dashboards query, so both
 * modes give the same series.
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { alertRuleGroups } from '../../render/alert-rules.js';
import { exporterJobs, scrapedBackends } from '../../render/prometheus-config.js';
import type { RuleContext } from '../../rules/rule.js';
import { appLabels, selectorLabels } from './names.js';
import type { Edge } from './network-policies.js';

const API_VERSION = 'monitoring.coreos.com/v1';

/** The operator's objects, by name. */
export interface OperatorObjects {
  /** PodMonitors (one per scraped workload), by name. */
  readonly podMonitors: ReadonlyMap<string, ApiObject>;
  /** ServiceMonitors, by name. */
  readonly serviceMonitors: ReadonlyMap<string, ApiObject>;
  /** The PrometheusRule holding the stack's alert rules. */
  readonly prometheusRule: ApiObject;
  /** Scrapes from the operator's namespace to each backend and exporter. */
  readonly edges: readonly Edge[];
}

/** Name of the PrometheusRule holding the stack's alert rules. */
export const PROMETHEUS_RULE_NAME = 'alert-rules';

export function prometheusOperatorObjects(scope: Construct, ctx: RuleContext, namespace: string): OperatorObjects {
  const m = ctx.monitoring!;
  const op = m.prometheusOperator!;
  const stack = ctx.stack.stackName;
  // The app labels win: the operator's selector labels must not rename what scaleout owns.
  const labels = (name: string) => ({ ...op.labels, ...appLabels(stack, ctx.profile, name, 'monitoring') });
  const endpoint = (job: string, port = 'http') => ({
    port,
    path: '/metrics',
    interval: m.prometheus.scrapeInterval.toString(),
    relabelings: [{ action: 'replace', targetLabel: 'job', replacement: job }],
  });
  const from = { namespace: op.namespace };
  const edges: Edge[] = [];

  const podMonitors = new Map<string, ApiObject>();
  for (const b of scrapedBackends(ctx.backends)) {
    podMonitors.set(
      b.serviceName,
      new ApiObject(scope, `${b.serviceName}-podmonitor`, {
        apiVersion: API_VERSION,
        kind: 'PodMonitor',
        metadata: { name: b.serviceName, labels: labels(b.serviceName) },
        spec: {
          selector: { matchLabels: selectorLabels(stack, ctx.profile, b.serviceName) },
          namespaceSelector: { matchNames: [namespace] },
          // A worker's container port is named `metrics`, a web backend's `http`.
          podMetricsEndpoints: [endpoint(b.id, b.kind === 'web' ? 'http' : 'metrics')],
        },
      }),
    );
    edges.push({ from, to: b.serviceName, port: b.metricsPort });
  }

  const serviceMonitors = new Map<string, ApiObject>();
  for (const { job, port } of exporterJobs(ctx)) {
    serviceMonitors.set(
      job,
      new ApiObject(scope, `${job}-servicemonitor`, {
        apiVersion: API_VERSION,
        kind: 'ServiceMonitor',
        metadata: { name: job, labels: labels(job) },
        spec: {
          selector: { matchLabels: selectorLabels(stack, ctx.profile, job) },
          namespaceSelector: { matchNames: [namespace] },
          endpoints: [endpoint(job)],
        },
      }),
    );
    edges.push({ from, to: job, port });
  }

  const prometheusRule = new ApiObject(scope, 'prometheus-rule', {
    apiVersion: API_VERSION,
    kind: 'PrometheusRule',
    metadata: { name: PROMETHEUS_RULE_NAME, labels: labels(PROMETHEUS_RULE_NAME) },
    spec: { groups: alertRuleGroups(ctx, stack) },
  });
  return { podMonitors, serviceMonitors, prometheusRule, edges };
}
