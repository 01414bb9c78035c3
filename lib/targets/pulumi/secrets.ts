/**
 * Secret values, resolved before anything is registered. Each one is a Pulumi secret
 * Output from the first place that has it: the component args, else stack config.
 */
import { createHmac } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { ConfigError, type ConfigIssueInit } from '../../errors.js';
import type { DockerPlan } from './plan.js';

/** Where secret values come from. */
export interface SecretArgs {
  /**
   * The Postgres password.
   *
   * @default - config secret `postgresPassword` of the project (`pulumi config set --secret postgresPassword …`)
   */
  readonly postgresPassword?: pulumi.Input<string>;
  /**
   * The Redis password.
   *
   * @default - config secret `redisPassword` of the project
   */
  readonly redisPassword?: pulumi.Input<string>;
  /**
   * Other secrets the model references. A login role's password (`pg_<role>_password`, see
   * lib/plan/roles.ts) that is neither given here nor in config is derived from the Postgres
   * superuser's: HMAC-SHA256 keyed with it over the role name, so each role has its own, and
   * one role's password reveals neither another's nor the superuser's.
   *
   * Other secrets the model references (`env: { API_KEY: { secret: 'api_key' } }`, TLS
   * certificate and key), by secret name.
   *
   * @default - config secret of the same name (`pulumi config set --secret api_key …`)
   */
  readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * Every secret the plan's containers mount, by secret name. Missing config values are
 * reported together, each with the command that sets it.
 */
export function resolveSecrets(plan: DockerPlan, args: SecretArgs): ReadonlyMap<string, pulumi.Output<string>> {
  const { postgres, redis } = plan.ctx;
  const config = new pulumi.Config();
  const out = new Map<string, pulumi.Output<string>>();
  const missing: ConfigIssueInit[] = [];
  const derived = new Set([...plan.roleSecrets].filter((n) => args.secrets?.[n] === undefined && config.getSecret(n) === undefined));
  for (const name of plan.secretNames) {
    if (derived.has(name)) continue;
    const [given, key, arg] =
      name === postgres?.passwordSecret
        ? [args.postgresPassword, 'postgresPassword', 'postgresPassword']
        : name === redis?.passwordSecret
          ? [args.redisPassword, 'redisPassword', 'redisPassword']
          : [args.secrets?.[name], name, `secrets.${name}`];
    // pulumi.secret keeps a plain string out of every recorded input and of state.
    const value = given !== undefined ? pulumi.secret(given) : config.getSecret(key);
    if (value === undefined) {
      missing.push({ code: 'SO-CONFIG-SECRETS', path: key, message: `secret '${name}' has no value; run \`pulumi config set --secret ${key} <value>\` or pass ${arg}` });
    } else {
      out.set(name, value);
    }
  }
  if (missing.length) throw new ConfigError(missing, `profile ${plan.profile} of stack '${plan.stackName}' needs secrets that are not set:`);
  const superuser = postgres ? out.get(postgres.passwordSecret) : undefined;
  for (const name of derived) {
    out.set(name, pulumi.secret(superuser!.apply((key) => createHmac('sha256', key).update(name).digest('base64url'))));
  }
  return out;
}
