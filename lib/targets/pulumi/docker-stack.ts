/**
 * The Pulumi target: one model profile as @pulumi/docker resources under one component.
 */
import * as docker from '@pulumi/docker';
import * as pulumi from '@pulumi/pulumi';
import type { Stack } from '../../model/stack.js';
import { warningTexts, type GateReport } from '../../rules/gate.js';
import type { CapacitySummary } from './capacity-summary.js';
import {
  backendArgsOf,
  migrationArgsOf,
  nginxArgsOf,
  pgbouncerArgsOf,
  postgresArgsOf,
  redisArgsOf,
  roleSetupArgsOf,
  type ContainerRefs,
} from './containers.js';
import { StackImages } from './images.js';
import { monitoringContainerArgs } from './monitoring.js';
import { createNetworks, type StackNetworks } from './networks.js';
import { planWithSpecs } from './plan.js';
import { poolerAuthUsers } from '../../plan/roles.js';
import { resolveSecrets, type SecretArgs } from './secrets.js';
import { StackVolumes } from './volumes.js';

/** Args of a {@link DockerStack}. */
export interface DockerStackArgs extends SecretArgs {
  /** The model. */
  readonly stack: Stack;
  /** The profile to deploy (`dev`, `prod`, …). */
  readonly profile: string;
  /**
   * Image overrides by construct id (`backend`, `nginx`, `db`, `redis`); each must be pinned.
   *
   * @default - the model's images
   */
  readonly images?: Readonly<Record<string, string>>;
}

/**
 * A scaleout stack on a Docker engine: networks, volumes, pinned images and one container per
 * backend replica, behind nginx. The synth gate runs first: a stack that fails a rule throws
 * the same message as the other targets and registers nothing, not even this component.
 *
 * Every container is replaced delete-first (`deleteBeforeReplace`), so `pulumi up` never runs
 * an old and a new container side by side: peak replicas = replicas, which is what the
 * capacity math counts for the 'pulumi' target. It is also what fixed container names and
 * nginx's published ports require.
 */
export class DockerStack extends pulumi.ComponentResource {
  /** The Pulumi type token of the component (`<package>:<module>:<type>`). */
  public static readonly TYPE = 'scaleout:index:DockerStack';

  /** The deployed profile. */
  public readonly profile: string;
  /** The gate's report (warnings, suppressions); warnings are also logged to the engine. */
  public readonly report: GateReport;
  /** Budgets of this profile under Pulumi semantics. */
  public readonly capacity: CapacitySummary;
  /** The nginx.conf uploaded into the nginx container. */
  public readonly nginxConf: string;
  /** Where nginx answers on the Docker host. */
  public readonly url: pulumi.Output<string>;
  /** Every container's name: data tier, backend replicas, then nginx. */
  public readonly containerNames: pulumi.Output<string[]>;
  /** The `app` and (with a data tier) internal `data` networks. */
  public readonly networks: StackNetworks;
  /** Volumes by model volume name (`db-data`, `redis-data`, `uploads`). */
  public readonly volumes: ReadonlyMap<string, docker.Volume>;
  /** Images by reference. */
  public readonly images: ReadonlyMap<string, docker.RemoteImage>;
  /**
   * One-shot migration containers by backend id: each finishes (exit 0) before any
   * database-using backend container is created.
   */
  public readonly migrationContainers: ReadonlyMap<string, docker.Container>;
  /** Replica containers by backend id, in replica order. */
  public readonly backendContainers: ReadonlyMap<string, readonly docker.Container[]>;
  /** The nginx container, the only one with a published port. */
  public readonly nginxContainer: docker.Container;
  /** The Postgres container, when the stack has Postgres. */
  public readonly postgresContainer?: docker.Container;
  /** The one-shot role setup (lib/render/postgres-roles-sql.ts); every database user waits for it. */
  public readonly roleSetupContainer?: docker.Container;
  /** The Redis container, when the stack has Redis. */
  public readonly redisContainer?: docker.Container;
  /** PgBouncer containers, one per instance, when the stack has a pooler. */
  public readonly poolerContainers: readonly docker.Container[];
  /** Prometheus, Grafana and exporter containers by service name, when the stack has Monitoring. */
  public readonly monitoringContainers: ReadonlyMap<string, docker.Container>;
  /** Every child resource: networks, images, volumes, containers. */
  public readonly resources: readonly pulumi.CustomResource[];

  constructor(name: string, args: DockerStackArgs, opts?: pulumi.ComponentResourceOptions) {
    // Gate, overrides and secrets before super(): a refused model must register nothing.
    const plan = planWithSpecs(args.stack, args.profile, args.images);
    const secrets = resolveSecrets(plan, args);
    // Only names go to the engine as component inputs; never the model or a password.
    super(DockerStack.TYPE, name, { stack: plan.stackName, profile: plan.profile }, opts);
    // The engine prefixes its own "warning:", so the texts go without the CLI's.
    for (const text of warningTexts(plan.report)) void pulumi.log.warn(text, this);

    const { ctx } = plan;
    const nginx = ctx.nginx!;
    this.networks = createNetworks(name, !!(ctx.postgres || ctx.redis), this);
    const volumes = new StackVolumes(name, this);
    const images = new StackImages(name, this);
    const refs = (image: string, id: string): ContainerRefs => ({
      image: images.get(image, id).imageId,
      networks: { app: this.networks.app.name, ...(this.networks.data ? { data: this.networks.data.name } : {}) },
      volume: (v) => volumes.get(v).name,
      secret: (s) => secrets.get(s)!,
    });
    // deleteBeforeReplace: see the class comment; it is what makes peak = replicas true.
    const container = (resourceName: string, a: docker.ContainerArgs, dependsOn: pulumi.Resource[] = []) =>
      new docker.Container(resourceName, a, { parent: this, deleteBeforeReplace: true, dependsOn });

    const data: docker.Container[] = [];
    if (ctx.postgres) {
      const pg = ctx.postgres;
      this.postgresContainer = container(`${name}-${pg.id}`, postgresArgsOf(plan.specs.postgres!, pg, `${name}-${pg.id}`, refs(pg.image, pg.id)));
      data.push(this.postgresContainer);
      const setupName = `${name}-${pg.id}-role-setup`;
      const setup = roleSetupArgsOf(plan.specs.roleSetup!, pg, plan.rolesSql!, setupName, refs(pg.image, pg.id), this.postgresContainer.id);
      this.roleSetupContainer = container(setupName, setup, [this.postgresContainer]);
    }
    // Everything that logs in to Postgres starts after its role exists.
    const setupDone = this.roleSetupContainer ? [this.roleSetupContainer] : [];
    if (ctx.redis) {
      const r = ctx.redis;
      this.redisContainer = container(`${name}-${r.id}`, redisArgsOf(plan.specs.redis!, r, `${name}-${r.id}`, refs(r.image, r.id)));
      data.push(this.redisContainer);
    }

    const poolers: docker.Container[] = [];
    if (ctx.pooler && ctx.postgres && this.postgresContainer) {
      const p = ctx.pooler;
      for (let i = 1; i <= p.replicas; i++) {
        const resourceName = `${name}-${p.id}-${i}`;
        const a = pgbouncerArgsOf(plan.specs.pooler!, p, poolerAuthUsers(ctx), plan.pgbouncerIni!, resourceName, refs(p.image, p.id));
        poolers.push(container(resourceName, a, [this.postgresContainer, ...setupDone]));
      }
    }
    this.poolerContainers = poolers;
    data.push(...poolers);

    // Migrations run once the database is healthy and before every backend that uses it.
    const migrations = new Map<string, docker.Container>();
    if (ctx.postgres && this.postgresContainer) {
      for (const b of ctx.backends) {
        if (!b.migration) continue;
        const resourceName = `${name}-${b.migration.serviceName}`;
        migrations.set(b.id, container(resourceName, migrationArgsOf(plan.specs.migrations.get(b.id)!, b, resourceName, refs(b.image, b.id)), [this.postgresContainer, ...setupDone]));
      }
    }
    this.migrationContainers = migrations;
    // A failed migration stops the backends: each waits for every migration's exit code 0.
    const migrated = [...migrations.entries()].map(([id, c]) =>
      c.exitCode.apply((code) => {
        if (code !== 0 && code !== undefined) throw new Error(`the migration of backend '${id}' exited with code ${code}; the backends were not started`);
        return 'ok';
      }),
    );
    const migratedLabel = migrated.length ? pulumi.all(migrated).apply(() => 'ok') : undefined;

    const backends = new Map<string, docker.Container[]>();
    for (const b of ctx.backends) {
      // Start only once the data tier it uses is healthy (the data containers `wait` for it);
      // behind a pooler that is the pooler, not Postgres.
      const db = poolers.length ? poolers : this.postgresContainer ? [this.postgresContainer] : [];
      const deps = [
        ...(b.pool ? [...db, ...setupDone] : []),
        ...(b.redisPool > 0 && this.redisContainer ? [this.redisContainer] : []),
      ];
      const replicas: docker.Container[] = [];
      for (let i = 1; i <= b.replicas; i++) {
        const resourceName = `${name}-${b.serviceName}-${i}`;
        // A fixed name is kept as compose keeps it (SO-SCALE-CONFLICT had to be suppressed);
        // a second replica then cannot start, which is what that rule warns about.
        const physical = b.containerName ?? resourceName;
        const a = backendArgsOf(plan.specs.backends.get(b.id)!, b, physical, refs(b.image, b.id));
        const waits = b.pool && migratedLabel ? { labels: [{ label: 'scaleout.migrated', value: migratedLabel }] } : {};
        replicas.push(container(resourceName, { ...a, ...waits }, [...deps, ...(b.pool ? migrations.values() : [])]));
      }
      backends.set(b.id, replicas);
    }
    this.backendContainers = backends;
    const replicas = [...backends.values()].flat();

    this.nginxConf = plan.nginxConf;
    this.nginxContainer = container(
      `${name}-${nginx.id}`,
      nginxArgsOf(plan.specs.nginx!, nginx, plan.nginxConf, `${name}-${nginx.id}`, refs(nginx.image, nginx.id)),
      replicas,
    );

    const monitoring = new Map<string, docker.Container>();
    if (ctx.monitoring && plan.monitoring) {
      // After everything they scrape, so Prometheus finds its targets up.
      const scraped = [...data, ...replicas, this.nginxContainer];
      for (const mc of monitoringContainerArgs(ctx, plan.monitoring, name, refs, plan.specs.monitoring)) {
        monitoring.set(mc.id, container(`${name}-${mc.id}`, mc.args, scraped));
      }
    }
    this.monitoringContainers = monitoring;

    const containers = [...data, ...setupDone, ...migrations.values(), ...replicas, this.nginxContainer, ...monitoring.values()];
    this.resources = [
      ...Object.values(this.networks),
      ...images.all.values(),
      ...volumes.all.values(),
      ...containers,
    ];
    this.volumes = volumes.all;
    this.images = images.all;
    this.profile = plan.profile;
    this.report = plan.report;
    this.capacity = plan.capacity;
    const port = nginx.tls ? nginx.tls.port : nginx.port;
    const scheme = nginx.tls ? 'https' : 'http';
    const defaultPort = nginx.tls ? 443 : 80;
    this.url = pulumi.output(`${scheme}://localhost${port === defaultPort ? '' : `:${port}`}`);
    this.containerNames = pulumi.all(containers.map((c) => c.name));
    this.registerOutputs({ url: this.url, capacity: this.capacity, containerNames: this.containerNames });
  }
}
