/**
 * Reads a compose stack through the Docker API: its containers by their compose labels
 * (`com.docker.compose.project`, `com.docker.compose.service`), and per service how many
 * run, how many are healthy, and how many exist.
 */
import { ConfigError } from '../../errors.js';
import type { DockerApi } from './docker-api.js';
import type { ComposeFacts, ServiceCount } from './facts.js';

/** The compose labels docker compose (v1 and v2) puts on every container. */
export const PROJECT_LABEL = 'com.docker.compose.project';
export const SERVICE_LABEL = 'com.docker.compose.service';

/**
 * The project's containers of `services`, counted per service. Without `project`, the one
 * project running any of `services` is used; several are a usage error naming them.
 */
export async function readCompose(api: DockerApi, services: readonly string[], project?: string): Promise<ComposeFacts> {
  const all = await api.containers(project === undefined ? [SERVICE_LABEL] : [`${PROJECT_LABEL}=${project}`]);
  const ours = all.filter((c) => services.includes(c.Labels?.[SERVICE_LABEL] ?? ''));
  const projects = [...new Set(ours.map((c) => c.Labels?.[PROJECT_LABEL] ?? ''))].sort();
  if (project === undefined && projects.length > 1) {
    throw new ConfigError([{ code: 'SO-CONFIG-USAGE', path: '--project', message: `containers of this stack's services run in ${projects.length} compose projects (${projects.join(', ')}); choose one with --project NAME` }]);
  }
  const name = project ?? projects[0] ?? '';
  const counts = new Map<string, { running: number; healthy: number; total: number }>(services.map((s) => [s, { running: 0, healthy: 0, total: 0 }]));
  for (const c of ours) {
    const n = counts.get(c.Labels![SERVICE_LABEL]!)!;
    n.total++;
    if (c.State !== 'running') continue;
    n.running++;
    const health = (await api.inspect(c.Id)).State?.Health?.Status;
    if (health === 'healthy') n.healthy++;
  }
  const list: ServiceCount[] = [...counts].map(([service, n]) => ({ service, ...n })).sort((a, b) => (a.service < b.service ? -1 : 1));
  return { project: name, services: list };
}

/** A running container of `service` in `project`, to run the Postgres queries in. */
export async function runningContainer(api: DockerApi, project: string, service: string): Promise<string | undefined> {
  const list = await api.containers([`${PROJECT_LABEL}=${project}`, `${SERVICE_LABEL}=${service}`]);
  return list.filter((c) => c.State === 'running').map((c) => c.Id).sort()[0];
}
