/**
 * A Mermaid `xychart-beta` for CAPACITY.md: a backend's predicted p99 against the arrival
 * rate for the shape it runs, with the objective and the saturation point as extra series.
 * Only for a backend whose `load` carries a service profile (docs/PLANNER.md).
 */
import { maxRpsWithin, predict, saturationRps, type Shape } from '../capacity/queueing.js';
import type { ResolvedBackend } from '../model/backend.js';
import type { ServiceProfile } from '../model/load.js';

/** Points on the rate axis, saturation excluded. */
const STEPS = 10;

/** The chart's lines (a fenced `mermaid` block), or none when the backend has no service profile or no pool. */
export function latencyChart(backend: ResolvedBackend, label: string): string[] {
  const profile = backend.load?.profile;
  if (!profile || !backend.pool) return [];
  const shape: Shape = { replicas: backend.replicas, workers: backend.workers, pool: backend.pool.size + backend.pool.maxOverflow };
  return chartLines(label, shape, profile, backend.load!.expectedRps);
}

function chartLines(label: string, shape: Shape, profile: ServiceProfile, expectedRps: number): string[] {
  const saturation = saturationRps(shape, profile);
  const top = Math.ceil(saturation);
  const xs = [...Array.from({ length: STEPS }, (_, i) => Math.round((top * i) / STEPS)), top];
  // Past the objective the curve climbs to infinity; the axis stops at three times it.
  const yMax = 3 * profile.p99Ms;
  const p99 = xs.map((x, i) => (i === xs.length - 1 ? yMax : Math.min(yMax, Math.round(predict(shape, profile, x).p99Ms))));
  const within = Math.floor(maxRpsWithin(shape, profile, profile.p99Ms));
  return [
    `Predicted p99 of ${label} against the arrival rate (${shape.replicas} replicas × ${shape.workers} workers × pool ${shape.pool}; appTime ${profile.appMs}ms, dbTime ${profile.dbMs}ms): ` +
      `within the ${profile.p99Ms}ms objective up to ${within} RPS (load: ${expectedRps} RPS); saturates at ${Math.floor(saturation)} RPS. ` +
      'Lines: predicted p99, the objective; bar: saturation.',
    '',
    '```mermaid',
    'xychart-beta',
    `    title "${label}: predicted p99 (ms) vs RPS"`,
    `    x-axis "requests per second" [${xs.join(', ')}]`,
    `    y-axis "p99 (ms)" 0 --> ${yMax}`,
    `    line [${p99.join(', ')}]`,
    `    line [${xs.map(() => profile.p99Ms).join(', ')}]`,
    `    bar [${xs.map((_, i) => (i === xs.length - 1 ? yMax : 0)).join(', ')}]`,
    '```',
    '',
  ];
}
