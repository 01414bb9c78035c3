/**
 * What `scaleout check --live` reads from a running stack, as plain data. The readers
 * (Docker API, PostgreSQL, Kubernetes API) fill it; the comparison reads only this, so it is
 * tested without any of them.
 */
import { ScaleoutError } from '../../errors.js';

/** One compose service's containers, found by their compose labels. */
export interface ServiceCount {
  /** `com.docker.compose.service`. */
  readonly service: string;
  readonly running: number;
  /** Running containers whose healthcheck reports healthy. */
  readonly healthy: number;
  /** Every container of the service, stopped ones included. */
  readonly total: number;
}

/** The compose project's containers, per service. */
export interface ComposeFacts {
  /** `com.docker.compose.project`. */
  readonly project: string;
  /** Sorted by service name. */
  readonly services: readonly ServiceCount[];
}

/** A Deployment's or StatefulSet's scale settings. */
export interface WorkloadFacts {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly name: string;
  /** `spec.replicas`. */
  readonly replicas: number;
  /** `status.readyReplicas`. */
  readonly ready: number;
  /** `spec.strategy.rollingUpdate.maxSurge` (Deployments; a StatefulSet surges by 0). */
  readonly maxSurge: number | string;
  /** `spec.strategy.rollingUpdate.maxUnavailable`. */
  readonly maxUnavailable: number | string;
  /** The HPA that scales it, when there is one. */
  readonly hpa?: { readonly name: string; readonly current: number; readonly min: number; readonly max: number };
}

/** The namespace's workloads, by name. */
export interface KubernetesFacts {
  readonly namespace: string;
  /** Sorted by name. */
  readonly workloads: readonly WorkloadFacts[];
}

/** One login role as the server has it. */
export interface RoleFacts {
  readonly name: string;
  /** `pg_roles.rolconnlimit`; -1 means no limit. */
  readonly connectionLimit: number;
}

/** Client connections of one role with one `application_name`. */
export interface ConnectionCount {
  readonly role: string;
  readonly applicationName: string;
  readonly count: number;
}

/** The server's connection settings, roles and current client connections. */
export interface PostgresFacts {
  /** `server_version_num`, e.g. 150018. */
  readonly serverVersion: number;
  readonly maxConnections: number;
  readonly superuserReservedConnections: number;
  /** `reserved_connections`; undefined before PostgreSQL 16, which has no such setting. */
  readonly reservedConnections?: number;
  /** Sorted by name. */
  readonly roles: readonly RoleFacts[];
  /** Client backends only, sorted by role then application_name. */
  readonly connections: readonly ConnectionCount[];
}

/** Everything read from one running stack; a part is absent when it was not read. */
export interface LiveFacts {
  readonly compose?: ComposeFacts;
  readonly kubernetes?: KubernetesFacts;
  readonly postgres?: PostgresFacts;
}

/** The stack (Docker API, Kubernetes API or PostgreSQL) cannot be reached. Exit code 3. */
export class UnreachableError extends ScaleoutError {
  constructor(message: string) {
    super(message, 3);
  }
}
