import { ConfigError } from '../../errors.js';
import type { Stack } from '../../model/stack.js';
import { dockerNginxConf, dockerPgBouncerIni, dockerSecretPath } from '../../render/docker.js';
import { postgresRoles } from '../../plan/roles.js';
import { renderRolesSql } from '../../render/postgres-roles-sql.js';
import { addMonitoring } from './monitoring-project.js';
import type { RuleContext } from '../../rules/rule.js';
import {
  APP_NETWORK,
  backendSpec,
  DATA_NETWORK,
  migrationSpec,
  nginxSpec,
  pgbouncerSpec,
  postgresSpec,
  redisSpec,
  roleSetupSpec,
  type ServiceSpec,
} from '../../render/docker-services.js';
import { composeService, type ComposeDependencies, type ComposeService } from './services.js';

/** One construct's service in one profile: its base name, spec and what it waits for. */
export interface ServiceVariant {
  readonly base: string;
  readonly spec: ServiceSpec;
  readonly dependsOn?: ComposeDependencies;
}

/**
 * Where the compose file looks for secret files: `secrets/` in the project root when the
 * output is `dist/compose/` — outside the output, so a synth never touches them.
 */
export const DEFAULT_SECRETS_DIR = '../../secrets';

export { DOCKER_DNS } from '../../render/docker.js';

/** The top level of the compose file scaleout writes. */
export interface ComposeFile {
  /** Every service of every profile, by compose service name. */
  services: Record<string, ComposeService>;
  /** `app`, and `data` when a service needs it. */
  networks: Record<string, ComposeNetwork>;
  /** Named volumes, each mounted by one service. */
  volumes?: Record<string, Record<string, never>>;
  /** Secret files, by secret name. */
  secrets?: Record<string, ComposeSecret>;
}

/** A top-level compose network. */
export interface ComposeNetwork {
  /** No route out: the data network, so Postgres and Redis are never reachable from outside. */
  internal?: boolean;
}

/** A top-level compose secret: a file the user creates outside the output. */
export interface ComposeSecret {
  /** Its path, relative to the compose file. */
  file: string;
}

/** The compose model of a stack: the spec object plus the files its services mount. */
export interface ComposeProject {
  /** The `docker-compose.yml` content, as an object. */
  readonly compose: ComposeFile;
  /** Mounted config files (nginx.conf, pgbouncer.ini), by path relative to the compose file. */
  readonly mountedFiles: ReadonlyMap<string, string>;
  /** Compose service name of each construct, per profile. */
  readonly serviceNames: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

interface Variant {
  readonly profiles: string[];
  readonly key: string;
  readonly base: string;
}

/**
 * Groups the per-profile specs of one construct: profiles with identical specs share one
 * compose service. The first group keeps the base name; a later group whose base name is
 * taken gets `-<profile>`.
 */
function groupVariants(perProfile: ReadonlyMap<string, { base: string; spec: unknown }>): Variant[] {
  const groups: Variant[] = [];
  for (const [profile, { base, spec }] of perProfile) {
    const key = JSON.stringify(spec);
    const g = groups.find((x) => x.key === key && x.base === base);
    if (g) g.profiles.push(profile);
    else groups.push({ profiles: [profile], key, base });
  }
  return groups;
}

/**
 * One mounted file per distinct rendering: profiles that render the same text share it; the
 * first keeps `dir/file`, a differing profile gets `dir/<name>-<profile>.<ext>`.
 */
function placeFile(files: Map<string, string>, dir: string, file: string, profile: string, text: string): string {
  const existing = [...files].find(([f, t]) => f.startsWith(`${dir}/`) && t === text)?.[0];
  if (existing) return existing;
  const dot = file.lastIndexOf('.');
  const base = `${dir}/${file}`;
  const path = files.has(base) ? `${dir}/${file.slice(0, dot)}-${profile}${file.slice(dot)}` : base;
  files.set(path, text);
  return path;
}

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The role setup's service name after the Postgres service's: `db-role-setup`. */
export const ROLE_SETUP = 'role-setup';

/** The pseudo construct path the role-setup service is registered under, beside Postgres'. */
export function roleSetupPath(postgresPath: string): string {
  return `${postgresPath}/${ROLE_SETUP}`;
}

/**
 * Builds the compose project from every profile's resolved context. `secretsDir` is where
 * the secret files live, as the compose file references it (relative to its directory).
 */
export function composeProject(stack: Stack, contexts: readonly RuleContext[], secretsDir = DEFAULT_SECRETS_DIR): ComposeProject {
  const allProfiles = contexts.map((c) => c.profile);
  const services: Record<string, ComposeService> = {};
  const specs: ServiceSpec[] = [];
  const owners = new Map<string, string>();
  const names = new Map<string, Map<string, string>>(allProfiles.map((p) => [p, new Map()]));
  const mountedFiles = new Map<string, string>();

  /** The compose service `name` (its base name when not given) of a variant. */
  const serialize = (v: ServiceVariant, name?: string) => composeService(v.spec, name ?? v.base, v.dependsOn);
  /**
   * Adds one construct's services; `specFor` builds its spec given its final name, or
   * returns undefined in a profile the construct has no service in.
   */
  const add = (path: string, specFor: (ctx: RuleContext, name?: string) => ServiceVariant | undefined) => {
    const perProfile = new Map(
      contexts.flatMap((c) => {
        const v = specFor(c);
        return v ? [[c.profile, { base: v.base, spec: serialize(v) }] as const] : [];
      }),
    );
    const taken = new Set<string>();
    for (const v of groupVariants(perProfile)) {
      const name = taken.has(v.base) ? `${v.base}-${v.profiles[0]}` : v.base;
      taken.add(name);
      const owner = owners.get(name);
      if (owner !== undefined) {
        throw new ConfigError([
          { code: 'SO-CONFIG-STRUCTURE', constructPath: path, message: `compose service '${name}' is also produced by ${owner}; give one of them another serviceName` },
        ]);
      }
      owners.set(name, path);
      const ctx = contexts.find((c) => c.profile === v.profiles[0])!;
      const variant = specFor(ctx, name)!;
      specs.push(variant.spec);
      const spec = serialize(variant, name);
      // Services in every profile start unconditionally, as compose users expect.
      services[name] = v.profiles.length === allProfiles.length ? spec : { ...spec, profiles: v.profiles };
      for (const p of v.profiles) names.get(p)!.set(path, name);
    }
  };

  // One-shot services: their dependants wait for them to exit 0.
  const oneShot = new Set<string>();
  const healthy = (ctx: RuleContext, paths: readonly string[], gated: (path: string) => boolean): ComposeDependencies =>
    Object.fromEntries(
      paths.map((p) => [
        names.get(ctx.profile)!.get(p)!,
        { condition: oneShot.has(p) ? 'service_completed_successfully' : gated(p) ? 'service_healthy' : 'service_started' },
      ]),
    );

  const first = contexts[0]!;
  // Each service that holds data gets a volume of its own, named after the service.
  if (first.postgres) add(first.postgres.path, (c, name) => ({ base: c.postgres!.id, spec: postgresSpec(c.postgres!, name ?? c.postgres!.id) }));
  // The role setup runs on every `up`, after Postgres is healthy and before anything logs in.
  const roleSetup = first.postgres ? roleSetupPath(first.postgres.path) : undefined;
  if (first.postgres && roleSetup) {
    const sqlOf = new Map<string, string>();
    const rolesOf = new Map(contexts.map((c) => [c.profile, postgresRoles(c, 'compose')]));
    for (const c of contexts) {
      const text = renderRolesSql(rolesOf.get(c.profile)!, c.postgres!, { stackName: stack.stackName, secretPath: dockerSecretPath });
      sqlOf.set(c.profile, placeFile(mountedFiles, 'postgres', 'roles.sql', c.profile, text));
    }
    oneShot.add(roleSetup);
    add(roleSetup, (c) => ({
      base: `${c.postgres!.id}-${ROLE_SETUP}`,
      spec: roleSetupSpec(c.postgres!, rolesOf.get(c.profile)!, sqlOf.get(c.profile)!, names.get(c.profile)!.get(c.postgres!.path)!),
      dependsOn: healthy(c, [c.postgres!.path], () => true),
    }));
  }
  if (first.redis) add(first.redis.path, (c, name) => ({ base: c.redis!.id, spec: redisSpec(c.redis!, name ?? c.redis!.id) }));
  if (first.pooler && first.postgres) {
    const iniOf = new Map<string, string>();
    for (const c of contexts) {
      const text = dockerPgBouncerIni(c, stack.stackName, names.get(c.profile)!.get(c.postgres!.path)!, 'compose');
      iniOf.set(c.profile, placeFile(mountedFiles, 'pgbouncer', 'pgbouncer.ini', c.profile, text));
    }
    add(first.pooler.path, (c) => ({
      base: c.pooler!.id,
      spec: pgbouncerSpec(c.pooler!, iniOf.get(c.profile)!),
      // It logs in to Postgres as its own role, which the role setup creates.
      dependsOn: healthy(c, [c.postgres!.path, roleSetupPath(c.postgres!.path)], () => true),
    }));
  }

  // By path, per profile: a find() per backend would make large stacks quadratic.
  const backendsOf = new Map(contexts.map((c) => [c.profile, new Map(c.backends.map((b) => [b.path, b]))]));
  // Each migration is a one-shot service, in the profiles that declare it; every
  // database-using backend of a profile waits for all of that profile's migrations.
  const migrationPath = (b: { path: string }) => `${b.path}/migrations`;
  for (const backend of stack.backends) {
    const path = backend.node.path;
    if (!first.postgres) continue;
    add(migrationPath({ path }), (c) => {
      const b = backendsOf.get(c.profile)!.get(path)!;
      if (!b.migration) return undefined;
      const hosts = { postgres: names.get(c.profile)!.get(c.postgres!.path) };
      return { base: b.migration.serviceName, spec: migrationSpec(b, c.postgres!, hosts), dependsOn: healthy(c, [c.postgres!.path, roleSetupPath(c.postgres!.path)], () => true) };
    });
  }
  // Each profile's migration services, listed once: collected per backend, they made large stacks quadratic.
  const migrationsOf = new Map(contexts.map((c) => [c.profile, c.backends.flatMap((o) => names.get(c.profile)!.get(migrationPath(o)) ?? [])]));
  for (const backend of stack.backends) {
    const path = backend.node.path;
    add(path, (c, name) => {
      const b = backendsOf.get(c.profile)!.get(path)!;
      // Behind a pooler the backends wait for it, not for Postgres.
      const db = c.pooler ?? c.postgres;
      // Every database user waits for the role setup, behind a pooler too (its user is a role of the plan).
      const setup = b.pool && c.postgres ? [roleSetupPath(c.postgres.path)] : [];
      const deps = [...(b.pool && db ? [db.path] : []), ...setup, ...(b.redisPool > 0 && c.redis ? [c.redis.path] : [])];
      // Each profile's consumers reach that profile's providers, whatever compose named them.
      const nameOf = (p?: { path: string }) => (p ? names.get(c.profile)!.get(p.path) : undefined);
      const hosts = { postgres: nameOf(c.postgres), pooler: nameOf(c.pooler), redis: nameOf(c.redis) };
      const migrations = b.pool ? migrationsOf.get(c.profile)! : [];
      return {
        base: b.serviceName,
        spec: backendSpec(b, c.postgres, c.redis, c.pooler, hosts),
        dependsOn: {
          ...healthy(c, deps, () => true),
          ...Object.fromEntries(migrations.map((m) => [m, { condition: 'service_completed_successfully' as const }])),
        },
      };
    });
  }

  if (first.nginx) {
    // One conf per distinct rendering; profiles that render the same file share it.
    const confOf = new Map<string, string>();
    for (const c of contexts) {
      const text = dockerNginxConf(c, stack.stackName);
      confOf.set(c.profile, placeFile(mountedFiles, 'nginx', 'nginx.conf', c.profile, text));
    }
    add(first.nginx.path, (c) => {
      // nginx proxies to the web backends only; it never waits for a worker.
      const paths = c.backends.filter((b) => b.kind === 'web').map((b) => b.path);
      const gated = (p: string) => !!c.backends.find((b) => b.path === p)!.healthcheck;
      return { base: c.nginx!.id, spec: nginxSpec(c.nginx!, confOf.get(c.profile)!), dependsOn: healthy(c, paths, gated) };
    });
  }

  if (first.monitoring) addMonitoring(stack, contexts, { add, healthy, names, mountedFiles, roleSetupPath });

  const secrets = new Set<string>();
  const volumes = new Set<string>();
  let usesData = false;
  for (const s of specs) {
    for (const name of s.secrets ?? []) secrets.add(name);
    for (const v of s.volumes ?? []) volumes.add(v.name);
    if (s.networks.some((n) => n.name === DATA_NETWORK)) usesData = true;
  }
  const compose: ComposeFile = {
    services: sortedKeys(services),
    networks: { [APP_NETWORK]: {}, ...(usesData ? { [DATA_NETWORK]: { internal: true } } : {}) },
    ...(volumes.size ? { volumes: Object.fromEntries([...volumes].sort().map((v) => [v, {}])) } : {}),
    ...(secrets.size ? { secrets: Object.fromEntries([...secrets].sort().map((s) => [s, { file: `${secretsDir.replace(/\/+$/, '')}/${s}` }])) } : {}),
  };
  return { compose, mountedFiles, serviceNames: names };
}
