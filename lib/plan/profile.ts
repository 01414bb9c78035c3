/**
 * One profile of a stack, resolved: every construct's values with the profile's overrides
 * applied, and the connections the stack's own workloads hold added to each provider. Rules,
 * renderers and targets all read this; none of them resolves a construct again.
 */
import { sizeAutoscaleFromBudgets } from '../capacity/load.js';
import type { ResolvedBackend } from '../model/backend.js';
import { exporterClients, type ResolvedMonitoring, type StackClient } from '../model/monitoring.js';
import type { ResolvedNginx } from '../model/nginx.js';
import type { ResolvedPgBouncer } from '../model/pgbouncer.js';
import type { ResolvedPostgres } from '../model/postgres.js';
import type { ResolvedRedis } from '../model/redis.js';
import type { Stack } from '../model/stack.js';
import { MONITOR_CONNECTIONS, MONITOR_ROLE } from './roles.js';

/** Every construct of one profile, resolved. */
export interface ResolvedProfile {
  /** The stack the profile belongs to. */
  readonly stack: Stack;
  /** Profile name. */
  readonly profile: string;
  /** Whether this is a production profile: stricter rules fail synth instead of warning. */
  readonly production: boolean;
  /** Every backend, in declaration order. */
  readonly backends: readonly ResolvedBackend[];
  /** nginx, when the stack has it. */
  readonly nginx?: ResolvedNginx;
  /** Postgres, with the stack's own clients (exporters) among its fixed clients. */
  readonly postgres?: ResolvedPostgres;
  /** The pooler between backends and Postgres, when the stack has one. */
  readonly pooler?: ResolvedPgBouncer;
  /** Redis, with the stack's own clients (exporters) among its fixed clients. */
  readonly redis?: ResolvedRedis;
  /** Prometheus and Grafana, when the stack has them. */
  readonly monitoring?: ResolvedMonitoring;
}

/** Adds the clients the stack itself creates to a provider's declared fixed clients. */
function withClients<T extends { readonly fixedClients: readonly StackClient[] }>(provider: T, clients: readonly StackClient[]): T {
  if (clients.length === 0) return provider;
  const fixedClients = [...provider.fixedClients, ...clients].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ...provider, fixedClients };
}

/** The monitoring role's connection, a fixed client of every Postgres (lib/plan/roles.ts). */
const MONITOR_CLIENT: StackClient = { name: MONITOR_ROLE, count: MONITOR_CONNECTIONS };

/**
 * Resolves every construct for `profile`. Connections the stack's own workloads hold (the
 * exporters) are added to each provider's fixed clients here, so every budget counts them.
 */
export function resolveProfile(stack: Stack, profile: string): ResolvedProfile {
  const exporters = stack.monitoring ? exporterClients() : undefined;
  const pick = (c: StackClient | undefined) => (c ? [c] : []);
  // An autoscale.max left to the budgets (load set, no max) needs the whole profile.
  return sizeAutoscaleFromBudgets({
    stack,
    profile,
    production: stack.isProduction(profile),
    backends: stack.backends.map((b) => b.resolve(profile)),
    ...(stack.nginx ? { nginx: stack.nginx.resolve(profile) } : {}),
    // The monitoring role (`scaleout check --live`) holds a connection of its own.
    ...(stack.postgres ? { postgres: withClients(stack.postgres.resolve(profile), [...pick(exporters?.postgres), MONITOR_CLIENT]) } : {}),
    ...(stack.pooler ? { pooler: withClients(stack.pooler.resolve(profile), pick(exporters?.pgbouncer)) } : {}),
    ...(stack.redis ? { redis: withClients(stack.redis.resolve(profile), pick(exporters?.redis)) } : {}),
    ...(stack.monitoring ? { monitoring: stack.monitoring.resolve(profile) } : {}),
  });
}
