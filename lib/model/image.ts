/** The tag of an image reference, or undefined when it has none (or only a digest). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0]!;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? undefined : noDigest.slice(colon + 1);
}

/** Whether the image is pinned by digest. */
export function hasDigest(image: string): boolean {
  return image.includes('@sha256:');
}

/** The leading `major.minor[.patch]` of an image tag (`1.28.0-alpine` → `1.28.0`). */
export function tagVersion(image: string): string | undefined {
  const tag = imageTag(image);
  const m = tag ? /^(\d+(?:\.\d+){0,2})(?:[-_.].*)?$/.exec(tag) : null;
  return m ? m[1] : undefined;
}

/** A dotted version as [major, minor, patch], missing parts as 0. */
export type Version = readonly [number, number, number];

export function parseVersion(v: string): Version {
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return [a, b, c];
}

/** `a >= b` for dotted versions. */
export function versionAtLeast(a: Version, b: Version): boolean {
  for (let i = 0; i < 3; i++) {
    if (a[i]! !== b[i]!) return a[i]! > b[i]!;
  }
  return true;
}
