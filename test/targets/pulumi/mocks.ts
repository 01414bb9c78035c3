/**
 * Pulumi unit-test mocks that record every resource registration.
 *
 * `MockResourceArgs` carries type, name, inputs and `custom`, but not the parent, the
 * dependencies or `deleteBeforeReplace`. Those are on the RegisterResourceRequest the mock
 * monitor receives, so the recorder wraps the monitor's `registerResource` and reads the
 * inputs with the same deserializer the mock monitor uses: secrets stay marked as secrets.
 */
import * as pulumi from '@pulumi/pulumi';

/** One registration, as the engine would have received it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** URN of the parent resource; '' for none. */
  readonly parent: string;
  readonly custom: boolean;
  readonly deleteBeforeReplace: boolean;
  /** URNs this resource depends on (dependsOn and input dependencies), sorted. */
  readonly dependencies: readonly string[];
  readonly inputs: Record<string, any>;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getObject(): any;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, callback: Callback): unknown;
}

export const REMOTE_IMAGE = 'docker:index/remoteImage:RemoteImage';

/**
 * Installs mocks for `project`/`stack` (not a preview) and returns the live list of
 * registrations. Call it before creating any resource.
 */
export function installMocks(project: string, stack: string): Registration[] {
  const registrations: Registration[] = [];
  void pulumi.runtime.setMocks(
    {
      // Computed outputs come back undefined unless returned: echo the inputs, add the name
      // and, for images, an id the containers can refer to.
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: {
          name: args.name,
          ...args.inputs,
          ...(args.type === REMOTE_IMAGE ? { imageId: `sha256-of:${args.inputs.name}` } : {}),
        },
      }),
      call: (args) => args.inputs,
    },
    project,
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, resp) => {
      if (!err && resp) {
        registrations.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          parent: req.getParent(),
          custom: req.getCustom(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
          dependencies: [...req.getDependenciesList()].sort(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject()),
        });
      }
      callback(err, resp);
    });
  return registrations;
}

/** The value of an Output, once known. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Whether `v` is a secret as the engine receives it. */
export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === 'object' && v !== null && (v as any)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** `v` with every secret value replaced by '[secret]': what may be shown, logged or diffed. */
export function withoutSecrets(v: unknown): unknown {
  if (isSecret(v)) return '[secret]';
  if (Array.isArray(v)) return v.map(withoutSecrets);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutSecrets(x)]));
  }
  return v;
}

/** Registrations of component `name` and its children (`name-…`), sorted by URN. */
export function registrationsOf(all: readonly Registration[], name: string): Registration[] {
  return all
    .filter((r) => r.name === name || r.name.startsWith(`${name}-`))
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

/** Lets pending registrations (if any were started) reach the monitor. */
export function settleTicks(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50));
}

/** Waits until a component and every child it lists have been registered. */
export async function settle(component: { urn: pulumi.Output<string>; resources: readonly pulumi.Resource[] }): Promise<void> {
  await promiseOf(pulumi.all([component.urn, ...component.resources.map((r) => r.urn)]));
}
