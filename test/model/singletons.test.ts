/** A stack has one Nginx, Postgres, PgBouncer, Redis and Monitoring; a second is an error naming both. */
import { describe, expect, it } from 'vitest';
import { ConfigError, Monitoring, Nginx, PgBouncer, Postgres, Redis, resolveProfile, type Stack } from '../../lib/index.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { render } from '../helpers/k8s.js';
import { minimalStack } from '../helpers/stacks.js';

const SECOND: [string, (s: Stack) => void][] = [
  ['Nginx', (s) => new Nginx(s, 'lb2')],
  ['Postgres', (s) => new Postgres(s, 'db2')],
  ['Redis', (s) => new Redis(s, 'cache2')],
  ['PgBouncer', (s) => {
    new PgBouncer(s, 'pgbouncer', { instances: 2, maxClientConn: 200, defaultPoolSize: 20 });
    new PgBouncer(s, 'pooler2', { instances: 2, maxClientConn: 200, defaultPoolSize: 20 });
  }],
  ['Monitoring', (s) => {
    new Monitoring(s, 'monitoring', {});
    new Monitoring(s, 'monitoring2', {});
  }],
];

describe('a second singleton in one stack', () => {
  it.each(SECOND)('%s: refused at synth on every target, naming both', (what, add) => {
    const { stack } = minimalStack();
    add(stack);
    const first = { Nginx: 'uns/nginx', Postgres: 'uns/db', Redis: 'uns/redis', PgBouncer: 'uns/pgbouncer', Monitoring: 'uns/monitoring' }[what]!;
    const second = { Nginx: 'uns/lb2', Postgres: 'uns/db2', Redis: 'uns/cache2', PgBouncer: 'uns/pooler2', Monitoring: 'uns/monitoring2' }[what]!;
    const message = `[${second}] a second ${what} in stack 'uns' (the first is ${first}); a stack has at most one ${what}: remove one, or put it in its own Stack`;
    expect(() => resolveProfile(stack, 'dev')).toThrow(ConfigError);
    expect(() => resolveProfile(stack, 'dev')).toThrow(message);
    expect(() => synthCompose(stack)).toThrow(message);
    expect(() => render(stack, 'prod')).toThrow(message);
  });

  it('one of each is fine', () => {
    const { stack } = minimalStack();
    new PgBouncer(stack, 'pgbouncer', { instances: 2, maxClientConn: 200, defaultPoolSize: 20 });
    new Monitoring(stack, 'monitoring', {});
    expect(() => resolveProfile(stack, 'dev')).not.toThrow();
  });
});
