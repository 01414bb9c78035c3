import type { Construct } from 'constructs';
import * as z from 'zod';
import { Memory } from '../units/index.js';
import type { DeepPartial, ResolvedResources, ResourcesProps } from './common.js';
import { tagVersion } from './image.js';
import { ModelConstruct, type ModelCommonProps } from './model-construct.js';
import { resolveResources } from './resources.js';
import { count, dnsLabel, memorySchema, resourcesSchema, secretName, suppressionsSchema, imageRef } from './schema-kit.js';
import { DEFAULT_IMAGES } from './default-images.js';

/** Props of the shared {@link Postgres} database. */
export interface PostgresProps {
  /**
   * Image reference.
   *
   * @default 'postgres:16.10-alpine'
   */
  readonly image?: string;
  /**
   * `max_connections`.
   *
   * @default 100 (PostgreSQL's default)
   */
  readonly maxConnections?: number;
  /**
   * `superuser_reserved_connections`: slots ordinary roles cannot use.
   *
   * @default 3 (PostgreSQL's default)
   */
  readonly superuserReservedConnections?: number;
  /**
   * `reserved_connections` (PostgreSQL 16+): slots for `pg_use_reserved_connections` roles.
   *
   * @default 0
   */
  readonly reservedConnections?: number;
  /**
   * Other clients that hold connections: migrations, exporters, admin sessions.
   *
   * @default {}
   */
  readonly fixedClients?: Record<string, number>;
  /**
   * Database name.
   *
   * @default - the stack name
   */
  readonly database?: string;
  /**
   * The superuser: the role setup and an admin log in as it, never the backends (each
   * consumer gets a login role of its own). Set it to `app` only for a volume initialized
   * before scaleout separated the roles (README: Postgres roles).
   *
   * @default 'postgres'
   */
  readonly user?: string;
  /**
   * Secret holding the superuser's password.
   *
   * @default 'postgres_password'
   */
  readonly passwordSecret?: string;
  /**
   * Size of the data volume.
   *
   * @default '10Gi'
   */
  readonly storage?: string;
  /**
   * Size of /dev/shm on Docker (compose `shm_size`, Pulumi `shmSize`). Docker's 64 MiB
   * default is too small for parallel queries and large sorts, which then fail with
   * "could not resize shared memory segment".
   *
   * @default '256Mi'
   */
  readonly shmSize?: string;
  /**
   * Container resources.
   *
   * @default - limits 2 cpu / 2Gi, requests 0.5 cpu / 512Mi
   */
  readonly resources?: ResourcesProps;
}

const pgIdentifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, {
  error: 'use a lowercase identifier: letters, digits and _',
});

/**
 * The fields of the postgres section; the config adds `pooler` beside them.
 *
 * @internal
 */
export const postgresShape = {
  image: imageRef.optional(),
  maxConnections: count(1).max(262143).optional(),
  superuserReservedConnections: count(0).optional(),
  reservedConnections: count(0).optional(),
  fixedClients: z.record(dnsLabel, count(0)).optional(),
  database: pgIdentifier.optional(),
  user: pgIdentifier.optional(),
  passwordSecret: secretName.optional(),
  storage: memorySchema.optional(),
  /** {@link PostgresProps.shmSize} */
  shmSize: memorySchema.optional(),
  resources: resourcesSchema.optional(),
  suppressions: suppressionsSchema.optional(),
};

/**
 * The one place each {@link PostgresProps} default lives: `build()` and the cross-field
 * checks both read it (the TSDoc `@default`s say the same; test/model/defaults.test.ts checks).
 *
 * @internal
 */
export const POSTGRES_DEFAULTS = {
  image: DEFAULT_IMAGES.postgres,
  maxConnections: 100,
  superuserReservedConnections: 3,
  reservedConnections: 0,
  user: 'postgres',
  passwordSecret: 'postgres_password',
  storage: '10Gi',
  /** Docker's 64 MiB /dev/shm is too small for parallel queries. */
  shmSize: '256Mi',
  resources: { limits: { cpu: 2, memory: '2Gi' }, requests: { cpu: 0.5, memory: '512Mi' } },
} as const;

/** Checks across postgres fields: the reserved slots, and settings the image's version lacks. */
export function postgresChecks(
  p: { maxConnections?: number; superuserReservedConnections?: number; reservedConnections?: number; image?: string },
  ctx: z.core.$RefinementCtx<unknown>,
): void {
  const max = p.maxConnections ?? POSTGRES_DEFAULTS.maxConnections;
  const su = p.superuserReservedConnections ?? POSTGRES_DEFAULTS.superuserReservedConnections;
  const res = p.reservedConnections ?? POSTGRES_DEFAULTS.reservedConnections;
  // PostgreSQL refuses to start unless superuser_reserved < max_connections − reserved.
  if (max <= su + res) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxConnections'],
      input: max,
      message: `maxConnections ${max} is not above the reserved slots (superuserReservedConnections ${su} + reservedConnections ${res} = ${su + res}); PostgreSQL would not start. Set maxConnections ≥ ${su + res + 1}`,
    });
  }
  const major = Number(tagVersion(p.image ?? POSTGRES_DEFAULTS.image)?.split('.')[0]);
  if (res > 0 && Number.isFinite(major) && major < 16) {
    ctx.addIssue({
      code: 'custom',
      path: ['reservedConnections'],
      input: res,
      message: `reservedConnections needs PostgreSQL 16 or later, but the image is ${p.image}; use a 16+ image or set it to 0`,
    });
  }
}

/**
 * The zod schema of {@link PostgresProps}, also the YAML `postgres` section (without `pooler`).
 *
 * @internal
 */
export const postgresSchema = z.strictObject(postgresShape).superRefine(postgresChecks);

/** The port PostgreSQL listens on in every target (the official image's default). */
export const POSTGRES_PORT = 5432;

/** Postgres values for one profile. */
export interface ResolvedPostgres {
  /** Construct id. */
  readonly id: string;
  /** Construct path in the tree; names it in findings. */
  readonly path: string;
  /** Image reference. */
  readonly image: string;
  /** `max_connections`. */
  readonly maxConnections: number;
  /** `superuser_reserved_connections`: slots ordinary roles cannot use. */
  readonly superuserReservedConnections: number;
  /** `reserved_connections` (PostgreSQL 16+): slots only `pg_use_reserved_connections` roles use. */
  readonly reservedConnections: number;
  /** Sorted by name, so output and messages are deterministic. */
  readonly fixedClients: readonly {
    /** Who holds the connections (migrations, an exporter). */
    readonly name: string;
    /** Connections it holds at its peak. */
    readonly count: number;
  }[];
  /** Database name. */
  readonly database: string;
  /** The superuser's name. */
  readonly user: string;
  /** The secret holding the superuser's password. */
  readonly passwordSecret: string;
  /** Size of the data volume. */
  readonly storage: Memory;
  /** /dev/shm on Docker. */
  readonly shmSize: Memory;
  /** Container resources. */
  readonly resources: ResolvedResources;
  /** `max_connections − superuser_reserved − reserved`: what ordinary roles can use. */
  readonly available: number;
}

/** Overrides a profile may give {@link Postgres}. */
export type PostgresOverrides = DeepPartial<PostgresProps>;
export interface PostgresConstructProps extends PostgresProps, ModelCommonProps<PostgresOverrides> {}

/** The one PostgreSQL server all backends share. */
export class Postgres extends ModelConstruct<PostgresProps, ResolvedPostgres> {
  /** Always `'postgres'`: see {@link ModelConstruct.kind}. */
  public readonly kind = 'postgres' as const;

  constructor(scope: Construct, id: string, props: PostgresConstructProps = {}) {
    super(scope, id, props, postgresSchema);
  }

  protected build(p: PostgresProps): ResolvedPostgres {
    const d = POSTGRES_DEFAULTS;
    const maxConnections = p.maxConnections ?? d.maxConnections;
    const superuserReservedConnections = p.superuserReservedConnections ?? d.superuserReservedConnections;
    const reservedConnections = p.reservedConnections ?? d.reservedConnections;
    return {
      id: this.node.id,
      path: this.node.path,
      image: p.image ?? d.image,
      maxConnections,
      superuserReservedConnections,
      reservedConnections,
      fixedClients: Object.entries(p.fixedClients ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, n]) => ({ name, count: n })),
      database: p.database ?? this.stack.stackName.replace(/-/g, '_'),
      user: p.user ?? d.user,
      passwordSecret: p.passwordSecret ?? d.passwordSecret,
      storage: Memory.parse(p.storage ?? d.storage),
      shmSize: Memory.parse(p.shmSize ?? d.shmSize),
      resources: resolveResources(
        p.resources ?? d.resources,
      ),
      available: maxConnections - superuserReservedConnections - reservedConnections,
    };
  }
}

/**
 * The server settings the capacity math depends on, as `postgres` argv: every target starts
 * the server with exactly these.
 */
export function postgresServerArgs(pg: ResolvedPostgres): string[] {
  const settings = [
    `max_connections=${pg.maxConnections}`,
    `superuser_reserved_connections=${pg.superuserReservedConnections}`,
    ...(pg.reservedConnections > 0 ? [`reserved_connections=${pg.reservedConnections}`] : []),
  ];
  return ['postgres', ...settings.flatMap((s) => ['-c', s])];
}
