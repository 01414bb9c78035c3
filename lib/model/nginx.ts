import type { Construct } from 'constructs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { Duration } from '../units/index.js';
import type { DeepPartial, ResolvedResources, ResourcesProps } from './common.js';
import { parseVersion, tagVersion, type Version } from './image.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';
import { count, durationSchema, portSchema, resourcesSchema, secretName, suppressionsSchema, imageRef } from './schema-kit.js';
import { DEFAULT_IMAGES } from './default-images.js';

/** Load-balancing methods, as the seed lists them. */
/**
 * The ports nginx listens on inside a Kubernetes pod (unprivileged, as the image runs as a
 * user); its other listeners must not take them.
 */
export const KUBERNETES_NGINX_PORTS: readonly number[] = [8080, 8443];

export type Algorithm = 'round_robin' | 'least_conn' | 'ip_hash' | 'hash';

/** TLS termination with a certificate from secrets. */
export interface TlsProps {
  /** Secret holding the PEM certificate chain. */
  readonly certificateSecret: string;
  /** Secret holding the PEM private key. */
  readonly keySecret: string;
  /**
   * HTTPS port.
   *
   * @default 443
   */
  readonly port?: number;
}

/** Props of the {@link Nginx} load balancer. */
export interface NginxProps {
  /**
   * Image reference.
   *
   * @default 'nginx:1.28.0-alpine'
   */
  readonly image?: string;
  /**
   * nginx version the config is rendered for (`resolve` needs 1.27.3+).
   *
   * @default - read from the image tag
   */
  readonly version?: string;
  /**
   * Balancing method.
   *
   * @default 'round_robin'
   */
  readonly algorithm?: Algorithm;
  /**
   * Key for `hash`.
   *
   * @default '$request_uri'
   */
  readonly hashKey?: string;
  /**
   * Ketama consistent hashing for `hash`.
   *
   * @default true
   */
  readonly hashConsistent?: boolean;
  /**
   * Failed attempts within failTimeout before a server is marked down.
   *
   * @default 1 (nginx's default)
   */
  readonly maxFails?: number;
  /**
   * Window for maxFails and the time a failed server stays down.
   *
   * @default '10s' (nginx's default)
   */
  readonly failTimeout?: string;
  /**
   * Idle upstream connections cached per worker process and upstream; 0 turns keepalive
   * off. Too small a cache makes nginx close and reopen upstream connections under load.
   *
   * @default - sized per upstream from the concurrency the model implies: ⌈replicas at
   * scale (autoscale.max or replicas) × workers × in-flight requests per worker (pool
   * size + maxOverflow, or 40 without a pool) ÷ nginx worker processes⌉, within 32–512;
   * CAPACITY.md shows the choice
   */
  readonly keepalive?: number;
  /**
   * Requests served over one upstream keepalive connection before nginx closes it.
   *
   * @default 10000 (nginx's 1000 closes a busy connection every few seconds)
   */
  readonly keepaliveRequests?: number;
  /**
   * Longest life of one upstream keepalive connection (`keepalive_time`, nginx 1.19.10+).
   *
   * @default '1h' (nginx's default, written out)
   */
  readonly keepaliveTime?: string;
  /**
   * How long an idle upstream connection is kept. It must be shorter than the backends'
   * keep-alive timeout, or nginx reuses sockets the backend is closing (SO-KEEPALIVE).
   *
   * @default '4s' (below uvicorn's 5 s)
   */
  readonly keepaliveTimeout?: string;
  /**
   * Kubernetes: how long a stopping nginx pod keeps serving in a `preStop` hook (`sleep`,
   * which the nginx images have) before it is stopped, so its endpoint leaves the Service and
   * the load balancer first. terminationGracePeriodSeconds is this plus 30 s; `'0s'` turns
   * the hook off.
   *
   * @default '15s'
   */
  readonly preStopDelay?: string;
  /**
   * nginx worker processes; `auto` is one per core of the host (nginx does not read a
   * container's CPU limit), counted as 1 in capacity math.
   *
   * @default - resources.limits.cpu rounded up (at least 1), or 'auto' without a CPU limit
   */
  readonly workerProcesses?: number | 'auto';
  /**
   * Connections per worker process (clients, upstreams and listeners together).
   *
   * @default 1024
   */
  readonly workerConnections?: number;
  /**
   * Concurrent proxied requests nginx must hold at peak.
   *
   * @default - what the backends can serve at once: Σ peak replicas × workers × pool max
   */
  readonly peakConcurrentRequests?: number;
  /**
   * HTTP port published on the host.
   *
   * @default 80
   */
  readonly port?: number;
  /**
   * TLS termination.
   *
   * @default - plain HTTP only
   */
  readonly tls?: TlsProps;
  /**
   * Add an `X-Upstream-Addr` response header naming the replica that answered.
   *
   * @default false
   */
  readonly upstreamAddrHeader?: boolean;
  /**
   * Retries on another replica for idempotent requests (`proxy_next_upstream_tries`).
   *
   * @default 3
   */
  readonly nextUpstreamTries?: number;
  /**
   * Container resources.
   *
   * @default - limits 1 cpu / 256Mi, requests 0.1 cpu / 64Mi
   */
  readonly resources?: ResourcesProps;
}

export const nginxSchema = z.strictObject({
  image: imageRef.optional(),
  version: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?$/, { error: "nginx.version looks like '1.22' or '1.27.3'" })
    .optional(),
  algorithm: z.enum(['round_robin', 'least_conn', 'ip_hash', 'hash']).optional(),
  // Printable text and well-formed `$variables`: anything else fails `nginx -t`.
  hashKey: z
    .string()
    .min(1)
    .max(256)
    .regex(/^(?:[^\u0000-\u001f\u007f$]|\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\}))+$/, {
      error: "hashKey is printable text with nginx variables written $name or ${name}, e.g. '$request_uri'",
    })
    .optional(),
  hashConsistent: z.boolean().optional(),
  maxFails: count(0).optional(),
  failTimeout: durationSchema.optional(),
  keepalive: count(0).optional(),
  keepaliveRequests: count(1).optional(),
  keepaliveTime: durationSchema.optional(),
  keepaliveTimeout: durationSchema.optional(),
  /** {@link NginxProps.preStopDelay} */
  preStopDelay: durationSchema.optional(),
  workerProcesses: z.union([count(1), z.literal('auto')]).optional(),
  workerConnections: count(1).optional(),
  peakConcurrentRequests: count(1).optional(),
  port: portSchema.optional(),
  tls: z
    .strictObject({ certificateSecret: secretName, keySecret: secretName, port: portSchema.optional() })
    .optional(),
  upstreamAddrHeader: z.boolean().optional(),
  nextUpstreamTries: count(0).optional(),
  resources: resourcesSchema.optional(),
  suppressions: suppressionsSchema.optional(),
});

/** Nginx values for one profile. */
export interface ResolvedNginx {
  readonly id: string;
  readonly path: string;
  readonly image: string;
  readonly version: Version;
  readonly algorithm: Algorithm;
  readonly hashKey: string;
  readonly hashConsistent: boolean;
  readonly maxFails: number;
  readonly failTimeout: Duration;
  /** Set by the user; undefined when sized per upstream (see lib/capacity/nginx-budget.ts). */
  readonly keepalive?: number;
  readonly keepaliveRequests: number;
  /** How long an upstream connection is reused before it is closed (`keepalive_time`, nginx 1.19.10+). */
  readonly keepaliveTime: Duration;
  readonly keepaliveTimeout: Duration;
  /** Kubernetes preStop sleep; zero means no hook. */
  readonly preStopDelay: Duration;
  readonly workerProcesses: number | 'auto';
  readonly workerConnections: number;
  readonly peakConcurrentRequests?: number;
  readonly port: number;
  readonly tls?: { readonly certificateSecret: string; readonly keySecret: string; readonly port: number };
  readonly upstreamAddrHeader: boolean;
  readonly nextUpstreamTries: number;
  readonly resources: ResolvedResources;
}

export type NginxOverrides = DeepPartial<NginxProps>;
export interface NginxConstructProps extends NginxProps, ModelCommonProps<NginxOverrides> {}

export const DEFAULT_NGINX_IMAGE = DEFAULT_IMAGES.nginx;

/** The nginx load balancer in front of every backend. One per stack. */
export class Nginx extends ModelConstruct<NginxProps, ResolvedNginx> {
  public readonly kind = 'nginx' as const;

  constructor(scope: Construct, id: string, props: NginxConstructProps = {}) {
    super(scope, id, props, nginxSchema);
  }

  protected build(p: NginxProps, profile: string): ResolvedNginx {
    const image = p.image ?? DEFAULT_NGINX_IMAGE;
    const version = p.version ?? tagVersion(image);
    if (version === undefined) {
      throw new ConfigError([
        `[${this.node.path}] (profile ${profile}) version: cannot tell the nginx version from image '${image}'; set nginx.version, e.g. '1.22'`,
      ]);
    }
    const resources = resolveResources(
      p.resources ?? { limits: { cpu: 1, memory: '256Mi' }, requests: { cpu: 0.1, memory: '64Mi' } },
    );
    const cpuLimit = resources.limits.cpu;
    return {
      id: this.node.id,
      path: this.node.path,
      image,
      version: parseVersion(version),
      algorithm: p.algorithm ?? 'round_robin',
      hashKey: p.hashKey ?? '$request_uri',
      hashConsistent: p.hashConsistent ?? true,
      maxFails: p.maxFails ?? 1,
      failTimeout: Duration.parse(p.failTimeout ?? '10s'),
      ...(p.keepalive !== undefined ? { keepalive: p.keepalive } : {}),
      keepaliveRequests: p.keepaliveRequests ?? 10000,
      keepaliveTime: Duration.parse(p.keepaliveTime ?? '1h'),
      keepaliveTimeout: Duration.parse(p.keepaliveTimeout ?? '4s'),
      preStopDelay: Duration.parse(p.preStopDelay ?? '15s'),
      // More workers than the CPU quota only contend for it.
      workerProcesses: p.workerProcesses ?? (cpuLimit ? Math.max(1, Math.ceil(cpuLimit.millis / 1000)) : 'auto'),
      workerConnections: p.workerConnections ?? 1024,
      ...(p.peakConcurrentRequests !== undefined ? { peakConcurrentRequests: p.peakConcurrentRequests } : {}),
      port: p.port ?? 80,
      ...(p.tls ? { tls: { ...p.tls, port: p.tls.port ?? 443 } } : {}),
      upstreamAddrHeader: p.upstreamAddrHeader ?? false,
      nextUpstreamTries: p.nextUpstreamTries ?? 3,
      resources,
    };
  }
}
