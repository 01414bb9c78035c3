/**
 * Kubernetes expands `$(VAR_NAME)` in a container's `command`, `args` and env `value`s, and
 * reads `$$` as one literal `$`. Text from the model (a backend's env, command and args) and
 * our own shell scripts (the Redis start script's `$(sed …)`) must reach the process as
 * written, so every `$` in those fields is emitted as `$$`; Kubernetes turns it back. The one
 * deliberate reference (the pgbouncer exporter's DSN, `$(PGBOUNCER_PASSWORD)`) is declared
 * with {@link kubernetesReferences} and left as written.
 */
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';

/** `$` → `$$`: what Kubernetes expands back to the text as given. */
export function escapeDollars(text: string): string {
  return text.replaceAll('$', () => '$$');
}

/** Per container, the env vars whose value uses Kubernetes' `$(VAR)` expansion on purpose. */
const references = new WeakMap<kplus.Container, ReadonlySet<string>>();
/** Containers whose output is already escaped, so wrapping twice never escapes twice. */
const escaped = new WeakSet<kplus.Container>();

/**
 * Declares env vars of `container` whose values reference other env vars as `$(NAME)` on
 * purpose; {@link emitLiteralText} leaves those values as written.
 */
export function kubernetesReferences(container: kplus.Container, names: readonly string[]): void {
  references.set(container, new Set([...(references.get(container) ?? []), ...names]));
}

/** The env vars of `container` declared with {@link kubernetesReferences}. */
export function kubernetesReferencesOf(container: kplus.Container): ReadonlySet<string> {
  return references.get(container) ?? new Set();
}

/**
 * Makes `container` emit its command, args and literal env values with every `$` as `$$`.
 * cdk8s-plus renders a container in `_toKube()`, the one place its fields become the
 * manifest's; wrapping it there keeps the construct's own fields (what users read and patch
 * through cdk8s-plus) as the process will see them, and leaves JSON patches, which are
 * manifest text, alone.
 */
export function emitLiteralText(container: kplus.Container): void {
  if (escaped.has(container)) return;
  escaped.add(container);
  const toKube = container._toKube.bind(container);
  container._toKube = () => {
    const k = toKube();
    const keep = kubernetesReferencesOf(container);
    return {
      ...k,
      command: k.command?.map(escapeDollars),
      args: k.args?.map(escapeDollars),
      env: k.env?.map((e) => (e.value === undefined || keep.has(e.name) ? e : { ...e, value: escapeDollars(e.value) })),
    };
  };
}

/** {@link emitLiteralText} for every container and init container of every pod in `scope`'s tree. */
export function emitLiteralTextIn(scope: Construct): void {
  for (const c of scope.node.findAll()) {
    if (c instanceof kplus.AbstractPod) for (const container of [...c.initContainers, ...c.containers]) emitLiteralText(container);
  }
}
