import { upstreamKeepalive } from '../capacity/nginx-budget.js';
import type { ResolvedBackend } from '../model/backend.js';
import { versionAtLeast, type Version } from '../model/image.js';
import type { ResolvedNginx } from '../model/nginx.js';

/** How a target places nginx: where backends, the resolver and secrets are. */
export interface NginxRenderOptions {
  /** Stack name, for the header comment. */
  readonly stackName: string;
  /** DNS name (without port) nginx uses to reach a backend tier. Compose passes the backend id (a network alias). */
  readonly upstreamHost: (b: ResolvedBackend) => string;
  /**
   * Resolver address for runtime re-resolution (compose: '127.0.0.11'). Only used when the
   * version supports `resolve` (>= 1.27.3).
   *
   * @default - no resolver
   */
  readonly resolver?: string;
  /**
   * Path where a secret named `name` is mounted.
   *
   * @default (name) => `/run/secrets/${name}`
   */
  readonly secretPath?: (name: string) => string;
  /**
   * Explicit `host:port` servers of a backend, one `server` line each, instead of one DNS
   * name. For placements without service DNS, such as replicas on loopback ports.
   *
   * @default - one server, `upstreamHost(b):b.port`
   */
  readonly servers?: (b: ResolvedBackend) => readonly string[];
  /**
   * Port nginx listens on for HTTP inside its container.
   *
   * @default nginx.port
   */
  readonly listenPort?: number;
  /**
   * Port nginx listens on for HTTPS inside its container.
   *
   * @default nginx.tls.port
   */
  readonly tlsListenPort?: number;
  /**
   * Port of a separate server answering `/stub_status` for the nginx Prometheus exporter.
   * Set only when the stack has Monitoring; the port is never published.
   *
   * @default - no stub_status server
   */
  readonly stubStatusPort?: number;
}

/** true when this nginx version supports `server ... resolve` in open-source nginx (>= 1.27.3) */
export function supportsResolve(v: Version): boolean {
  return versionAtLeast(v, [1, 27, 3]);
}

/** true when proxy_http_version 1.1 + Connection "" must be emitted for upstream keepalive (versions < 1.29.7) */
export function needsKeepaliveHeaders(v: Version): boolean {
  return !versionAtLeast(v, [1, 29, 7]);
}

/** true when the upstream block takes `keepalive_time` (1.19.10+). */
export function supportsKeepaliveTime(v: Version): boolean {
  return versionAtLeast(v, [1, 19, 10]);
}

/**
 * Access-log buffer: each flush is one write(2) of at most this many bytes. Several workers
 * share one stdout pipe, and Linux keeps a pipe write whole only up to PIPE_BUF (4096).
 */
export const ACCESS_LOG_BUFFER = 4096;

/**
 * Quotes an argument only when nginx would otherwise split or end the directive on it, or
 * (`#`) read the rest of the line as a comment.
 */
function arg(s: string): string {
  return /[\s;{}"'\\#]/.test(s) || s === '' ? `"${s.replace(/["\\]/g, '\\$&')}"` : s;
}

/** Indents every line of `lines` by `depth` levels of 4 spaces. */
function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '    '.repeat(depth);
  return lines.map((l) => (l === '' ? l : pad + l));
}

function block(head: string, body: readonly string[]): string[] {
  return [`${head} {`, ...indent(body), '}'];
}

function balancing(n: ResolvedNginx): string[] {
  switch (n.algorithm) {
    case 'round_robin':
      return [];
    case 'least_conn':
      return ['least_conn;'];
    case 'ip_hash':
      return ['ip_hash;'];
    case 'hash':
      return [`hash ${arg(n.hashKey)}${n.hashConsistent ? ' consistent' : ''};`];
  }
}

function upstream(n: ResolvedNginx, b: ResolvedBackend, opts: NginxRenderOptions, resolve: boolean): string[] {
  const keepalive = upstreamKeepalive(n, b).keepalive;
  return block(`upstream ${b.id}`, [
    // Shared memory: least_conn counts and max_fails state are per worker without it, and
    // `resolve` refuses to work without it.
    `zone ${b.id} 64k;`,
    // Before 1.29.7 the method must precede `keepalive`, or keepalive wraps round-robin.
    ...balancing(n),
    ...(opts.servers?.(b) ?? [`${opts.upstreamHost(b)}:${b.port}`]).map(
      (s) => `server ${s}${resolve ? ' resolve' : ''} max_fails=${n.maxFails} fail_timeout=${n.failTimeout};`,
    ),
    ...(keepalive > 0
      ? [
          `keepalive ${keepalive};`,
          `keepalive_requests ${n.keepaliveRequests};`,
          ...(supportsKeepaliveTime(n.version) ? [`keepalive_time ${n.keepaliveTime};`] : []),
          `keepalive_timeout ${n.keepaliveTimeout};`,
        ]
      : []),
  ]);
}

/** The body of one proxied location; shared by the HTTP and the TLS server. */
function proxiedLocation(n: ResolvedNginx, b: ResolvedBackend, route: string): string[] {
  return block(`location ${route}`, [
    `proxy_pass http://${b.id};`,
    ...(upstreamKeepalive(n, b).keepalive > 0 && needsKeepaliveHeaders(n.version)
      ? ['proxy_http_version 1.1;', 'proxy_set_header Connection "";']
      : []),
    // Any proxy_set_header here drops every inherited one, so all of them live together.
    'proxy_set_header Host $host;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
    // Idempotent failover only: without `non_idempotent`, a sent POST is never replayed.
    'proxy_next_upstream error timeout http_502 http_503 http_504;',
    `proxy_next_upstream_tries ${n.nextUpstreamTries};`,
    ...(n.upstreamAddrHeader ? ['add_header X-Upstream-Addr $upstream_addr always;'] : []),
  ]);
}

const HEALTH = block('location = /nginx-health', ['access_log off;', 'return 200 "ok\\n";']);

/** Renders nginx.conf for `nginx.version`: same input, same bytes. */
export function renderNginxConf(
  nginx: ResolvedNginx,
  all: readonly ResolvedBackend[],
  opts: NginxRenderOptions,
): string {
  const n = nginx;
  // Workers have no HTTP side: no upstream, no location.
  const backends = all.filter((b) => b.kind === 'web');
  const resolve = supportsResolve(n.version) && opts.resolver !== undefined;
  const secretPath = opts.secretPath ?? ((name: string) => `/run/secrets/${name}`);
  const listenPort = opts.listenPort ?? n.port;

  const locations = backends.flatMap((b) => b.routes.flatMap((r) => ['', ...proxiedLocation(n, b, r)]));
  const servers: string[][] = [];
  if (n.tls) {
    servers.push(
      block('server', [
        `listen ${listenPort};`,
        'server_name _;',
        '',
        ...HEALTH,
        '',
        ...block('location /', ['return 301 https://$host$request_uri;']),
      ]),
      block('server', [
        `listen ${opts.tlsListenPort ?? n.tls.port} ssl;`,
        'server_name _;',
        `ssl_certificate ${arg(secretPath(n.tls.certificateSecret))};`,
        `ssl_certificate_key ${arg(secretPath(n.tls.keySecret))};`,
        'ssl_protocols TLSv1.2 TLSv1.3;',
        ...locations,
      ]),
    );
  } else {
    servers.push(block('server', [`listen ${listenPort};`, 'server_name _;', '', ...HEALTH, ...locations]));
  }
  if (opts.stubStatusPort !== undefined) {
    // Connection counters for the nginx Prometheus exporter, on a port of their own.
    servers.push(
      block('server', [
        `listen ${opts.stubStatusPort};`,
        'server_name _;',
        '',
        ...block('location = /stub_status', ['stub_status;', 'access_log off;']),
      ]),
    );
  }

  const http = [
    'default_type application/octet-stream;',
    'server_tokens off;',
    '',
    'client_body_temp_path /tmp/client_temp;',
    'proxy_temp_path /tmp/proxy_temp;',
    'fastcgi_temp_path /tmp/fastcgi_temp;',
    'uwsgi_temp_path /tmp/uwsgi_temp;',
    'scgi_temp_path /tmp/scgi_temp;',
    '',
    `log_format scaleout '$remote_addr [$time_local] "$request" $status $body_bytes_sent upstream=$upstream_addr rt=$request_time';`,
    // Buffered: an unbuffered log costs a write(2) per request. A 4k buffer keeps each
    // flush one atomic pipe write, so lines from several workers never interleave.
    `access_log /dev/stdout scaleout buffer=${ACCESS_LOG_BUFFER / 1024}k flush=1s;`,
    // Re-resolve backend names as replicas come and go; short validity so scaling shows fast.
    ...(resolve ? ['', `resolver ${opts.resolver} valid=5s ipv6=off;`] : []),
    ...backends.flatMap((b) => ['', ...upstream(n, b, opts, resolve)]),
    ...servers.flatMap((s) => ['', ...s]),
  ];

  const lines = [
    `# Generated by scaleout for stack '${opts.stackName}'. Edit the model, not this file.`,
    `# Rendered for nginx ${n.version.join('.')}.`,
    '',
    `worker_processes ${n.workerProcesses};`,
    '# Runtime files go to /tmp: the same file must run in the official image, the unprivileged',
    '# image (which can only write /tmp), a Debian nginx, and under `nginx -t` in tests.',
    'pid /tmp/nginx.pid;',
    'error_log stderr warn;',
    '',
    ...block('events', [`worker_connections ${n.workerConnections};`]),
    '',
    ...block('http', http),
  ];
  return lines.join('\n') + '\n';
}
