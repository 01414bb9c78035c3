import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { referenceStack } from '../../../examples/reference/stack.js';
import { Backend, Nginx, Postgres, Redis, Stack, SynthError } from '../../../lib/index.js';
import { synthCompose, writeOutput } from '../../../lib/targets/compose/index.js';
import { composeSpecValidator } from '../../helpers/compose-schema.js';

type Service = Record<string, any>;

function reference() {
  return synthCompose(referenceStack());
}

function composeOf(files: ReadonlyMap<string, string>): { services: Record<string, Service>; [k: string]: any } {
  return parse(files.get('docker-compose.yml')!);
}

function writeTemp(files: ReadonlyMap<string, string>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'scaleout-compose-')), 'out');
  writeOutput(dir, files);
  return dir;
}

describe('compose target: reference stack', () => {
  const { files } = reference();
  const compose = composeOf(files);

  it('writes the compose file, the nginx config and CAPACITY.md', () => {
    // Each profile's role-setup script: its backend role and limit differ.
    expect([...files.keys()].sort()).toEqual(['.env', 'CAPACITY.md', 'docker-compose.yml', 'nginx/nginx.conf', 'postgres/roles-prod.sql', 'postgres/roles.sql']);
  });

  it('passes the compose-spec JSON schema', () => {
    const validate = composeSpecValidator();
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check can fail', () => {
    const validate = composeSpecValidator();
    expect(validate({ services: { x: { image: 'a', deploy: { replicas: 'three' } } } })).toBe(false);
  });

  it("runs the seed's commands verbatim: backend in dev, backend-prod in prod", () => {
    expect(compose.services.backend.profiles).toEqual(['dev']);
    expect(compose.services['backend-prod'].profiles).toEqual(['prod']);
    expect(compose.services.backend.deploy.replicas).toBe(1);
    expect(compose.services['backend-prod'].deploy.replicas).toBe(3);
    expect(compose.services['backend-prod'].environment.WEB_CONCURRENCY).toBe('4');
    // nginx.conf names `backend` in both profiles; backend-prod answers to it as an alias.
    expect(compose.services['backend-prod'].networks.app.aliases).toEqual(['backend']);
  });

  it('puts no container_name and no host port on scaled services', () => {
    for (const name of ['backend', 'backend-prod']) {
      expect(compose.services[name]).not.toHaveProperty('container_name');
      expect(compose.services[name]).not.toHaveProperty('ports');
    }
  });

  it('gates startup on healthchecks', () => {
    expect(compose.services.backend.depends_on).toEqual({
      db: { condition: 'service_healthy' },
      'db-role-setup': { condition: 'service_completed_successfully' },
      redis: { condition: 'service_healthy' },
    });
    expect(compose.services['db-role-setup'].depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(compose.services['backend-prod'].depends_on['db-role-setup-prod']).toEqual({ condition: 'service_completed_successfully' });
    expect(compose.services.nginx.depends_on).toEqual({ backend: { condition: 'service_healthy' } });
    expect(compose.services['nginx-prod'].depends_on).toEqual({ 'backend-prod': { condition: 'service_healthy' } });
    // Every long-running service has a healthcheck; the one-shot role setup exits instead.
    for (const s of Object.values(compose.services)) {
      if (s.deploy.restart_policy.condition !== 'none') expect(s.healthcheck?.test?.length).toBeGreaterThan(1);
    }
    // Healthchecks call tools the images have: python3 in the app, pg_isready, redis-cli, busybox wget.
    expect(compose.services.backend.healthcheck.test.slice(0, 2)).toEqual(['CMD', 'python3']);
    expect(compose.services.db.healthcheck.test[1]).toBe('pg_isready');
    expect(compose.services.redis.healthcheck.test[1]).toContain('redis-cli --askpass ping');
    expect(compose.services.nginx.healthcheck.test[1]).toBe('wget');
  });

  it('maps the healthcheck timings and typed resources', () => {
    const hc = compose.services.backend.healthcheck;
    expect([hc.interval, hc.timeout, hc.retries, hc.start_period]).toEqual(['15s', '5s', 3, '1m']);
    expect(compose.services.backend.deploy.resources).toEqual({
      limits: { cpus: '1', memory: '1g' },
      reservations: { cpus: '0.5', memory: '512m' },
    });
    expect(compose.services['backend-prod'].deploy.resources.limits).toEqual({ cpus: '2', memory: '2g' });
    expect(compose.services.backend.deploy.restart_policy).toEqual({ condition: 'any' });
  });

  it('keeps the data tier on an internal network, never published', () => {
    expect(compose.networks.data).toEqual({ internal: true });
    for (const name of ['db', 'redis']) {
      expect(compose.services[name].networks).toEqual(['data']);
      expect(compose.services[name]).not.toHaveProperty('ports');
    }
    expect(compose.services.nginx.ports).toEqual(['80:80']);
  });

  it('passes secrets through compose secrets, never as values', () => {
    expect(compose.secrets).toEqual({
      pg_backend_password: { file: '../../secrets/pg_backend_password' },
      pg_backend_prod_password: { file: '../../secrets/pg_backend_prod_password' },
      pg_scaleout_monitor_password: { file: '../../secrets/pg_scaleout_monitor_password' },
      postgres_password: { file: '../../secrets/postgres_password' },
      redis_password: { file: '../../secrets/redis_password' },
    });
    expect(compose.services.db.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    // The superuser is postgres; each backend logs in as its own role with its own secret.
    expect(compose.services.db.environment.POSTGRES_USER).toBe('postgres');
    expect(compose.services.backend.environment.DATABASE_URL).toBe('postgresql://backend@db:5432/uns');
    expect(compose.services.backend.environment.DB_PASSWORD_FILE).toBe('/run/secrets/pg_backend_password');
    expect(compose.services['backend-prod'].environment.DATABASE_URL).toBe('postgresql://backend_prod@db:5432/uns');
    const text = files.get('docker-compose.yml')!;
    expect(text).not.toMatch(/PASSWORD:\s/);
    expect(text).not.toMatch(/:\/\/[^@\s/]+:[^@\s/]+@/);
  });

  it('sets the postgres and redis limits the budget assumes', () => {
    expect(compose.services.db.command).toEqual(['postgres', '-c', 'max_connections=200', '-c', 'superuser_reserved_connections=3']);
    expect(compose.services.redis.command[2]).toContain('--maxclients 10000');
  });

  it('reports the budget and the largest safe --scale per profile', () => {
    const report = files.get('CAPACITY.md')!;
    // dev: 1 worker × 10 per replica, 197 available → 19 replicas
    expect(report).toContain('`docker compose --profile dev up -d --scale backend=N` | 19 | PostgreSQL');
    // prod: 4 workers × 10 = 40 per replica → 4 replicas
    expect(report).toContain('`docker compose --profile prod up -d --scale backend-prod=N` | 4 | PostgreSQL');
    expect(report).toContain('```mermaid');
  });
});

describe('compose target: behaviour', () => {
  it('is deterministic: the same model gives the same bytes', () => {
    const a = reference().files;
    const b = reference().files;
    expect([...b]).toEqual([...a]);
  });

  it('gives profiles whose nginx differs their own config and service', () => {
    const s2 = new Stack(undefined, 'uns');
    new Backend(s2, 'backend', { image: 'a/b:1', replicas: 2, healthcheck: {}, resources: { limits: { cpu: 1, memory: '1Gi' } } });
    new Nginx(s2, 'nginx', { profiles: { prod: { workerConnections: 4096 } } });
    new Postgres(s2, 'db');
    new Redis(s2, 'redis');
    const { files } = synthCompose(s2);
    expect([...files.keys()].sort()).toEqual(['.env', 'CAPACITY.md', 'docker-compose.yml', 'nginx/nginx-prod.conf', 'nginx/nginx.conf', 'postgres/roles.sql']);
    const compose = composeOf(files);
    // the backend is identical in both profiles, so it starts in both without a profile
    expect(compose.services.backend).not.toHaveProperty('profiles');
    expect(compose.services.nginx.profiles).toEqual(['dev']);
    expect(compose.services['nginx-prod'].volumes).toEqual(['./nginx/nginx-prod.conf:/etc/nginx/nginx.conf:ro']);
    expect(files.get('nginx/nginx-prod.conf')).toContain('worker_connections 4096;');
  });

  it('writes nothing when a rule fails, and leaves an existing output untouched', () => {
    const dir = writeTemp(reference().files);
    const before = readFileSync(join(dir, 'docker-compose.yml'), 'utf8');
    // The seed's zero-downtime procedure: 6 × 4 × (5 + 5) + the monitoring role 1 = 241 > 197
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', {
      image: 'ghcr.io/uns/backend:5.4.1',
      replicas: 3,
      workers: 4,
      pool: { size: 5, maxOverflow: 5 },
      rollout: { scaleUpThenDown: true },
      healthcheck: {},
      resources: { limits: { cpu: 1, memory: '1Gi' } },
    });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db', { maxConnections: 200 });
    new Redis(stack, 'redis');
    expect(() => synthCompose(stack)).toThrow(SynthError);
    expect(() => synthCompose(stack)).toThrow(/demand 241 > available 197/);
    expect(readFileSync(join(dir, 'docker-compose.yml'), 'utf8')).toBe(before);
  });
});
