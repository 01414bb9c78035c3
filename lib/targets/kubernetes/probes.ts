import type { ResolvedHealthcheck } from '../../model/common.js';

/** A probe as Kubernetes spells it (the fields we set). */
export interface ProbeSpec {
  readonly httpGet?: { readonly path: string; readonly port: number };
  readonly exec?: { readonly command: readonly string[] };
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold: 1;
}

/** Probes mapped from one compose-style healthcheck. */
export interface MappedProbes {
  readonly readiness: ProbeSpec;
  readonly startup: ProbeSpec;
  readonly liveness?: ProbeSpec;
}

/** Drops compose's `CMD`/`CMD-SHELL` marker: Kubernetes exec takes the argv itself. */
function execOf(command: readonly string[]): readonly string[] {
  if (command[0] === 'CMD') return command.slice(1);
  if (command[0] === 'CMD-SHELL') return ['sh', '-c', command.slice(1).join(' ')];
  return command;
}

/**
 * Maps a healthcheck faithfully (capacity-facts §7.2):
 * - readiness: period = interval, timeout = timeout, failureThreshold = retries — the
 *   gating role compose's healthcheck has;
 * - startup: failureThreshold = ceil(startPeriod / period) + retries, so a container gets
 *   Docker's worst case: never healthy during start_period, then `retries` failures;
 * - liveness only when asked: Docker never restarts an unhealthy container.
 * `timeoutSeconds` is always set: Docker's default is 30 s, Kubernetes' is 1 s.
 */
export function mapProbes(h: ResolvedHealthcheck & { readonly liveness?: boolean }): MappedProbes {
  const periodSeconds = Math.max(1, h.interval.toSeconds());
  const timeoutSeconds = Math.max(1, h.timeout.toSeconds());
  const action = h.httpPath !== undefined ? { httpGet: { path: h.httpPath, port: h.port } } : { exec: { command: execOf(h.command) } };
  const readiness: ProbeSpec = { ...action, periodSeconds, timeoutSeconds, failureThreshold: h.retries, successThreshold: 1 };
  const startup: ProbeSpec = {
    ...readiness,
    failureThreshold: Math.ceil(h.startPeriod.milliseconds / (periodSeconds * 1000)) + h.retries,
  };
  return { readiness, startup, ...(h.liveness ? { liveness: readiness } : {}) };
}
