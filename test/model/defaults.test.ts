/**
 * Defaults are written once in the Props' `@default` tags and applied once in the
 * constructor. These tests read the tag from the source and compare it with what the
 * construct resolves, and with the values docs/ARCHITECTURE.md, the README and the seed call for.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Backend, Nginx, PgBouncer, Postgres, Redis, Stack } from '../../lib/index.js';

/** The first token after `@default` in the doc comment of `iface.prop` in `file`. */
function documentedDefault(file: string, iface: string, prop: string): string {
  const src = readFileSync(new URL(`../../lib/model/${file}`, import.meta.url), 'utf8');
  const start = src.indexOf(`export interface ${iface} `);
  expect(start, `interface ${iface} in ${file}`).toBeGreaterThanOrEqual(0);
  const body = src.slice(start, src.indexOf('\n}', start));
  const m = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*readonly ${prop}\\?:`).exec(body);
  expect(m, `doc comment of ${iface}.${prop}`).not.toBeNull();
  const tag = /@default\s+(\S+)/.exec(m![1]!);
  expect(tag, `@default of ${iface}.${prop}`).not.toBeNull();
  return tag![1]!.replace(/^'(.*)'$/, '$1');
}

function fresh() {
  const stack = new Stack(undefined, 'uns');
  return {
    backend: new Backend(stack, 'backend', { image: 'ghcr.io/acme/api:1.0.0' }).resolve('dev'),
    nginx: new Nginx(stack, 'nginx').resolve('dev'),
    db: new Postgres(stack, 'db').resolve('dev'),
    redis: new Redis(stack, 'redis').resolve('dev'),
  };
}

describe('documented defaults', () => {
  const r = fresh();
  it.each([
    // file, interface, prop, expected (docs/ARCHITECTURE.md / seed / upstream default), resolved
    ['backend-props.ts', 'BackendProps', 'port', '8000', r.backend.port],
    ['backend-props.ts', 'BackendProps', 'workers', '1', r.backend.workers],
    ['backend-props.ts', 'BackendProps', 'redisPool', '10', r.backend.redisPool],
    ['backend-props.ts', 'BackendProps', 'keepAliveTimeout', '5s', String(r.backend.keepAliveTimeout)],
    ['backend-parts.ts', 'PoolProps', 'size', '5', r.backend.pool?.size],
    ['backend-parts.ts', 'PoolProps', 'maxOverflow', '10', r.backend.pool?.maxOverflow],
    ['backend-parts.ts', 'RolloutProps', 'maxSurge', '25%', String(r.backend.rollout.maxSurge)],
    ['backend-parts.ts', 'RolloutProps', 'maxUnavailable', '25%', String(r.backend.rollout.maxUnavailable)],
    ['nginx.ts', 'NginxProps', 'keepaliveTimeout', '4s', String(r.nginx.keepaliveTimeout)],
    ['nginx.ts', 'NginxProps', 'keepaliveRequests', '10000', r.nginx.keepaliveRequests],
    ['nginx.ts', 'NginxProps', 'keepaliveTime', '1h', String(r.nginx.keepaliveTime)],
    ['nginx.ts', 'NginxProps', 'workerConnections', '1024', r.nginx.workerConnections],
    ['nginx.ts', 'NginxProps', 'maxFails', '1', r.nginx.maxFails],
    ['nginx.ts', 'NginxProps', 'failTimeout', '10s', String(r.nginx.failTimeout)],
    ['postgres.ts', 'PostgresProps', 'maxConnections', '100', r.db.maxConnections],
    ['postgres.ts', 'PostgresProps', 'superuserReservedConnections', '3', r.db.superuserReservedConnections],
    ['postgres.ts', 'PostgresProps', 'reservedConnections', '0', r.db.reservedConnections],
    ['redis.ts', 'RedisProps', 'maxClients', '10000', r.redis.maxClients],
  ] as const)('%s %s.%s is %s', (file, iface, prop, expected, resolved) => {
    // THEN the doc, the resolved value and the expected value agree
    expect(documentedDefault(file, iface, prop)).toBe(expected);
    expect(String(resolved)).toBe(expected);
  });

  it('preStopDelay: 15s for a web backend, nginx and the pooler, as documented', () => {
    const stack = new Stack(undefined, 'uns');
    new Postgres(stack, 'db');
    const pooler = new PgBouncer(stack, 'pgbouncer').resolve('dev');
    const cases = [
      [documentedDefault('backend-props.ts', 'BackendProps', 'preStopDelay'), r.backend.preStopDelay],
      [documentedDefault('nginx.ts', 'NginxProps', 'preStopDelay'), r.nginx.preStopDelay],
      [documentedDefault('pgbouncer.ts', 'PgBouncerProps', 'preStopDelay'), pooler.preStopDelay],
    ] as const;
    for (const [doc, resolved] of cases) {
      expect(doc).toBe('15s');
      expect(String(resolved)).toBe(doc);
    }
  });

  it('the keep-alive default leaves nginx below uvicorn (4s < 5s)', () => {
    expect(r.nginx.keepaliveTimeout.milliseconds).toBeLessThan(r.backend.keepAliveTimeout.milliseconds);
  });

  it('postgres leaves max_connections − superuser_reserved − reserved = 100 − 3 − 0 for the app', () => {
    expect(r.db.available).toBe(100 - 3 - 0);
  });

  it('a backend without replicas or autoscale runs 1 replica; with autoscale, autoscale.min', () => {
    const stack = new Stack(undefined, 'uns');
    const plain = new Backend(stack, 'a', { image: 'x/a:1' }).resolve('dev');
    const scaled = new Backend(stack, 'b', { image: 'x/b:1', autoscale: { min: 3, max: 6 } }).resolve('dev');
    const scaledDefaultMin = new Backend(stack, 'c', { image: 'x/c:1', autoscale: { max: 6 } }).resolve('dev');
    expect(plain.replicas).toBe(1);
    expect(scaled.replicas).toBe(3);
    expect(scaledDefaultMin.autoscale).toEqual({ min: 2, max: 6, targetCpu: 70 });
    expect(scaledDefaultMin.replicas).toBe(2);
  });

  it('a healthcheck given as {} gets Docker-like defaults and probes path /api/health on the port', () => {
    const stack = new Stack(undefined, 'uns');
    const hc = new Backend(stack, 'backend', { image: 'x/a:1', port: 9000, healthcheck: {} }).resolve('dev').healthcheck!;
    expect(hc.httpPath).toBe('/api/health');
    expect(hc.port).toBe(9000);
    expect([String(hc.interval), String(hc.timeout), hc.retries, String(hc.startPeriod)]).toEqual(['30s', '30s', 3, '0s']);
    expect(hc.command.join(' ')).toContain('http://127.0.0.1:9000/api/health');
  });
});
