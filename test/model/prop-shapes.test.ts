/**
 * Each construct's TSDoc'd props interface (the API docs and the schema descriptions) and its
 * zod schema (validation and the YAML schema) describe the same input. `npm test`'s typecheck
 * fails when they drift; vitest's expectTypeOf keeps the check visible as a test.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { backendSchema, type BackendProps } from '../../lib/model/backend-props.js';
import { monitoringSchema, type MonitoringProps } from '../../lib/model/monitoring.js';
import { nginxSchema, type NginxProps } from '../../lib/model/nginx.js';
import { pgbouncerSchema, type PgBouncerProps } from '../../lib/model/pgbouncer.js';
import { postgresSchema, type PostgresProps } from '../../lib/model/postgres.js';
import { redisSchema, type RedisProps } from '../../lib/model/redis.js';
import type { SameShape, SchemaInput } from '../../lib/model/same-shape.js';
import { suppressionSchema } from '../../lib/model/schema-kit.js';
import type { SuppressionProps } from '../../lib/model/common.js';
import type { RuleId } from '../../lib/model/rule-ids.js';
import { Backend, Stack } from '../../lib/index.js';
import type { z } from 'zod';

describe('props interfaces equal their schemas’ input types', () => {
  it('Backend, Nginx, Postgres, PgBouncer, Redis, Monitoring', () => {
    expectTypeOf<SameShape<BackendProps, SchemaInput<typeof backendSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<SameShape<NginxProps, SchemaInput<typeof nginxSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<SameShape<PostgresProps, SchemaInput<typeof postgresSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<SameShape<PgBouncerProps, SchemaInput<typeof pgbouncerSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<SameShape<RedisProps, SchemaInput<typeof redisSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<SameShape<MonitoringProps, SchemaInput<typeof monitoringSchema>>>().toEqualTypeOf<true>();
  });

  it('the check can fail: a readonly array against a mutable one, or a missing key', () => {
    expectTypeOf<SameShape<{ a?: readonly string[] }, { a?: string[] }>>().toEqualTypeOf<false>();
    expectTypeOf<SameShape<{ a?: string; b?: number }, { a?: string }>>().toEqualTypeOf<false>();
    expectTypeOf<SameShape<{ a?: string }, { a?: string }>>().toEqualTypeOf<true>();
  });
});

describe('a suppression names its rule as a RuleId', () => {
  it('SuppressionProps equals the suppression schema input, whose rule is a RuleId', () => {
    expectTypeOf<SameShape<SuppressionProps, z.input<typeof suppressionSchema>>>().toEqualTypeOf<true>();
    expectTypeOf<SuppressionProps['rule']>().toEqualTypeOf<RuleId>();
  });

  it('a misspelt rule id in props does not compile (`npm test` typechecks this file)', () => {
    const stack = new Stack(undefined, 'typed');
    const props = { image: 'ghcr.io/acme/api:1.0.0' };
    new Backend(stack, 'ok', { ...props, suppressions: [{ rule: 'SO-HA', reason: 'one replica is fine in this demo' }] });
    // @ts-expect-error 'SO-TYPO' is not a RuleId
    new Backend(stack, 'typo', { ...props, suppressions: [{ rule: 'SO-TYPO', reason: 'a rule id that does not exist' }] });
    const rule: string = 'SO-HA';
    // @ts-expect-error a plain string is not a RuleId either: narrow it with isRuleId first
    new Backend(stack, 'loose', { ...props, suppressions: [{ rule, reason: 'a rule id typed as a string' }] });
    // At run time construction takes any SO-… id; the gate refuses an unknown one (suppressions.test.ts).
    expect(stack.backends.map((b) => b.suppressions[0]!.rule)).toEqual(['SO-HA', 'SO-TYPO', 'SO-HA']);
  });
});
