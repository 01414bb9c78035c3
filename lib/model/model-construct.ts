import { Construct } from 'constructs';
import * as z from 'zod';
import { ConfigError, type ConfigIssueInit } from '../errors.js';
import type { SuppressionProps } from './common.js';
import type { RuleId } from './rule-ids.js';
import { suggestion } from './did-you-mean.js';
import { deepMerge, deepPartial } from './overrides.js';
import { suppressionsSchema } from './schema-kit.js';
import { Stack, type AnyModelConstruct } from './stack.js';
import { validateProps } from './validate.js';

/** The kinds of model construct a stack holds. */
export type ModelKind = 'backend' | 'nginx' | 'postgres' | 'pgbouncer' | 'redis' | 'monitoring';

/** Props every model construct takes besides its own. */
export interface ModelCommonProps<Override> {
  /**
   * Per-profile overrides, deep-merged over the base props (mappings merge, lists replace).
   *
   * @default - no overrides
   */
  readonly profiles?: Record<string, Override>;
  /**
   * Rules turned off for this construct, each with a reason.
   *
   * @default - none
   */
  readonly suppressions?: readonly SuppressionProps[];
}

/** A suppression with the construct it belongs to. */
export interface Suppression extends Omit<SuppressionProps, 'rule'> {
  // A string, not a RuleId: untyped JavaScript may pass any `SO-…` id, which the synth gate
  // refuses (with the closest id) before it matches findings.
  /** Rule id, e.g. `SO-HA`. */
  readonly rule: string;
  /** Construct path of the suppressing construct; findings at that path are suppressed. */
  readonly path: string;
}

/**
 * Shared machinery: eager prop validation, profile overrides, memoized resolution and
 * suppressions. Subclasses only say how validated props become resolved values.
 */
export abstract class ModelConstruct<Props extends object, Resolved> extends Construct {
  /** Which model construct this is; lets code narrow a construct without instanceof. */
  public abstract readonly kind: ModelKind;
  /** The stack this construct belongs to. */
  public readonly stack: Stack;
  private readonly base: Props;
  private readonly overrides: Readonly<Record<string, unknown>>;
  private readonly schema: z.ZodType<unknown, Props>;
  private readonly resolved = new Map<string, Resolved>();
  private readonly _suppressions: Suppression[] = [];

  protected constructor(
    scope: Construct,
    id: string,
    props: Props & ModelCommonProps<unknown>,
    /** Its input type must be Props (with suppressions): see same-shape.ts. */
    schema: z.ZodType<unknown, Props & { suppressions?: unknown }>,
  ) {
    super(scope, id);
    this.stack = Stack.of(this);
    const site = { constructPath: this.node.path };
    const { profiles = {}, suppressions = [], ...base } = props;
    this.schema = schema;
    const issues: ConfigIssueInit[] = [];
    const collect = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        issues.push(...e.issues);
      }
    };
    collect(() => validateProps(schema, base, site));
    const overrideSchema = deepPartial(schema) as z.ZodType;
    for (const [name, override] of Object.entries(profiles)) {
      if (!this.stack.profileNames.includes(name)) {
        issues.push({
          code: 'SO-CONFIG-KEY',
          ...site,
          path: `profiles.${name}`,
          message: `unknown profile '${name}'${suggestion(name, this.stack.profileNames)}; declare it in the Stack's profiles`,
        });
        continue;
      }
      collect(() => validateProps(overrideSchema, override, site, `profiles.${name}`));
    }
    collect(() => validateProps(suppressionsSchema, suppressions, site, 'suppressions'));
    if (issues.length) throw new ConfigError(issues);
    this.base = base as Props;
    this.overrides = profiles;
    // Untyped JavaScript may pass any SO-… id; the gate checks it against RULE_IDS (with a suggestion).
    for (const s of suppressions) this.addSuppression(s.rule, s.reason, s.profiles);
    // The one cast left: every concrete subclass is one of the kinds AnyModelConstruct lists,
    // which the abstract base cannot name (its `build` is protected).
    this.stack._register(this as unknown as AnyModelConstruct);
  }

  /**
   * The fully resolved values for `profile`: overrides merged, defaults applied, units
   * parsed. Memoized; the same object is returned on every call.
   */
  public resolve(profile: string): Resolved {
    let r = this.resolved.get(profile);
    if (r === undefined) {
      if (!this.stack.profileNames.includes(profile)) {
        throw new ConfigError([
          {
            code: 'SO-CONFIG-VALUE',
            constructPath: this.node.path,
            message: `unknown profile '${profile}'${suggestion(profile, this.stack.profileNames)}`,
          },
        ]);
      }
      const merged = deepMerge(this.base, this.overrides[profile]);
      // Cross-field checks (e.g. requests ≤ limits) must hold for the merged result too.
      validateProps(this.schema, merged, { constructPath: this.node.path, profile });
      r = this.build(merged, profile);
      this.resolved.set(profile, r);
    }
    return r;
  }

  /** Turns off `rule` for this construct, in `profiles` or in all of them. */
  public suppress(rule: RuleId, reason: string, profiles?: readonly string[]): void {
    this.addSuppression(rule, reason, profiles);
  }

  private addSuppression(rule: string, reason: string, profiles?: readonly string[]): void {
    const s = { rule, reason, profiles, path: this.node.path };
    validateProps(suppressionsSchema, [{ rule, reason, ...(profiles ? { profiles } : {}) }], { constructPath: this.node.path }, 'suppressions');
    this._suppressions.push(s);
  }

  /** Suppressions made on this construct. */
  public get suppressions(): readonly Suppression[] {
    return this._suppressions;
  }

  /** What `profile` overrides, as given; undefined when it overrides nothing. */
  protected profileOverride(profile: string): unknown {
    return this.overrides[profile];
  }

  /** The base props as given (after validation), without profile overrides. */
  public get props(): Props {
    return this.base;
  }

  protected abstract build(props: Props, profile: string): Resolved;
}
