import { describe, expect, it } from 'vitest';
import { Backend, Nginx, Stack } from '../../lib/model/index.js';
import { renderNginxConf, type NginxRenderOptions } from '../../lib/render/nginx-conf.js';

const COMPOSE: NginxRenderOptions = { stackName: 'uns', upstreamHost: (b) => b.id, resolver: '127.0.0.11' };

function render(opts: Partial<NginxRenderOptions> = {}, tls = false): string {
  const stack = new Stack(undefined, 'uns');
  const b = new Backend(stack, 'backend', { image: 'ghcr.io/acme/api:1.0.0' }).resolve('dev');
  const n = new Nginx(stack, 'nginx', { version: '1.22', ...(tls ? { tls: { certificateSecret: 'c', keySecret: 'k' } } : {}) }).resolve('dev');
  return renderNginxConf(n, [b], { ...COMPOSE, ...opts });
}

describe('stub_status for the nginx exporter', () => {
  it('is absent without a stubStatusPort: output unchanged', () => {
    expect(render()).not.toContain('stub_status');
    expect(render({ stubStatusPort: undefined })).toBe(render());
  });

  it('adds a server of its own on the status port, after the others', () => {
    const conf = render({ stubStatusPort: 8081 });
    expect(conf.startsWith(render().slice(0, render().lastIndexOf('}')))).toBe(true);
    expect(conf.slice(render().lastIndexOf('}') - 1)).toMatchInlineSnapshot(`
      "

          server {
              listen 8081;
              server_name _;

              location = /stub_status {
                  stub_status;
                  access_log off;
              }
          }
      }
      "
    `);
  });

});
