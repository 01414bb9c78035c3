/** Pinned images, pulled once per distinct reference. */
import * as docker from '@pulumi/docker';
import type * as pulumi from '@pulumi/pulumi';

/**
 * One RemoteImage per image reference, named after the first construct that uses it
 * (`${prefix}-${id}-image`). The reference is the model's pinned tag (the gate refuses
 * `latest` in production); `keepLocally` leaves the image on the engine when the stack
 * moves on, so a rollback or another stack on the same engine does not pull it again.
 */
export class StackImages {
  private readonly made = new Map<string, docker.RemoteImage>();

  constructor(
    private readonly prefix: string,
    private readonly parent: pulumi.Resource,
  ) {}

  /** The image for `ref`, used by construct `id`. */
  public get(ref: string, id: string): docker.RemoteImage {
    let image = this.made.get(ref);
    if (image === undefined) {
      image = new docker.RemoteImage(`${this.prefix}-${id}-image`, { name: ref, keepLocally: true }, { parent: this.parent });
      this.made.set(ref, image);
    }
    return image;
  }

  /** Every image pulled, by reference. */
  public get all(): ReadonlyMap<string, docker.RemoteImage> {
    return this.made;
  }
}
