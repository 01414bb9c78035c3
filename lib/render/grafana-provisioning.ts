import { stringify } from 'yaml';

/** The datasource uid every dashboard panel names. */
export const PROMETHEUS_DATASOURCE_UID = 'prometheus';

/** Where Grafana reads provisioned dashboards from, inside its container. */
export const GRAFANA_DASHBOARDS_DIR = '/etc/grafana/dashboards';

/** `provisioning/datasources/prometheus.yml`: the one Prometheus datasource. */
export function renderGrafanaDatasource(prometheusUrl: string): string {
  return stringify(
    {
      apiVersion: 1,
      datasources: [
        {
          name: 'Prometheus',
          type: 'prometheus',
          uid: PROMETHEUS_DATASOURCE_UID,
          access: 'proxy',
          url: prometheusUrl,
          isDefault: true,
          editable: false,
        },
      ],
    },
    { lineWidth: 0 },
  );
}

/** `provisioning/dashboards/scaleout.yml`: a file provider reading {@link GRAFANA_DASHBOARDS_DIR}. */
export function renderGrafanaDashboardProvider(stackName: string, dir = GRAFANA_DASHBOARDS_DIR): string {
  return stringify(
    {
      apiVersion: 1,
      providers: [
        {
          name: 'scaleout',
          folder: stackName,
          type: 'file',
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: dir },
        },
      ],
    },
    { lineWidth: 0 },
  );
}
