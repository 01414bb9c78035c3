/** The two networks of a stack, as in compose: `app` faces nginx, `data` is internal. */
import * as docker from '@pulumi/docker';
import type * as pulumi from '@pulumi/pulumi';

/** The networks a DockerStack creates. */
export interface StackNetworks {
  /** nginx and the backends. */
  readonly app: docker.Network;
  /**
   * Postgres, Redis and the backends that use them. `internal: true`: no route out and no
   * published ports, so the data tier is reachable only from containers on it.
   */
  readonly data?: docker.Network;
}

/** Creates `${name}-app` and, when the stack has a data tier, `${name}-data`. */
export function createNetworks(name: string, withData: boolean, parent: pulumi.Resource): StackNetworks {
  const app = new docker.Network(`${name}-app`, { name: `${name}-app` }, { parent });
  if (!withData) return { app };
  const data = new docker.Network(`${name}-data`, { name: `${name}-data`, internal: true }, { parent });
  return { app, data };
}
