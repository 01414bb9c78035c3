/** The monitored example's compose output under real promtool and `docker-compose config -q` (tools tier). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../lib/cli/config.js';
import { synthCompose, writeOutput } from '../../../lib/targets/compose/index.js';
import { promtool } from '../../helpers/promtool.js';
import { run } from '../../helpers/run.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', '..', 'examples', 'monitored', 'scaleout.yaml');

describe('compose target: Monitoring', () => {
  const { files } = synthCompose(loadConfigFile(EXAMPLE));

  it('every rendered Prometheus file passes promtool check config and check rules', () => {
    for (const dir of ['prometheus', 'prometheus-prod', 'prometheus-e2e']) {
      const config = files.get(`${dir}/prometheus.yml`)!.replace('/etc/prometheus/alerts.yml', 'alerts.yml');
      const rules = files.get(`${dir}/alerts.yml`)!;
      const c = promtool(['check', 'config', 'prometheus.yml'], { 'prometheus.yml': config, 'alerts.yml': rules });
      expect(c.ok, c.output).toBe(true);
      const r = promtool(['check', 'rules', 'alerts.yml'], { 'alerts.yml': rules });
      expect(r.ok, r.output).toBe(true);
    }
  });

  it('passes docker-compose config -q in every profile', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'scaleout-monitoring-')), 'out');
    writeOutput(dir, files);
    for (const profile of ['dev', 'prod', 'e2e']) {
      const r = run('docker-compose', ['-f', join(dir, 'docker-compose.yml'), '--profile', profile, 'config', '-q']);
      expect(r.output, profile).toBe('');
      expect(r.code, profile).toBe(0);
    }
  });
});
