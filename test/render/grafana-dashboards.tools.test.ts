/** Every Grafana panel query under real promtool (tools tier). */
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { allDashboards } from '../helpers/dashboards.js';
import { promtool } from '../helpers/promtool.js';

describe('Grafana dashboards', () => {
  const dashboards = allDashboards();

  it('every panel query parses (promtool check rules, each wrapped as a recording rule)', () => {
    const exprs = [...new Set(dashboards.flatMap(({ d }) => d.panels.flatMap((p) => p.targets.map((t) => t.expr))))];
    const rules = stringify({ groups: [{ name: 'panels', rules: exprs.map((expr, i) => ({ record: `scaleout:panel_${i}`, expr })) }] });
    const r = promtool(['check', 'rules', 'panels.yml'], { 'panels.yml': rules });
    expect(r.output).toContain(`SUCCESS: ${exprs.length} rules found`);
    expect(r.ok, r.output).toBe(true);
  });
});
