import type { ResolvedHealthcheck } from '../../model/common.js';

/** A probe as Kubernetes spells it (the fields we set). */
export interface ProbeSpec {
  /** An HTTP GET probe, when the healthcheck has an HTTP path. */
  readonly httpGet?: {
    /** Path requested. */
    readonly path: string;
    /** Container port requested. */
    readonly port: number;
  };
  /** An exec probe, otherwise. */
  readonly exec?: {
    /** The argv run in the container. */
    readonly command: readonly string[];
  };
  /** Seconds between probes. */
  readonly periodSeconds: number;
  /** Seconds one probe may take (always set: Kubernetes' default is 1 s, Docker's 30 s). */
  readonly timeoutSeconds: number;
  /** Consecutive failures before the probe fails. */
  readonly failureThreshold: number;
  /** One success marks the container healthy again. */
  readonly successThreshold: 1;
}

/** Probes mapped from one compose-style healthcheck. */
export interface MappedProbes {
  /** Gates traffic, the role compose's healthcheck has. */
  readonly readiness: ProbeSpec;
  /** Covers the start period: Docker's worst case before a container counts as unhealthy. */
  readonly startup: ProbeSpec;
  /** Restarts a failing container; only when the healthcheck asks for it. */
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
