/** Named volumes: Postgres and Redis data, and the volumes backends share (uploads, logs). */
import * as docker from '@pulumi/docker';
import type * as pulumi from '@pulumi/pulumi';

/**
 * Creates each volume on first use, named `${prefix}-${name}`. A name used twice is one
 * volume, as in compose, so replicas (and backends) that mount `uploads` share it.
 */
export class StackVolumes {
  private readonly made = new Map<string, docker.Volume>();

  constructor(
    private readonly prefix: string,
    private readonly parent: pulumi.Resource,
  ) {}

  /** The volume for a model volume name (`uploads`, `db-data`). */
  public get(name: string): docker.Volume {
    let v = this.made.get(name);
    if (v === undefined) {
      v = new docker.Volume(`${this.prefix}-${name}`, { name: `${this.prefix}-${name}` }, { parent: this.parent });
      this.made.set(name, v);
    }
    return v;
  }

  /** Every volume created, by model volume name. */
  public get all(): ReadonlyMap<string, docker.Volume> {
    return this.made;
  }
}
