/**
 * Which secrets each target reads, read off what the targets render rather than listed by
 * hand: the compose file's `secrets:`, each Kubernetes profile's manifests, and each profile's
 * Pulumi plan. `scaleout secrets` creates the files and prints the commands from these.
 */
import { App } from 'cdk8s';
import { SynthError } from '../errors.js';
import type { Stack } from '../model/stack.js';
import { poolerAuthUsers, postgresRoles, type PoolerAuthUser } from '../plan/roles.js';
import { evaluate, synthGate } from '../rules/gate.js';
import { composeProject } from '../targets/compose/project.js';
import { KubernetesChart, secretName } from '../targets/kubernetes/index.js';

/** How one secret file gets its value. */
export type SecretSource =
  | { readonly kind: 'random' }
  /** PgBouncer's auth_file, derived from the password files of the users it lists. */
  | { readonly kind: 'userlist'; readonly users: readonly PoolerAuthUser[] }
  | { readonly kind: 'user'; readonly what: string };

/** Every secret file the compose stack reads, by name (sorted), and where its value comes from. */
export function secretSources(stack: Stack): Map<string, SecretSource> {
  const report = evaluate(stack, { targets: ['compose'] });
  const names = Object.keys(composeProject(stack, report.contexts).compose.secrets ?? {});
  const sources = new Map<string, SecretSource>(names.map((n) => [n, { kind: 'user', what: 'a value only you have (an API key, a certificate)' }]));
  for (const c of report.contexts) {
    // Every login role's password (lib/plan/roles.ts) and the pooler's other users are random too.
    const roles = postgresRoles(c, 'compose').map((r) => r.passwordSecret);
    const auth = poolerAuthUsers(c);
    for (const s of [c.postgres?.passwordSecret, c.redis?.passwordSecret, c.monitoring?.grafana.adminPasswordSecret, ...roles, ...auth.map((u) => u.passwordSecret)]) {
      if (s !== undefined && sources.has(s)) sources.set(s, { kind: 'random' });
    }
    // One userlist file serves every profile's pooler: it lists the users of all of them.
    if (c.pooler && sources.has(c.pooler.userlistSecret)) {
      const had = sources.get(c.pooler.userlistSecret)!;
      const users = new Map([...(had.kind === 'userlist' ? had.users : []), ...auth].map((u) => [u.user, u]));
      sources.set(c.pooler.userlistSecret, { kind: 'userlist', users: [...users.values()].sort((a, b) => (a.user < b.user ? -1 : 1)) });
    }
  }
  return new Map([...sources].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The Secrets one Kubernetes profile's manifests reference, and the namespace they go in. */
export interface KubernetesSecrets {
  readonly profile: string;
  readonly namespace: string;
  /** Whether the manifest creates the namespace itself (the stack's own `<stack>-<profile>`). */
  readonly ownsNamespace: boolean;
  /** Model secret names (files) whose Secret some object references, sorted. */
  readonly secrets: readonly string[];
  /** Referenced Secret names no secret file maps to (none, unless the targets disagree). */
  readonly unmatched: readonly string[];
}

/** Secret names in a manifest: volumes' `secret.secretName` and env's `secretKeyRef.name`. */
function secretRefs(node: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(node)) {
    for (const n of node) secretRefs(n, out);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const volume = o['secret'] as { secretName?: unknown } | undefined;
    if (typeof volume?.secretName === 'string') out.add(volume.secretName);
    const env = o['secretKeyRef'] as { name?: unknown } | undefined;
    if (typeof env?.name === 'string') out.add(env.name);
    for (const v of Object.values(o)) secretRefs(v, out);
  }
  return out;
}

/**
 * Per profile, the Secrets its chart (the one synth renders) references, mapped back to the
 * secret files in `files`. Undefined when the rules refuse the stack on Kubernetes: synth
 * writes no manifests then, so there is nothing to create Secrets for.
 */
export function kubernetesSecrets(stack: Stack, files: Iterable<string>): KubernetesSecrets[] | undefined {
  let report;
  try {
    report = synthGate(stack, { targets: ['kubernetes'] });
  } catch (e) {
    if (e instanceof SynthError) return undefined;
    throw e;
  }
  const byK8sName = new Map([...files].map((f) => [secretName(f), f]));
  return stack.profileNames.map((profile) => {
    // As synth renders it (lib/cli/synth-files.ts): one App per profile, the default namespace.
    const chart = new KubernetesChart(new App(), `${stack.stackName}-${profile}`, { stack, profile, report });
    const refs = [...secretRefs(chart.toJson(), new Set())];
    return {
      profile,
      namespace: chart.namespace!,
      ownsNamespace: chart.namespaceObject !== undefined,
      secrets: refs.flatMap((r) => (byK8sName.has(r) ? [byK8sName.get(r)!] : [])).sort(),
      unmatched: refs.filter((r) => !byK8sName.has(r)).sort(),
    };
  });
}

/** The stack config one Pulumi profile reads secrets from (lib/targets/pulumi/secrets.ts). */
export interface PulumiSecrets {
  readonly profile: string;
  /** Config key and secret file of each secret the program needs, sorted by key; `refused` when the rules refuse the profile. */
  readonly required: readonly { readonly key: string; readonly file: string }[];
  /** Login roles' password secrets: read when set, else derived from `postgresPassword`. */
  readonly derived: readonly string[];
  readonly refused: boolean;
}

/** The Pulumi plan module, relative to this module and to the bundled bin alike. */
const PULUMI_PLAN = '../targets/pulumi/plan.js';

/**
 * Per profile, the secrets the Pulumi program reads, from its own plan (`planDockerStack`):
 * not the PgBouncer userlist, which the program builds from the role passwords. Undefined
 * when `@pulumi/pulumi` (an optional peer dependency the plan's module loads) is missing.
 */
export async function pulumiSecrets(stack: Stack): Promise<PulumiSecrets[] | undefined> {
  let plan: typeof import('../targets/pulumi/plan.js');
  try {
    // A specifier esbuild cannot follow: bundled into the bin, the plan's static imports of
    // @pulumi/* would be hoisted and load on every command. Relative to the bin
    // (build/bin/) and to this module alike, it names the unbundled plan module.
    const specifier: string = PULUMI_PLAN;
    plan = await import(specifier);
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
  return stack.profileNames.map((profile) => {
    let p;
    try {
      p = plan.planDockerStack(stack, profile);
    } catch (e) {
      if (e instanceof SynthError) return { profile, required: [], derived: [], refused: true };
      throw e;
    }
    const { postgres, redis } = p.ctx;
    const key = (n: string) => (n === postgres?.passwordSecret ? 'postgresPassword' : n === redis?.passwordSecret ? 'redisPassword' : n);
    const derived = new Set(p.roleSecrets);
    const required = p.secretNames.filter((n) => !derived.has(n)).map((file) => ({ key: key(file), file }));
    return { profile, required: required.sort((a, b) => (a.key < b.key ? -1 : 1)), derived: [...derived], refused: false };
  });
}
