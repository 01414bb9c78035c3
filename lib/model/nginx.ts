import type { Construct } from 'constructs';
import * as z from 'zod';
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

/** nginx upstream balancing methods (`round_robin` is nginx's default, no directive). */
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

/**
 * The zod schema of {@link NginxProps}, also the YAML `nginx` section.
 *
 * @internal
 */
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
  /** Construct id. */
  readonly id: string;
  /** Construct path in the tree; names it in findings. */
  readonly path: string;
  /** Image reference. */
  readonly image: string;
  /** nginx version the config is rendered for: `version`, else the image tag's. */
  readonly version: Version;
  /** Balancing method. */
  readonly algorithm: Algorithm;
  /** Key for `hash`. */
  readonly hashKey: string;
  /** Ketama consistent hashing for `hash`. */
  readonly hashConsistent: boolean;
  /** Failed attempts within `failTimeout` before a server is marked down. */
  readonly maxFails: number;
  /** Window for `maxFails`, and how long a failed server stays down. */
  readonly failTimeout: Duration;
  /** Set by the user; undefined when sized per upstream (see lib/capacity/nginx-budget.ts). */
  readonly keepalive?: number;
  /** Requests served over one upstream keepalive connection before nginx closes it. */
  readonly keepaliveRequests: number;
  /** How long an upstream connection is reused before it is closed (`keepalive_time`, nginx 1.19.10+). */
  readonly keepaliveTime: Duration;
  /** How long an idle upstream connection is kept; must be below the backends' keep-alive (SO-KEEPALIVE). */
  readonly keepaliveTimeout: Duration;
  /** Kubernetes preStop sleep; zero means no hook. */
  readonly preStopDelay: Duration;
  /** Worker processes; `auto` counts as 1 in capacity math. */
  readonly workerProcesses: number | 'auto';
  /** Connections per worker process (clients, upstreams and listeners together). */
  readonly workerConnections: number;
  /** Concurrent proxied requests nginx must hold at peak, when set. */
  readonly peakConcurrentRequests?: number;
  /** HTTP port published on the host. */
  readonly port: number;
  /** TLS termination, when set. */
  readonly tls?: {
    /** Secret holding the PEM certificate chain. */
    readonly certificateSecret: string;
    /** Secret holding the PEM private key. */
    readonly keySecret: string;
    /** HTTPS port. */
    readonly port: number;
  };
  /** Whether responses carry `X-Upstream-Addr`, naming the replica that answered. */
  readonly upstreamAddrHeader: boolean;
  /** `proxy_next_upstream_tries`: tries on other replicas for idempotent requests. */
  readonly nextUpstreamTries: number;
  /** Container resources. */
  readonly resources: ResolvedResources;
}

/** Overrides a profile may give {@link Nginx}. */
export type NginxOverrides = DeepPartial<NginxProps>;
export interface NginxConstructProps extends NginxProps, ModelCommonProps<NginxOverrides> {}

/** The image {@link NginxProps.image} defaults to. */
export const DEFAULT_NGINX_IMAGE = DEFAULT_IMAGES.nginx;

/** The one place each {@link NginxProps} default lives (the TSDoc `@default`s say the same). */
const NGINX_DEFAULTS = {
  image: DEFAULT_NGINX_IMAGE,
  resources: { limits: { cpu: 1, memory: '256Mi' }, requests: { cpu: 0.1, memory: '64Mi' } },
  algorithm: 'round_robin',
  hashKey: '$request_uri',
  hashConsistent: true,
  maxFails: 1,
  failTimeout: '10s',
  keepaliveRequests: 10000,
  keepaliveTime: '1h',
  keepaliveTimeout: '4s',
  workerConnections: 1024,
  port: 80,
  tlsPort: 443,
  upstreamAddrHeader: false,
  nextUpstreamTries: 3,
  preStopDelay: '15s',
} as const;

/** The nginx load balancer in front of every backend. One per stack. */
export class Nginx extends ModelConstruct<NginxProps, ResolvedNginx> {
  /** Always `'nginx'`: see {@link ModelConstruct.kind}. */
  public readonly kind = 'nginx' as const;

  constructor(scope: Construct, id: string, props: NginxConstructProps = {}) {
    super(scope, id, props, nginxSchema);
  }

  protected build(p: NginxProps, profile: string): ResolvedNginx {
    const d = NGINX_DEFAULTS;
    const image = p.image ?? d.image;
    const version = p.version ?? tagVersion(image);
    if (version === undefined) {
      throw new ConfigError([
        {
          code: 'SO-CONFIG-VALUE',
          constructPath: this.node.path,
          profiles: [profile],
          path: 'version',
          message: `cannot tell the nginx version from image '${image}'; set nginx.version, e.g. '1.22'`,
        },
      ]);
    }
    const resources = resolveResources(p.resources ?? d.resources);
    const cpuLimit = resources.limits.cpu;
    return {
      id: this.node.id,
      path: this.node.path,
      image,
      version: parseVersion(version),
      algorithm: p.algorithm ?? d.algorithm,
      hashKey: p.hashKey ?? d.hashKey,
      hashConsistent: p.hashConsistent ?? d.hashConsistent,
      maxFails: p.maxFails ?? d.maxFails,
      failTimeout: Duration.parse(p.failTimeout ?? d.failTimeout),
      ...(p.keepalive !== undefined ? { keepalive: p.keepalive } : {}),
      keepaliveRequests: p.keepaliveRequests ?? d.keepaliveRequests,
      keepaliveTime: Duration.parse(p.keepaliveTime ?? d.keepaliveTime),
      keepaliveTimeout: Duration.parse(p.keepaliveTimeout ?? d.keepaliveTimeout),
      preStopDelay: Duration.parse(p.preStopDelay ?? d.preStopDelay),
      // More workers than the CPU quota only contend for it.
      workerProcesses: p.workerProcesses ?? (cpuLimit ? Math.max(1, Math.ceil(cpuLimit.millis / 1000)) : 'auto'),
      workerConnections: p.workerConnections ?? d.workerConnections,
      ...(p.peakConcurrentRequests !== undefined ? { peakConcurrentRequests: p.peakConcurrentRequests } : {}),
      port: p.port ?? d.port,
      ...(p.tls ? { tls: { ...p.tls, port: p.tls.port ?? d.tlsPort } } : {}),
      upstreamAddrHeader: p.upstreamAddrHeader ?? d.upstreamAddrHeader,
      nextUpstreamTries: p.nextUpstreamTries ?? d.nextUpstreamTries,
      resources,
    };
  }
}
