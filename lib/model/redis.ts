import type { Construct } from 'constructs';
import * as z from 'zod';
import { Memory } from '../units/index.js';
import type { DeepPartial, ResolvedResources, ResourcesProps } from './common.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';
import { count, dnsLabel, memorySchema, resourcesSchema, secretName, suppressionsSchema, imageRef } from './schema-kit.js';
import { DEFAULT_IMAGES } from './default-images.js';

/** Props of the shared {@link Redis}. */
export interface RedisProps {
  /**
   * Image reference.
   *
   * @default 'redis:7.2.11-alpine'
   */
  readonly image?: string;
  /**
   * `maxclients`.
   *
   * @default 10000 (Redis's default)
   */
  readonly maxClients?: number;
  /**
   * Other clients that hold connections (exporters, workers outside the stack).
   *
   * @default {}
   */
  readonly fixedClients?: Record<string, number>;
  /**
   * Persistence: none, RDB snapshots, or the append-only file.
   *
   * @default 'rdb'
   */
  readonly persistence?: 'none' | 'rdb' | 'aof';
  /**
   * Secret holding the `requirepass` password.
   *
   * @default 'redis_password'
   */
  readonly passwordSecret?: string;
  /**
   * Size of the data volume.
   *
   * @default '1Gi'
   */
  readonly storage?: string;
  /**
   * Container resources.
   *
   * @default - limits 1 cpu / 512Mi, requests 0.1 cpu / 128Mi
   */
  readonly resources?: ResourcesProps;
}

/**
 * The zod schema of {@link RedisProps}, also the YAML `redis` section.
 *
 * @internal
 */
export const redisSchema = z.strictObject({
  image: imageRef.optional(),
  maxClients: count(1).optional(),
  fixedClients: z.record(dnsLabel, count(0)).optional(),
  persistence: z.enum(['none', 'rdb', 'aof']).optional(),
  passwordSecret: secretName.optional(),
  storage: memorySchema.optional(),
  resources: resourcesSchema.optional(),
  suppressions: suppressionsSchema.optional(),
});

/**
 * The one place each {@link RedisProps} default lives (the TSDoc `@default`s say the same).
 *
 * @internal
 */
export const REDIS_DEFAULTS = {
  image: DEFAULT_IMAGES.redis,
  maxClients: 10000,
  persistence: 'rdb',
  passwordSecret: 'redis_password',
  storage: '1Gi',
  resources: { limits: { cpu: 1, memory: '512Mi' }, requests: { cpu: 0.1, memory: '128Mi' } },
} as const;

/** The port Redis listens on in every target (the official image's default). */
export const REDIS_PORT = 6379;

/** Redis values for one profile. */
export interface ResolvedRedis {
  /** Construct id. */
  readonly id: string;
  /** Construct path in the tree; names it in findings. */
  readonly path: string;
  /** Image reference. */
  readonly image: string;
  /** `maxclients`: client connections Redis accepts. */
  readonly maxClients: number;
  /** Clients other than the backends, sorted by name so output is deterministic. */
  readonly fixedClients: readonly {
    /** Who holds the connections (an exporter, say). */
    readonly name: string;
    /** Connections it holds at its peak. */
    readonly count: number;
  }[];
  /** Persistence mode: none, RDB snapshots or an append-only file. */
  readonly persistence: 'none' | 'rdb' | 'aof';
  /** Secret holding the `requirepass` password. */
  readonly passwordSecret: string;
  /** Size of the data volume. */
  readonly storage: Memory;
  /** Container resources. */
  readonly resources: ResolvedResources;
}

/** Overrides a profile may give {@link Redis}. */
export type RedisOverrides = DeepPartial<RedisProps>;
export interface RedisConstructProps extends RedisProps, ModelCommonProps<RedisOverrides> {}

/** The one Redis all backends share. */
export class Redis extends ModelConstruct<RedisProps, ResolvedRedis> {
  /** Always `'redis'`: see {@link ModelConstruct.kind}. */
  public readonly kind = 'redis' as const;

  constructor(scope: Construct, id: string, props: RedisConstructProps = {}) {
    super(scope, id, props, redisSchema);
  }

  protected build(p: RedisProps): ResolvedRedis {
    const d = REDIS_DEFAULTS;
    return {
      id: this.node.id,
      path: this.node.path,
      image: p.image ?? d.image,
      maxClients: p.maxClients ?? d.maxClients,
      fixedClients: Object.entries(p.fixedClients ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, n]) => ({ name, count: n })),
      persistence: p.persistence ?? d.persistence,
      passwordSecret: p.passwordSecret ?? d.passwordSecret,
      storage: Memory.parse(p.storage ?? d.storage),
      resources: resolveResources(p.resources ?? d.resources),
    };
  }
}
