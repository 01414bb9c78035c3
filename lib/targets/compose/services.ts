/**
 * ServiceSpec (lib/render/docker-services.ts) → a compose-spec service object. Text stays
 * literal here; the YAML writer (yaml.ts) escapes `$` once for the whole file.
 */
import type { ResolvedResources } from '../../model/common.js';
import type { ServiceSpec } from '../../render/docker-services.js';

export { APP_NETWORK, DATA_NETWORK, secretPath } from '../../render/docker-services.js';

/** `depends_on` entries: the dependency's compose name → when it counts as up. */
export type ComposeDependencies = Readonly<Record<string, ComposeDependency>>;

/** One `depends_on` entry. */
export interface ComposeDependency {
  /** Wait for the dependency's healthcheck, for it to start, or (a one-shot) for it to exit 0. */
  readonly condition: 'service_healthy' | 'service_started' | 'service_completed_successfully';
}

/** `deploy.resources.limits` or `reservations`. */
export interface ComposeCompute {
  /** CPUs, e.g. `'0.5'`. */
  cpus?: string;
  /** Memory in compose's units, e.g. `'512M'` (compose reads M as MiB). */
  memory?: string;
}

/** A service's `healthcheck`. */
export interface ComposeHealthcheck {
  /** `CMD`/`CMD-SHELL` argv. */
  test: string[];
  /** Time between checks, e.g. `'15s'`. */
  interval: string;
  /** How long one check may take. */
  timeout: string;
  /** Consecutive failures before unhealthy. */
  retries: number;
  /** Grace period before failures count. */
  start_period: string;
}

/** A service's `deploy` section. */
export interface ComposeDeploy {
  /** Replicas `up` starts; absent for services that always run one. */
  replicas?: number;
  /** cpu and memory limits and reservations. */
  resources?: {
    /** Hard limits. */
    limits?: ComposeCompute;
    /** Reservations (Kubernetes' requests). */
    reservations?: ComposeCompute;
  };
  /** When compose restarts a container. */
  restart_policy: {
    /** `none`, `on-failure` or `any`. */
    condition: string;
    /** Restarts before compose gives up. */
    max_attempts?: number;
  };
}

/** A compose-spec service, as far as scaleout writes one. */
export interface ComposeService {
  /** Image reference. */
  image: string;
  /** Replaces the image's entrypoint (argv). */
  entrypoint?: string[];
  /** Replaces the image's command (argv). */
  command?: string[];
  /** Literal env values; passwords only ever as `*_FILE` paths. */
  environment?: Record<string, string>;
  /** Ports reachable by other services only. */
  expose?: string[];
  /** `host:container` */
  ports?: string[];
  /** `name:path[:ro]` or `./file:path:ro` */
  volumes?: string[];
  /** How compose checks the service is healthy. */
  healthcheck?: ComposeHealthcheck;
  /** Services that must be healthy (or started) first. */
  depends_on?: ComposeDependencies;
  /** Replicas, resources and restart policy. */
  deploy: ComposeDeploy;
  /** A list when no network carries an alias, else one entry per network. */
  networks: string[] | Record<string, ComposeServiceNetwork>;
  /** Secret names, mounted under /run/secrets. */
  secrets?: string[];
  /** The user the container runs as. */
  user?: string;
  /** Run an init process that reaps children and forwards signals. */
  init?: boolean;
  /** A fixed container name (only when SO-SCALE-CONFLICT was suppressed). */
  container_name?: string;
  /** The profiles the service starts in; absent when it starts in every one. */
  profiles?: string[];
}

/** A service's membership of one network. */
export interface ComposeServiceNetwork {
  /** Extra DNS names on that network. */
  aliases?: string[];
}

function compute(c: ResolvedResources['limits']): ComposeCompute | undefined {
  const o: ComposeCompute = {};
  if (c.cpu) o.cpus = c.cpu.toCompose();
  if (c.memory) o.memory = c.memory.toCompose();
  return Object.keys(o).length ? o : undefined;
}

function deploy(spec: ServiceSpec): ComposeService['deploy'] {
  const limits = compute(spec.resources.limits);
  const reservations = compute(spec.resources.requests);
  const r = spec.restart;
  return {
    ...(spec.replicas !== undefined ? { replicas: spec.replicas } : {}),
    ...(limits || reservations ? { resources: { ...(limits ? { limits } : {}), ...(reservations ? { reservations } : {}) } } : {}),
    // compose honours condition and max_attempts only; delay and window are Swarm-only.
    restart_policy: { condition: r.condition, ...(r.maxAttempts ? { max_attempts: r.maxAttempts } : {}) },
  };
}

/**
 * Compose names a service's own DNS name after it, so an alias equal to `name` is dropped.
 * Services with stable aliases get the map form, the others the short list form.
 */
function networks(spec: ServiceSpec, name: string): ComposeService['networks'] {
  if (!spec.networks.some((n) => n.aliases.length)) return spec.networks.map((n) => n.name);
  return Object.fromEntries(
    spec.networks.map((n) => {
      const aliases = n.aliases.filter((a) => a !== name);
      return [n.name, aliases.length ? { aliases } : {}];
    }),
  );
}

/** The compose service `name` for `spec`, started after `dependencies`. */
export function composeService(spec: ServiceSpec, name: string, dependencies: ComposeDependencies = {}): ComposeService {
  const h = spec.health;
  // Rendered files first, then named volumes: the order compose has always written.
  const volumes = [
    ...(spec.files ?? []).map((f) => `./${f.file}:${f.path}:ro`),
    ...(spec.volumes ?? []).map((v) => `${v.name}:${v.path}${v.readOnly ? ':ro' : ''}`),
  ];
  return {
    image: spec.image,
    ...(spec.init ? { init: true } : {}),
    ...(spec.entrypoint ? { entrypoint: [...spec.entrypoint] } : {}),
    ...(spec.command ? { command: [...spec.command] } : {}),
    ...(spec.env ? { environment: { ...spec.env } } : {}),
    ...(spec.expose?.length ? { expose: spec.expose.map(String) } : {}),
    ...(spec.ports?.length ? { ports: spec.ports.map((p) => `${p.host}:${p.container}`) } : {}),
    ...(volumes.length ? { volumes } : {}),
    ...(h
      ? {
          healthcheck: {
            test: [...h.test],
            interval: h.interval.toString(),
            timeout: h.timeout.toString(),
            retries: h.retries,
            start_period: h.startPeriod.toString(),
          },
        }
      : {}),
    ...(Object.keys(dependencies).length ? { depends_on: dependencies } : {}),
    deploy: deploy(spec),
    networks: networks(spec, name),
    ...(spec.secrets?.length ? { secrets: [...spec.secrets] } : {}),
    ...(spec.user !== undefined ? { user: spec.user } : {}),
    ...(spec.containerName !== undefined ? { container_name: spec.containerName } : {}),
  };
}
