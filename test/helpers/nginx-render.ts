/** nginx.conf renders through the real constructs, shared by the unit and tools tiers. */
import { Backend, Nginx, Stack, type Algorithm, type BackendProps, type NginxProps } from '../../lib/model/index.js';
import { renderNginxConf, type NginxRenderOptions } from '../../lib/render/nginx-conf.js';

export const COMPOSE: NginxRenderOptions = { stackName: 'uns', upstreamHost: (b) => b.id, resolver: '127.0.0.11' };

/** Renders through the real constructs, profile `dev`. */
export function render(
  nginx: NginxProps = {},
  backends: Record<string, Partial<BackendProps>> = { backend: {} },
  opts: Partial<NginxRenderOptions> = {},
): string {
  const stack = new Stack(undefined, 'uns');
  const bs = Object.entries(backends).map(([id, p]) =>
    new Backend(stack, id, { image: 'ghcr.io/acme/api:1.0.0', ...p }).resolve('dev'),
  );
  const n = new Nginx(stack, 'nginx', { version: '1.22', ...nginx }).resolve('dev');
  return renderNginxConf(n, bs, { ...COMPOSE, ...opts });
}

export const lines = (conf: string) => conf.split('\n').map((l) => l.trim());
export const ALGORITHMS: Algorithm[] = ['round_robin', 'least_conn', 'ip_hash', 'hash'];
