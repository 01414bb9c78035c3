/**
 * What a worker tier (`kind: worker`) may not set: it has no HTTP side, so nothing routes to
 * it, no Service endpoint has to drain before it stops, and its health is an exec command. Used by the backend schema (exit 2 at config time).
 */
import type { z } from 'zod';

/** The HTTP-only props of a backend (those of a pod behind a Service), and why a worker has none of them. */
const HTTP_ONLY = {
  port: 'a worker serves no HTTP; remove port (set metricsPort if it serves /metrics)',
  routes: 'nginx routes nothing to a worker; remove routes or set kind: web',
  keepAliveTimeout: 'a worker serves no HTTP keep-alive; remove keepAliveTimeout',
  hostPort: 'a worker publishes no port; remove hostPort',
  preStopDelay:
    'a worker is behind no Service, so no endpoint removal needs waiting for; remove preStopDelay (its pods get no preStop hook and the default 30 s to shut down)',
} as const;

/** The fields {@link checkKind} reads. */
interface KindFields {
  readonly kind?: 'web' | 'worker' | undefined;
  readonly metricsPort?: number | undefined;
  readonly port?: number | undefined;
  readonly healthcheck?: { readonly path?: string | undefined; readonly command?: readonly string[] | undefined } | undefined;
}

/** Issues for props that contradict the backend's kind. */
export function checkKind(b: KindFields & Record<string, unknown>, ctx: z.core.$RefinementCtx): void {
  if (b.kind !== 'worker') {
    if (b.metricsPort !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['metricsPort'],
        input: b.metricsPort,
        message: `metricsPort is for kind: worker; a web backend is scraped on its port (${b.port ?? 8000}); remove metricsPort`,
      });
    }
    return;
  }
  for (const [key, fix] of Object.entries(HTTP_ONLY)) {
    if (b[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], input: b[key], message: fix });
  }
  const hc = b.healthcheck;
  if (hc && hc.path !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['healthcheck', 'path'], input: hc.path, message: 'a worker has no HTTP path to probe; remove healthcheck.path and set healthcheck.command' });
  }
  if (hc && hc.command === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['healthcheck', 'command'],
      input: hc,
      message: 'a worker is probed by an exec command; set healthcheck.command, e.g. [CMD, python3, -m, app.worker, --check]',
    });
  }
}
