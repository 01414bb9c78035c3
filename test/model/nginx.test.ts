import { describe, expect, it } from 'vitest';
import { ConfigError, Nginx, Stack, type NginxConstructProps } from '../../lib/index.js';

function nginx(props: NginxConstructProps = {}): Nginx {
  return new Nginx(new Stack(undefined, 'uns'), 'nginx', props);
}

describe('Nginx version', () => {
  it.each([
    ['nginx:1.28.0-alpine', [1, 28, 0]],
    ['nginx:1.27.3', [1, 27, 3]],
    ['nginx:1.22', [1, 22, 0]],
    ['registry.local:5000/mirror/nginx:1.25.4-bookworm', [1, 25, 4]],
  ])('reads %s as %j', (image, version) => {
    expect(nginx({ image }).resolve('dev').version).toEqual(version);
  });

  it('defaults to the default image’s version, 1.28.0', () => {
    const n = nginx().resolve('dev');
    expect(n.image).toBe('nginx:1.28.0-alpine');
    expect(n.version).toEqual([1, 28, 0]);
  });

  it('prefers an explicit version over the tag', () => {
    expect(nginx({ image: 'nginx:1.28.0', version: '1.22' }).resolve('dev').version).toEqual([1, 22, 0]);
  });

  it.each(['nginx:mainline', 'nginx', 'nginx@sha256:' + 'a'.repeat(64)])(
    'refuses %s without a version, naming the fix',
    (image) => {
      const n = nginx({ image });
      expect(() => n.resolve('dev')).toThrow(ConfigError);
      expect(() => n.resolve('dev')).toThrow(
        `[uns/nginx] (profile dev) version: cannot tell the nginx version from image '${image}'; set nginx.version, e.g. '1.22'`,
      );
    },
  );

  it('accepts an untaggable image once the version is set', () => {
    expect(nginx({ image: 'nginx:mainline', version: '1.27.3' }).resolve('dev').version).toEqual([1, 27, 3]);
  });

  it('an untaggable image in one profile fails only that profile', () => {
    // GIVEN
    const n = nginx({ profiles: { prod: { image: 'nginx:stable' } } });
    // THEN
    expect(n.resolve('dev').version).toEqual([1, 28, 0]);
    expect(() => n.resolve('prod')).toThrow('[uns/nginx] (profile prod) version:');
  });

  it('refuses a malformed version in the constructor', () => {
    expect(() => nginx({ version: '1.x' })).toThrowErrorMatchingInlineSnapshot(
      `[ConfigError: [uns/nginx] version: nginx.version looks like '1.22' or '1.27.3']`,
    );
  });
});

describe('Nginx props', () => {
  it('refuses an unknown algorithm with a did-you-mean', () => {
    expect(() => nginx({ algorithm: 'least_con' as 'least_conn' })).toThrow(
      "[uns/nginx] algorithm: 'least_con' is not one of round_robin | least_conn | ip_hash | hash; did you mean 'least_conn'?",
    );
  });

  it('refuses worker_connections 0 and accepts workerProcesses auto or a count', () => {
    expect(() => nginx({ workerConnections: 0 })).toThrow('[uns/nginx] workerConnections: 0 is out of range');
    expect(nginx({ workerProcesses: 4 }).resolve('dev').workerProcesses).toBe(4);
  });

  it('defaults TLS to port 443', () => {
    const n = nginx({ tls: { certificateSecret: 'tls_crt', keySecret: 'tls_key' } }).resolve('dev');
    expect(n.tls).toEqual({ certificateSecret: 'tls_crt', keySecret: 'tls_key', port: 443 });
  });
});
