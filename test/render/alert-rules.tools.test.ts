/** The rendered alert rules under real promtool: `check rules` and `test rules` (tools tier). */
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderAlertRules } from '../../lib/render/alert-rules.js';
import { contextOf, monitoredStack, withoutAnnotations } from '../helpers/monitoring.js';
import { promtool } from '../helpers/promtool.js';

/** Runs `promtool test rules` with `tests` against the rendered rules (annotations stripped). */
function unitTest(rules: string, tests: unknown[]) {
  const file = stringify({ rule_files: ['alerts.yml'], evaluation_interval: '15s', tests });
  return promtool(['test', 'rules', 'tests.yml'], { 'alerts.yml': withoutAnnotations(rules), 'tests.yml': file });
}

const BACKEND = { severity: 'critical', backend: 'backend', job: 'backend' };

describe('renderAlertRules', () => {
  const stack = monitoredStack({ pooler: true });
  const dev = renderAlertRules(contextOf(stack, 'dev'), 'uns');
  const prod = renderAlertRules(contextOf(stack, 'prod'), 'uns');

  it('passes promtool check rules, in every profile', () => {
    for (const text of [dev, prod, renderAlertRules(contextOf(monitoredStack(), 'dev'), 'uns')]) {
      const r = promtool(['check', 'rules', 'alerts.yml'], { 'alerts.yml': text });
      expect(r.output).toMatch(/SUCCESS/);
      expect(r.ok, r.output).toBe(true);
    }
  });

  describe('promtool test rules', () => {
    it('BackendInstanceDown: pending under 1m down, firing after 1m, silent while up', () => {
      const r = unitTest(dev, [
        {
          interval: '15s',
          input_series: [
            { series: 'up{job="backend",instance="10.0.0.2:8000"}', values: '1 1 0x10' },
            { series: 'up{job="backend",instance="10.0.0.3:8000"}', values: '1x12' },
          ],
          alert_rule_test: [
            { eval_time: '15s', alertname: 'BackendInstanceDown', exp_alerts: [] },
            { eval_time: '75s', alertname: 'BackendInstanceDown', exp_alerts: [] },
            {
              eval_time: '90s',
              alertname: 'BackendInstanceDown',
              exp_alerts: [{ exp_labels: { ...BACKEND, instance: '10.0.0.2:8000' } }],
            },
          ],
        },
      ]);
      expect(r.ok, r.output).toBe(true);
    });

    it('BackendReplicasBelowMinimum: fires with one of two replicas down, and with none left; not with both up', () => {
      const r = unitTest(dev, [
        {
          interval: '15s',
          input_series: [
            { series: 'up{job="backend",instance="a:8000"}', values: '1x4 0x8' },
            { series: 'up{job="backend",instance="b:8000"}', values: '1x12' },
          ],
          alert_rule_test: [
            { eval_time: '60s', alertname: 'BackendReplicasBelowMinimum', exp_alerts: [] },
            { eval_time: '135s', alertname: 'BackendReplicasBelowMinimum', exp_alerts: [{ exp_labels: { severity: 'critical', backend: 'backend' } }] },
          ],
        },
        {
          interval: '15s',
          input_series: [{ series: 'up{job="other",instance="x:1"}', values: '1x10' }],
          alert_rule_test: [
            { eval_time: '90s', alertname: 'BackendReplicasBelowMinimum', exp_alerts: [{ exp_labels: { severity: 'critical', backend: 'backend' } }] },
          ],
        },
      ]);
      expect(r.ok, r.output).toBe(true);
    });

    it('HighErrorRate: fires on 0.4 5xx/s for 5m, not on 2xx', () => {
      const series = (status: string) => ({
        series: `http_requests_total{job="backend",instance="a:8000",path="/api/x",service="backend",status="${status}"}`,
        values: '0+6x40',
      });
      const r = unitTest(dev, [
        {
          interval: '15s',
          input_series: [series('500'), series('200')],
          alert_rule_test: [
            { eval_time: '4m', alertname: 'HighErrorRate', exp_alerts: [] },
            {
              eval_time: '8m',
              alertname: 'HighErrorRate',
              exp_alerts: [
                { exp_labels: { severity: 'warning', job: 'backend', instance: 'a:8000', path: '/api/x', service: 'backend', status: '500' } },
              ],
            },
          ],
        },
      ]);
      expect(r.ok, r.output).toBe(true);
    });

    it("PostgresConnectionsNearBudget: threshold = available × 0.8, computed from the model", () => {
      const th = contextOf(stack, 'dev').postgres!.available * 0.8;
      const series = (n: number) => [
        { series: 'pg_stat_activity_count{job="postgres-exporter",datname="app",state="active"}', values: `${n}x30` },
        { series: 'pg_stat_activity_count{job="postgres-exporter",datname="app",state="idle"}', values: '0x30' },
      ];
      const below = unitTest(dev, [
        { interval: '15s', input_series: series(Math.floor(th)), alert_rule_test: [{ eval_time: '6m', alertname: 'PostgresConnectionsNearBudget', exp_alerts: [] }] },
      ]);
      const above = unitTest(dev, [
        {
          interval: '15s',
          input_series: series(Math.floor(th) + 1),
          alert_rule_test: [
            { eval_time: '4m', alertname: 'PostgresConnectionsNearBudget', exp_alerts: [] },
            { eval_time: '6m', alertname: 'PostgresConnectionsNearBudget', exp_alerts: [{ exp_labels: { severity: 'warning' } }] },
          ],
        },
      ]);
      expect(below.ok, below.output).toBe(true);
      expect(above.ok, above.output).toBe(true);
    });

    it('RedisClientsNearLimit and PgBouncerClientsNearLimit fire just above 80% and not at it', () => {
      const ctx = contextOf(stack, 'dev');
      const redisTh = ctx.redis!.maxClients * 0.8;
      const bouncerTh = ctx.pooler!.maxClientConn * 0.8;
      const r = unitTest(dev, [
        {
          interval: '15s',
          input_series: [
            { series: 'redis_connected_clients{job="redis-exporter",instance="redis-exporter:9121"}', values: `${redisTh}x10 ${redisTh + 1}x30` },
            { series: 'pgbouncer_pools_client_active_connections{job="pgbouncer-exporter",instance="p:9127",database="app",user="app"}', values: `${bouncerTh - 10}x10 ${bouncerTh - 9}x30` },
            { series: 'pgbouncer_pools_client_waiting_connections{job="pgbouncer-exporter",instance="p:9127",database="app",user="app"}', values: '10x40' },
          ],
          alert_rule_test: [
            { eval_time: '2m', alertname: 'RedisClientsNearLimit', exp_alerts: [] },
            { eval_time: '2m', alertname: 'PgBouncerClientsNearLimit', exp_alerts: [] },
            { eval_time: '8m', alertname: 'RedisClientsNearLimit', exp_alerts: [{ exp_labels: { severity: 'warning' } }] },
            { eval_time: '8m', alertname: 'PgBouncerClientsNearLimit', exp_alerts: [{ exp_labels: { severity: 'warning', instance: 'p:9127' } }] },
          ],
        },
      ]);
      expect(r.ok, r.output).toBe(true);
    });

    it('NginxUpstreamErrors: fires when nginx is down or drops connections, not when healthy', () => {
      const nj = 'job="nginx-exporter",instance="nginx-exporter:9113"';
      const r = unitTest(dev, [
        {
          interval: '15s',
          input_series: [
            { series: `nginx_up{${nj}}`, values: '1x40' },
            { series: `nginx_connections_accepted{${nj}}`, values: '0+10x40' },
            { series: `nginx_connections_handled{${nj}}`, values: '0+10x40' },
          ],
          alert_rule_test: [{ eval_time: '8m', alertname: 'NginxUpstreamErrors', exp_alerts: [] }],
        },
        {
          interval: '15s',
          input_series: [
            { series: `nginx_up{${nj}}`, values: '1x40' },
            { series: `nginx_connections_accepted{${nj}}`, values: '0+10x40' },
            { series: `nginx_connections_handled{${nj}}`, values: '0+8x40' },
          ],
          alert_rule_test: [{ eval_time: '8m', alertname: 'NginxUpstreamErrors', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'nginx-exporter', instance: 'nginx-exporter:9113' } }] }],
        },
        {
          interval: '15s',
          input_series: [{ series: `nginx_up{${nj}}`, values: '0x40' }],
          alert_rule_test: [
            { eval_time: '8m', alertname: 'NginxUpstreamErrors', exp_alerts: [{ exp_labels: { severity: 'warning', job: 'nginx-exporter', instance: 'nginx-exporter:9113' } }] },
          ],
        },
      ]);
      expect(r.ok, r.output).toBe(true);
    });
  });
});
