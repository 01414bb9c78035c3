/**
 * A real Prometheus (Debian's 2.42) runs the scrape config and alert rules the library
 * renders, against the running native stack: every replica is a series of `up`, and a
 * killed replica makes BackendInstanceDown pending or firing. The stack's monitoring uses a
 * 1s scrape interval and a 5s `for:`, as the monitored example's test-only e2e profile does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Monitoring } from '../../lib/index.js';
import { renderAlertRules } from '../../lib/render/alert-rules.js';
import { renderPrometheusConfig } from '../../lib/render/prometheus-config.js';
import { stackPerTest } from './lifecycle.js';
import { freePorts, requireBinary, spawnGroup, waitFor } from './processes.js';
import { e2eModel } from './stacks.js';

const PROMETHEUS_BIN = process.env['PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';

const stacks = stackPerTest();

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function api<T>(port: number, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3_000) });
  const body = (await res.json()) as { status: string; data: T };
  if (body.status !== 'success') throw new Error(`prometheus ${path}: ${JSON.stringify(body)}`);
  return body.data;
}

describe('Prometheus scrapes the running stack', () => {
  it('sees one up series per replica, and fires BackendInstanceDown for a killed replica', async () => {
    requireBinary(PROMETHEUS_BIN, 'apt-get install -y prometheus');
    // GIVEN the e2e stack with monitoring: 3 replicas, a 1s scrape and a 5s `for:`
    const model = e2eModel();
    // The production-like defaults (15s scrape, 1m for:) with a test-only profile override.
    new Monitoring(model.stack, 'monitoring', {
      profiles: { dev: { prometheus: { scrapeInterval: '1s' }, alerts: { backendDownFor: '5s' } } },
    });
    const h = await stacks.start(model.stack);
    const ctx = h.context;
    const home = join(h.dir, 'prometheus');
    mkdirSync(join(home, 'data'), { recursive: true });
    const rules = join(home, 'alerts.yml');
    writeFileSync(rules, renderAlertRules(ctx, 'e2e'));
    const config = join(home, 'prometheus.yml');
    const [port, unused] = await freePorts(2);
    writeFileSync(
      config,
      renderPrometheusConfig(ctx, {
        stackName: 'e2e',
        rulesFile: rules,
        // No service DNS on loopback: the replicas' own ports.
        discovery: { kind: 'static', targets: (b) => h.replicas.filter((r) => r.backend === b.id).map((r) => `127.0.0.1:${r.port}`) },
        // The exporters are not part of this tier; their jobs point at a closed port.
        exporterTarget: () => `127.0.0.1:${unused}`,
      }),
    );
    const group = spawnGroup(
      'prometheus',
      PROMETHEUS_BIN,
      [`--config.file=${config}`, `--storage.tsdb.path=${join(home, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      join(home, 'prometheus.log'),
    );
    h.adopt(group);
    const backend = ctx.backends[0]!;
    const upQuery = `/api/v1/query?query=${encodeURIComponent(`up{job="${backend.id}"}`)}`;

    // THEN every replica is a target, and up
    const up = await waitFor(
      'prometheus scraped every replica',
      async () => {
        const r = await api<{ result: Sample[] }>(port!, upQuery).catch(() => undefined);
        return r && r.result.length === backend.replicas && r.result.every((s) => s.value[1] === '1') ? r.result : undefined;
      },
      30_000,
      group,
    );
    expect(up.map((s) => s.metric['instance']).sort()).toEqual(h.replicas.map((r) => `127.0.0.1:${r.port}`).sort());
    // the backend's pool gauges, which the dashboards and capacity alerts read, are there per replica
    for (const metric of ['backend_db_pool_checked_out', 'backend_db_pool_overflow', 'http_requests_total']) {
      const q = `/api/v1/query?query=${encodeURIComponent(`count(${metric}{job="${backend.id}"}) by (instance)`)}`;
      const series = await api<{ result: Sample[] }>(port!, q);
      expect(series.result.length, metric).toBe(backend.replicas);
    }

    // WHEN one replica dies
    const victim = h.replicas[0]!;
    await h.killReplica(victim);

    // THEN BackendInstanceDown goes pending, then firing after `for: 5s`, for that instance
    const seen = new Set<string>();
    await waitFor(
      'BackendInstanceDown firing',
      async () => {
        const { alerts } = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>(port!, '/api/v1/alerts');
        const mine = alerts.filter((a) => a.labels['alertname'] === 'BackendInstanceDown' && a.labels['instance'] === `127.0.0.1:${victim.port}`);
        for (const a of mine) seen.add(a.state);
        return mine.some((a) => a.state === 'firing') ? true : undefined;
      },
      30_000,
      group,
    );
    expect(seen.has('firing')).toBe(true);
    // no alert for the replicas still up
    const { alerts } = await api<{ alerts: { labels: Record<string, string> }[] }>(port!, '/api/v1/alerts');
    const down = alerts.filter((a) => a.labels['alertname'] === 'BackendInstanceDown').map((a) => a.labels['instance']);
    expect(down).toEqual([`127.0.0.1:${victim.port}`]);
  }, 120_000);
});
