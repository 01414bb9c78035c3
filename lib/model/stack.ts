import { Construct, type IConstruct } from 'constructs';
import { ConfigError, type ConfigIssueInit } from '../errors.js';
import type { Backend } from './backend.js';
import type { ModelKind } from './model-construct.js';
import type { Monitoring } from './monitoring.js';
import type { Nginx } from './nginx.js';
import type { PgBouncer } from './pgbouncer.js';
import type { Postgres } from './postgres.js';
import type { Redis } from './redis.js';
import { dnsLabel, RESERVED_NAMES } from './schema-kit.js';
import { visible } from './visible-text.js';

/** Any model construct; `kind` tells which. */
export type AnyModelConstruct = Backend | Nginx | Postgres | PgBouncer | Redis | Monitoring;

/** Settings of one profile. */
export interface ProfileProps {
  /**
   * Production profiles get the strict severities: SO-HA, SO-RESOURCES, SO-HEALTH and
   * SO-IMAGE-TAG fail synth instead of warning.
   *
   * @default - true for profiles named `prod` or `production`, false otherwise
   */
  readonly production?: boolean;
  /**
   * Kubernetes namespace of this profile's objects. The default one belongs to the stack:
   * the chart emits its Namespace object. A namespace you name is yours (it may hold your
   * other charts), so the chart emits no Namespace object for it; create it first.
   *
   * @default - `<stack>-<profile>`, e.g. `uns-prod`
   */
  readonly namespace?: string;
}

/** Props of a {@link Stack}. */
export interface StackProps {
  /**
   * Profiles beyond the built-in `dev` and `prod`, or settings for those two. Constructs
   * give per-profile overrides under their own `profiles` prop.
   *
   * @default - `dev` and `prod`
   */
  readonly profiles?: Record<string, ProfileProps>;
}

const BUILT_IN = ['dev', 'prod'];
const STACK = Symbol.for('scaleout.Stack');

/**
 * The root of one system: backends, nginx, Postgres and Redis, declared once and rendered
 * per profile to every target. Its construct id is the stack name.
 */
export class Stack extends Construct {
  /** The stack that `c` belongs to. */
  public static of(c: IConstruct): Stack {
    for (const s of [...c.node.scopes].reverse()) {
      if ((s as any)[STACK] === true) return s as Stack;
    }
    throw new ConfigError([{ code: 'SO-CONFIG-STRUCTURE', constructPath: c.node.path, message: 'must be created inside a scaleout Stack' }]);
  }

  /** Profile names: `dev`, `prod`, then user-defined ones in declaration order. */
  public readonly profileNames: readonly string[];
  /** The stack name (its construct id), used as compose project and label value. */
  public readonly stackName: string;
  private readonly production: ReadonlyMap<string, boolean>;
  /** The namespaces the user named, by profile; the others are `<stack>-<profile>`. */
  private readonly namespaces: ReadonlyMap<string, string>;
  private readonly members: AnyModelConstruct[] = [];

  constructor(scope: Construct | undefined, id: string, props: StackProps = {}) {
    super(scope as Construct, id);
    (this as any)[STACK] = true;
    const problems: ConfigIssueInit[] = [];
    const bad = (path: string, message: string) => problems.push({ code: 'SO-CONFIG-VALUE', constructPath: id, path, message });
    if (!dnsLabel.safeParse(id).success) {
      bad('name', `'${visible(id, 120)}' is not a DNS label; use lowercase letters, digits and '-'`);
    }
    const declared = Object.keys(props.profiles ?? {});
    const names = [...BUILT_IN, ...declared.filter((n) => !BUILT_IN.includes(n))];
    for (const n of names) {
      if (RESERVED_NAMES.includes(n)) {
        bad(`profiles.${n}`, `'${n}' is a reserved name; choose another profile name`);
      } else if (!dnsLabel.safeParse(n).success) {
        bad(`profiles.${visible(n, 120)}`, `'${visible(n, 120)}' is not a valid profile name; use lowercase letters, digits and '-'`);
      }
    }
    for (const [n, p] of Object.entries(props.profiles ?? {})) {
      if (p.namespace !== undefined && !dnsLabel.safeParse(p.namespace).success) {
        bad(`profiles.${visible(n, 120)}.namespace`, `'${visible(p.namespace, 120)}' is not a DNS label; use lowercase letters, digits and '-', starting with a letter (max 63)`);
      }
    }
    for (const n of names) {
      // `<stack>-<profile>` is the app.kubernetes.io/instance label: 63 characters at most.
      if (id.length + 1 + n.length > 63) {
        bad(`profiles.${n}`, `'${id}-${n}' is over 63 characters; shorten the stack or profile name`);
      }
    }
    // Each profile renders the same object names (db, nginx, …): one namespace each.
    const seen = new Map<string, string>();
    for (const n of names) {
      const ns = props.profiles?.[n]?.namespace ?? `${id}-${n}`;
      const other = seen.get(ns);
      if (other !== undefined) {
        problems.push({
          code: 'SO-CONFIG-STRUCTURE',
          constructPath: id,
          path: `profiles.${n}.namespace`,
          message: `'${visible(ns, 120)}' is also profile ${other}'s namespace, and both profiles name their objects alike (db, nginx, …); give profile ${n} a namespace of its own`,
        });
      } else seen.set(ns, n);
    }
    if (problems.length) throw new ConfigError(problems);
    this.stackName = id;
    this.profileNames = names;
    this.production = new Map(
      names.map((n) => [n, props.profiles?.[n]?.production ?? (n === 'prod' || n === 'production')]),
    );
    this.namespaces = new Map(names.flatMap((n) => { const ns = props.profiles?.[n]?.namespace; return ns === undefined ? [] : [[n, ns] as const]; }));
  }

  /**
   * The Kubernetes namespace of `profile`: the one its {@link ProfileProps.namespace} names,
   * or `<stack>-<profile>`, so no two profiles share object names in one namespace.
   */
  public namespaceOf(profile: string): string {
    return this.namespaces.get(profile) ?? `${this.stackName}-${profile}`;
  }

  /**
   * Whether `profile`'s namespace is the stack's own default, which the chart creates; one the
   * user named (even `<stack>-<profile>`) is theirs.
   */
  public ownsNamespace(profile: string): boolean {
    return !this.namespaces.has(profile);
  }

  /** Whether `profile` gets production severities. */
  public isProduction(profile: string): boolean {
    return this.production.get(profile) ?? false;
  }

  /** @internal called by every model construct */
  public _register(member: AnyModelConstruct): void {
    this.members.push(member);
  }

  /** Every model construct, in creation order. */
  public get constructs(): readonly AnyModelConstruct[] {
    return this.members;
  }

  /**
   * The one member of `kind`. A second one would be silently ignored by every target, so
   * it is an error naming both.
   */
  private single<K extends ModelKind>(kind: K, what: string): Extract<AnyModelConstruct, { kind: K }> | undefined {
    const found = this.members.filter((m): m is Extract<AnyModelConstruct, { kind: K }> => m.kind === kind);
    if (found.length > 1) {
      const [first, ...rest] = found.map((m) => m.node.path);
      throw new ConfigError(
        rest.map((p) => ({
          code: 'SO-CONFIG-STRUCTURE',
          constructPath: p,
          message: `a second ${what} in stack '${this.stackName}' (the first is ${first}); a stack has at most one ${what}: remove one, or put it in its own Stack`,
        })),
      );
    }
    return found[0];
  }

  /** Backends in creation order. */
  public get backends(): readonly Backend[] {
    return this.members.filter((m): m is Backend => m.kind === 'backend');
  }

  /** The load balancer, when the stack has one; throws a ConfigError when it holds two. */
  public get nginx(): Nginx | undefined {
    return this.single('nginx', 'Nginx');
  }

  /** The database, when the stack has one; throws a ConfigError when it holds two. */
  public get postgres(): Postgres | undefined {
    return this.single('postgres', 'Postgres');
  }

  /** The pooler in front of Postgres, when the stack has one. */
  public get pooler(): PgBouncer | undefined {
    return this.single('pgbouncer', 'PgBouncer');
  }

  /** The shared Redis, when the stack has one; throws a ConfigError when it holds two. */
  public get redis(): Redis | undefined {
    return this.single('redis', 'Redis');
  }

  /** Prometheus and Grafana, when the stack has them. */
  public get monitoring(): Monitoring | undefined {
    return this.single('monitoring', 'Monitoring');
  }
}
