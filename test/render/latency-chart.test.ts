/** CAPACITY.md's p99-against-RPS chart: only with a service profile, drawn from the model. */
import { describe, expect, it } from 'vitest';
import { predict, saturationRps } from '../../lib/capacity/queueing.js';
import type { ResolvedBackend } from '../../lib/model/backend.js';
import { latencyChart } from '../../lib/render/latency-chart.js';

const profile = { p99Ms: 250, appMs: 8, dbMs: 30, appCv: 1, dbCv: 1 };
const backend = (withProfile: boolean, pool = true) =>
  ({
    replicas: 4,
    workers: 2,
    ...(pool ? { pool: { size: 4, maxOverflow: 0 } } : {}),
    load: { expectedRps: 800, rpsPerReplica: 100, requiredReplicas: 9, ...(withProfile ? { profile } : {}) },
  }) as unknown as ResolvedBackend;

const series = (lines: string[], kind: string) => lines.filter((l) => l.trimStart().startsWith(`${kind} [`)).map((l) => l.slice(l.indexOf('[') + 1, -1).split(', ').map(Number));

describe('latencyChart', () => {
  it('draws nothing without a service profile or a pool (other CAPACITY.md files keep their bytes)', () => {
    expect(latencyChart(backend(false), 'api')).toEqual([]);
    expect(latencyChart(backend(true, false), 'api')).toEqual([]);
  });

  it('plots the model from 0 to saturation, the objective flat, saturation as the last bar', () => {
    const lines = latencyChart(backend(true), 'api');
    expect(lines).toContain('```mermaid');
    expect(lines).toContain('xychart-beta');
    const x = lines.find((l) => l.includes('x-axis'))!;
    const xs = x.slice(x.indexOf('[') + 1, -1).split(', ').map(Number);
    const shape = { replicas: 4, workers: 2, pool: 4 };
    expect(xs.at(-1)).toBe(Math.ceil(saturationRps(shape, profile)));
    const [p99, objective] = series(lines, 'line');
    const [bar] = series(lines, 'bar');
    xs.slice(0, -1).forEach((rps, i) => expect(p99![i]).toBe(Math.min(750, Math.round(predict(shape, profile, rps).p99Ms))));
    for (let i = 1; i < p99!.length; i++) expect(p99![i]).toBeGreaterThanOrEqual(p99![i - 1]!);
    expect(new Set(objective)).toEqual(new Set([250]));
    expect(bar!.slice(0, -1).every((v) => v === 0)).toBe(true);
    expect(bar!.at(-1)).toBe(750);
  });
});
