/**
 * Each construct's TSDoc'd props interface (the API docs and the schema descriptions) and its
 * zod schema (validation and the YAML schema) describe the same input. `npm test`'s typecheck
 * fails when they drift; vitest's expectTypeOf keeps the check visible as a test.
 */
import { describe, expectTypeOf, it } from 'vitest';
import { backendSchema, type BackendProps } from '../../lib/model/backend-props.js';
import { monitoringSchema, type MonitoringProps } from '../../lib/model/monitoring.js';
import { nginxSchema, type NginxProps } from '../../lib/model/nginx.js';
import { pgbouncerSchema, type PgBouncerProps } from '../../lib/model/pgbouncer.js';
import { postgresSchema, type PostgresProps } from '../../lib/model/postgres.js';
import { redisSchema, type RedisProps } from '../../lib/model/redis.js';
import type { SameShape, SchemaInput } from '../../lib/model/same-shape.js';

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
