/** Every dashboard the renderer writes for a plain and a pooled monitored stack, in every profile. */
import { renderDashboards } from '../../lib/render/grafana-dashboards.js';
import { contextOf, monitoredStack } from './monitoring.js';

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: { id: number; title: string; datasource: { uid: string }; targets: { expr: string; refId: string; datasource: { uid: string } }[] }[];
}

export const stacks = {
  plain: monitoredStack(),
  pooled: monitoredStack({ pooler: true }),
};

export function allDashboards(): { name: string; d: Dashboard; text: string }[] {
  return Object.entries(stacks).flatMap(([k, s]) =>
    s.profileNames.flatMap((p) => [...renderDashboards(contextOf(s, p), 'uns')].map(([f, text]) => ({ name: `${k}/${p}/${f}`, d: JSON.parse(text) as Dashboard, text }))),
  );
}

