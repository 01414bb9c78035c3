/**
 * The DockerStack child contract, recorded through Pulumi's mocks: what `pulumi up` would
 * register for the reference stack, per profile.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { loadConfigText } from '../../../lib/cli/config.js';
import { Backend, Nginx, Postgres, Redis, Stack, SynthError, resolveProfile, synthGate } from '../../../lib/index.js';
import { backendEnv } from '../../../lib/render/backend-env.js';
import { renderNginxConf } from '../../../lib/render/nginx-conf.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { secretPath } from '../../../lib/render/docker-services.js';
import { DockerStack, type DockerStackArgs } from '../../../lib/targets/pulumi/index.js';
import {
  installMocks,
  isSecret,
  promiseOf,
  registrationsOf,
  REMOTE_IMAGE,
  settle,
  settleTicks,
  withoutSecrets,
  type Registration,
} from './mocks.js';

const all = installMocks('scaleout-reference', 'test');

const PG_PASSWORD = 'pw-SENTINEL-123';
const REDIS_PASSWORD = 'redis-SENTINEL-456';
const NETWORK = 'docker:index/network:Network';
const VOLUME = 'docker:index/volume:Volume';
const CONTAINER = 'docker:index/container:Container';
const COMPONENT = 'scaleout:index:DockerStack';
const REFERENCE_YAML = join(import.meta.dirname, '..', '..', '..', 'examples', 'reference', 'scaleout.yaml');

async function deploy(name: string, args: Omit<DockerStackArgs, 'postgresPassword' | 'redisPassword'> & Partial<DockerStackArgs>) {
  const component = new DockerStack(name, { postgresPassword: PG_PASSWORD, redisPassword: REDIS_PASSWORD, ...args });
  await settle(component);
  const regs = registrationsOf(all, name);
  const get = (n: string): Registration => {
    const r = regs.find((x) => x.name === n);
    if (!r) throw new Error(`no registration named ${n}; have ${regs.map((x) => x.name).join(', ')}`);
    return r;
  };
  return { component, regs, get };
}

const REFERENCE = {
  dev: { service: 'backend', replicas: 1, workers: 1, memory: 1024, memoryReservation: 512, cpus: '1', cpuShares: 512 },
  prod: { service: 'backend-prod', replicas: 3, workers: 4, memory: 2048, memoryReservation: 1024, cpus: '2', cpuShares: 1024 },
} as const;

for (const profile of ['dev', 'prod'] as const) {
  describe(`DockerStack: reference stack, profile ${profile}`, () => {
    const want = REFERENCE[profile];
    const name = `uns-${profile}`;
    const replicaNames = Array.from({ length: want.replicas }, (_, i) => `${name}-${want.service}-${i + 1}`);
    let d: Awaited<ReturnType<typeof deploy>>;
    beforeAll(async () => {
      d = await deploy(name, { stack: referenceStack(), profile });
    });

    it(`registers the component and exactly its children (${want.replicas} backend container${want.replicas > 1 ? 's' : ''})`, () => {
      const pairs = d.regs.map((r) => `${r.type} ${r.name}`).sort();
      expect(pairs).toEqual(
        [
          `${COMPONENT} ${name}`,
          `${NETWORK} ${name}-app`,
          `${NETWORK} ${name}-data`,
          `${REMOTE_IMAGE} ${name}-backend-image`,
          `${REMOTE_IMAGE} ${name}-db-image`,
          `${REMOTE_IMAGE} ${name}-nginx-image`,
          `${REMOTE_IMAGE} ${name}-redis-image`,
          `${VOLUME} ${name}-db-data`,
          `${VOLUME} ${name}-redis-data`,
          `${CONTAINER} ${name}-db`,
          `${CONTAINER} ${name}-db-role-setup`,
          `${CONTAINER} ${name}-nginx`,
          `${CONTAINER} ${name}-redis`,
          ...replicaNames.map((n) => `${CONTAINER} ${n}`),
        ].sort(),
      );
      expect(d.regs.filter((r) => r.type === CONTAINER && r.name.includes(`-${want.service}-`))).toHaveLength(want.replicas);
    });

    it('parents every child on the component', () => {
      const component = d.get(name);
      expect(component.custom).toBe(false);
      expect(component.parent).not.toMatch(COMPONENT);
      for (const r of d.regs.filter((x) => x !== component)) {
        expect(r.parent, r.name).toBe(component.urn);
        expect(r.urn, r.name).toBe(`urn:pulumi:test::scaleout-reference::${COMPONENT}$${r.type}::${r.name}`);
      }
    });

    it('sends only the stack and profile names as component inputs', () => {
      expect(d.get(name).inputs).toEqual({ stack: 'uns', profile });
    });

    it('replaces every container delete-first, so peak replicas = replicas', () => {
      for (const r of d.regs.filter((x) => x.type === CONTAINER)) expect(r.deleteBeforeReplace, r.name).toBe(true);
    });

    it('puts the data tier on an internal network and the backends on both', () => {
      expect(d.get(`${name}-data`).inputs).toEqual({ name: `${name}-data`, internal: true });
      expect(d.get(`${name}-app`).inputs).toEqual({ name: `${name}-app` });
      for (const n of replicaNames) {
        expect(d.get(n).inputs.networksAdvanced).toEqual([
          { name: `${name}-app`, aliases: [...new Set(['backend', want.service])] },
          { name: `${name}-data` },
        ]);
      }
      expect(d.get(`${name}-db`).inputs.networksAdvanced).toEqual([{ name: `${name}-data`, aliases: ['db'] }]);
      expect(d.get(`${name}-redis`).inputs.networksAdvanced).toEqual([{ name: `${name}-data`, aliases: ['redis'] }]);
      expect(d.get(`${name}-nginx`).inputs.networksAdvanced).toEqual([{ name: `${name}-app`, aliases: ['nginx'] }]);
      for (const n of [`${name}-db`, `${name}-redis`]) expect(d.get(n).inputs.ports, n).toBeUndefined();
    });

    it('gives each replica the env contract, healthcheck, resources and restart policy of the model', () => {
      const ctx = resolveProfile(referenceStack(), profile);
      const env = backendEnv(ctx.backends[0]!, ctx.postgres, ctx.redis, secretPath);
      expect(env).toMatchObject({ WEB_CONCURRENCY: String(want.workers), DB_POOL_SIZE: '5', DB_MAX_OVERFLOW: '5' });
      for (const n of replicaNames) {
        const i = d.get(n).inputs;
        expect(i.name).toBe(n);
        expect(i.envs).toEqual(Object.entries(env).map(([k, v]) => `${k}=${v}`).sort());
        expect(i.healthcheck).toEqual({
          tests: [...ctx.backends[0]!.healthcheck!.command],
          interval: '15s',
          timeout: '5s',
          retries: 3,
          startPeriod: '1m',
        });
        // 60 s start + 3 × (15 s + 5 s): as long as Docker can take to call it unhealthy.
        expect(i).toMatchObject({ wait: true, waitTimeout: 120, restart: 'always', init: true, destroyGraceSeconds: 10 });
        expect(i).toMatchObject({ memory: want.memory, memoryReservation: want.memoryReservation, cpus: want.cpus, cpuShares: want.cpuShares });
        expect(i.maxRetryCount).toBeUndefined();
        expect(i.ports).toBeUndefined();
      }
    });

    it('pulls pinned model images and runs each container on its image id', () => {
      const images = { backend: 'ghcr.io/uns/backend:5.4.1', db: 'postgres:16.10-alpine', nginx: 'nginx:1.28.0-alpine', redis: 'redis:7.2.11-alpine' };
      for (const [id, ref] of Object.entries(images)) {
        expect(d.get(`${name}-${id}-image`).inputs).toEqual({ name: ref, keepLocally: true });
      }
      for (const n of replicaNames) expect(d.get(n).inputs.image).toBe(`sha256-of:${images.backend}`);
      expect(d.get(`${name}-db`).inputs.image).toBe(`sha256-of:${images.db}`);
      expect(d.get(`${name}-nginx`).inputs.image).toBe(`sha256-of:${images.nginx}`);
    });

    it('uploads the rendered nginx.conf and publishes port 80', () => {
      const ctx = resolveProfile(referenceStack(), profile);
      const conf = renderNginxConf(ctx.nginx!, ctx.backends, {
        stackName: 'uns',
        upstreamHost: (b) => b.id,
        resolver: '127.0.0.11',
        secretPath,
      });
      const nginx = d.get(`${name}-nginx`).inputs;
      expect(nginx.uploads).toEqual([{ file: '/etc/nginx/nginx.conf', content: conf }]);
      expect(conf).toContain('server backend:8000 resolve');
      expect(nginx.ports).toEqual([{ internal: 80, external: 80 }]);
      expect(nginx.healthcheck.tests).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:80/nginx-health']);
      expect(d.component.nginxConf).toBe(conf);
    });

    it('renders the same nginx.conf as the compose target', () => {
      const compose = synthCompose(referenceStack()).files;
      const file = compose.get(`nginx/nginx-${profile}.conf`) ?? compose.get('nginx/nginx.conf');
      expect(d.get(`${name}-nginx`).inputs.uploads[0].content).toBe(file);
    });

    it('runs Postgres and Redis with their settings as command args and their healthchecks', () => {
      const pg = d.get(`${name}-db`).inputs;
      expect(pg.command).toEqual(['postgres', '-c', 'max_connections=200', '-c', 'superuser_reserved_connections=3']);
      expect(pg.envs).toContain('POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password');
      expect(pg.healthcheck).toEqual({
        tests: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-U', 'postgres', '-d', 'uns'],
        interval: '5s',
        timeout: '5s',
        retries: 10,
        startPeriod: '30s',
      });
      expect(pg.volumes).toEqual([{ volumeName: `${name}-db-data`, containerPath: '/var/lib/postgresql/data', readOnly: false }]);
      const redis = d.get(`${name}-redis`).inputs;
      // compose's `$$` escape is gone: Docker passes the command to sh as is.
      // The password goes to redis-server on stdin (lib/render/redis-server.ts), never argv.
      expect(redis.command).toEqual([
        'sh',
        '-c',
        'exec docker-entrypoint.sh redis-server --maxclients 10000 --appendonly no --dir /data - <<EOF\n' +
          'requirepass "$(sed -n \'1{s/[\\\\"]/\\\\&/g;p;}\' /run/secrets/redis_password)"\nEOF\n',
      ]);
      expect(redis.healthcheck.tests).toEqual(['CMD-SHELL', 'redis-cli --askpass ping < /run/secrets/redis_password | grep -q PONG']);
      expect(redis.volumes).toEqual([{ volumeName: `${name}-redis-data`, containerPath: '/data', readOnly: false }]);
    });

    it('starts backends after the data tier and nginx after the backends', () => {
      const urn = (n: string) => d.get(n).urn;
      for (const n of replicaNames) expect(d.get(n).dependencies).toEqual(expect.arrayContaining([urn(`${name}-db`), urn(`${name}-redis`)]));
      expect(d.get(`${name}-nginx`).dependencies).toEqual(expect.arrayContaining(replicaNames.map(urn)));
    });

    it('passes passwords only as secret files; no plaintext password in any recorded input', () => {
      const plain = JSON.stringify(d.regs.map((r) => withoutSecrets(r.inputs)));
      expect(plain).not.toContain('SENTINEL');
      // The values did reach the containers, marked secret: the check above looks at them.
      const secretFiles = (n: string) => {
        const uploads = d.get(n).inputs.uploads;
        expect(isSecret(uploads), n).toBe(true);
        return uploads.value;
      };
      const pgFile = { file: '/run/secrets/postgres_password', content: PG_PASSWORD };
      const redisFile = { file: '/run/secrets/redis_password', content: REDIS_PASSWORD };
      // The backend's own role: its password, not set in config, is derived from the superuser's.
      const role = want.service.replace(/-/g, '_');
      const roleSecret = `pg_${role}_password`;
      const roleFile = { file: `/run/secrets/${roleSecret}`, content: createHmac('sha256', PG_PASSWORD).update(roleSecret).digest('base64url') };
      expect(secretFiles(`${name}-db`)).toEqual([pgFile]);
      expect(secretFiles(`${name}-redis`)).toEqual([redisFile]);
      for (const n of replicaNames) expect(secretFiles(n)).toEqual([roleFile, redisFile]);
      expect(secretFiles(`${name}-db-role-setup`)).toContainEqual(roleFile);
    });

    it('exports the URL, the capacity summary and the container names', async () => {
      const c = d.component;
      expect(await promiseOf(c.url)).toBe('http://localhost');
      expect(await promiseOf(c.containerNames)).toEqual([`${name}-db`, `${name}-redis`, `${name}-db-role-setup`, ...replicaNames, `${name}-nginx`]);
      const db = want.replicas * want.workers * 10;
      const monitor = 1; // the monitoring role's fixed client
      expect(c.capacity).toMatchObject({
        profile,
        target: 'pulumi',
        postgres: { demand: db + monitor, available: 197, headroom: 197 - db - monitor },
        redis: { demand: db, available: 10000 },
        nginx: { demand: 2 * db + 33, available: 1024 },
        backends: [{ service: want.service, replicas: want.replicas, peakReplicas: want.replicas, workers: want.workers, dbConnections: db }],
      });
    });
  });
}

describe('DockerStack: the gate runs before anything is registered', () => {
  const overBudget = () =>
    loadConfigText(readFileSync(REFERENCE_YAML, 'utf8').replace('maxConnections: 200', 'maxConnections: 50'), 'scaleout.yaml');

  it('fails SO-POOL in prod with the gate message and registers zero resources', async () => {
    const before = all.length;
    let error: unknown;
    try {
      new DockerStack('over', { stack: overBudget(), profile: 'prod', postgresPassword: PG_PASSWORD, redisPassword: REDIS_PASSWORD });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    const message = (error as Error).message;
    // The one gate's message, word for word, under Pulumi semantics (peak = replicas).
    expect(() => synthGate(overBudget(), { targets: ['pulumi'], profiles: ['prod'] })).toThrow(message);
    expect(message).toContain('[SO-POOL] uns/db (profile prod, target pulumi): PostgreSQL connection budget exceeded');
    expect(message).toContain('backend-prod  3 replicas at peak (replicas 3)');
    expect(message).toContain('demand 121 > available 47 (max_connections 50 − superuser_reserved 3)');
    await settleTicks();
    expect(all.length).toBe(before);
    expect(registrationsOf(all, 'over')).toEqual([]);
  });

  it('deploys the same model in dev, where the budget holds', async () => {
    const d = await deploy('over-dev', { stack: overBudget(), profile: 'dev' });
    // 10 app connections + the monitoring role's 1
    expect(d.component.capacity.postgres).toEqual({ demand: 11, available: 47, headroom: 36 });
  });

  it('refuses an unknown profile before registering anything', async () => {
    const before = all.length;
    expect(() => new DockerStack('typo', { stack: referenceStack(), profile: 'prd' })).toThrow(/unknown profile 'prd'; did you mean 'prod'\?/);
    await settleTicks();
    expect(all.length).toBe(before);
  });
});

describe('DockerStack: other shapes', () => {
  function tlsStack(): Stack {
    const stack = new Stack(undefined, 'shop');
    new Backend(stack, 'api', {
      image: 'ghcr.io/acme/api:1.0.0',
      replicas: 2,
      database: false,
      redisPool: 0,
      env: { LOG_LEVEL: 'info', API_KEY: { secret: 'api_key' } },
      volumes: [{ name: 'uploads', path: '/app/uploads' }],
      restartPolicy: { condition: 'on-failure', maxAttempts: 5 },
      healthcheck: { interval: '10s', timeout: '2s', retries: 5, startPeriod: '1m30s' },
      resources: { limits: { cpu: '250m', memory: '1536Mi' } },
    });
    new Nginx(stack, 'nginx', { tls: { certificateSecret: 'tls_cert', keySecret: 'tls_key' } });
    return stack;
  }

  it('a stack without a data tier gets no data network, TLS on 443 and secret files for its keys', async () => {
    const d = await deploy('shop-dev', {
      stack: tlsStack(),
      profile: 'dev',
      secrets: { api_key: 'key-SENTINEL', tls_cert: 'cert-SENTINEL', tls_key: 'tlskey-SENTINEL' },
    });
    expect(d.regs.map((r) => r.name).sort()).toEqual(
      ['shop-dev', 'shop-dev-api-1', 'shop-dev-api-2', 'shop-dev-api-image', 'shop-dev-app', 'shop-dev-nginx', 'shop-dev-nginx-image', 'shop-dev-uploads'].sort(),
    );
    const api = d.get('shop-dev-api-2').inputs;
    expect(api.networksAdvanced).toEqual([{ name: 'shop-dev-app', aliases: ['api'] }]);
    expect(api.envs).toEqual(['API_KEY_FILE=/run/secrets/api_key', 'LOG_LEVEL=info', 'WEB_CONCURRENCY=1']);
    expect(api.uploads.value).toEqual([{ file: '/run/secrets/api_key', content: 'key-SENTINEL' }]);
    expect(api.volumes).toEqual([{ volumeName: 'shop-dev-uploads', containerPath: '/app/uploads', readOnly: false }]);
    expect(api).toMatchObject({ restart: 'on-failure', maxRetryCount: 5, memory: 1536, cpus: '0.25', waitTimeout: 150 });
    expect(api.healthcheck).toMatchObject({ interval: '10s', timeout: '2s', retries: 5, startPeriod: '90s' });
    expect(api.memoryReservation).toBeUndefined();
    const nginx = d.get('shop-dev-nginx').inputs;
    expect(nginx.ports).toEqual([
      { internal: 80, external: 80 },
      { internal: 443, external: 443 },
    ]);
    expect(isSecret(nginx.uploads)).toBe(true);
    expect(nginx.uploads.value.map((u: { file: string }) => u.file)).toEqual([
      '/etc/nginx/nginx.conf',
      '/run/secrets/tls_cert',
      '/run/secrets/tls_key',
    ]);
    expect(nginx.uploads.value[0].content).toContain('ssl_certificate /run/secrets/tls_cert;');
    expect(JSON.stringify(d.regs.map((r) => withoutSecrets(r.inputs)))).not.toContain('SENTINEL');
    expect(await promiseOf(d.component.url)).toBe('https://localhost');
  });

  it('image overrides replace the pulled image and nginx.conf follows the nginx version', async () => {
    const d = await deploy('img-prod', {
      stack: referenceStack(),
      profile: 'prod',
      images: { backend: 'ghcr.io/uns/backend:5.4.2', nginx: 'nginx:1.22.1' },
    });
    expect(d.get('img-prod-backend-image').inputs.name).toBe('ghcr.io/uns/backend:5.4.2');
    const conf = d.get('img-prod-nginx').inputs.uploads[0].content as string;
    expect(conf).toContain('# Rendered for nginx 1.22.1.');
    // 1.22 has no `server … resolve`; the config must still load there.
    expect(conf).toContain('server backend:8000 max_fails=3');
  });

  it('each backend joins only the networks, secrets and dependencies it uses; gate warnings go to the engine log', async () => {
    const stack = new Stack(undefined, 'mix');
    const resources = { limits: { cpu: 1, memory: '1Gi' } };
    new Backend(stack, 'web', { image: 'ghcr.io/acme/web:1.0.0', redisPool: 0, resources });
    new Backend(stack, 'static', {
      image: 'ghcr.io/acme/static:1.0.0',
      database: false,
      redisPool: 0,
      routes: ['/static/'],
      resources,
      healthcheck: { path: '/static/health' },
    });
    new Nginx(stack, 'nginx');
    new Postgres(stack, 'db');
    new Redis(stack, 'cache');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const d = await deploy('mix-dev', { stack, profile: 'dev' });
    const logged = warn.mock.calls.map((c) => String(c[0]));
    warn.mockRestore();
    expect(logged).toEqual([expect.stringContaining('[SO-HEALTH] mix/web (profile dev): no healthcheck')]);
    const web = d.get('mix-dev-web-1');
    const stat = d.get('mix-dev-static-1');
    expect(web.inputs.networksAdvanced).toEqual([{ name: 'mix-dev-app', aliases: ['web'] }, { name: 'mix-dev-data' }]);
    expect(stat.inputs.networksAdvanced).toEqual([{ name: 'mix-dev-app', aliases: ['static'] }]);
    expect(web.inputs.uploads.value.map((u: { file: string }) => u.file)).toEqual(['/run/secrets/pg_web_password']);
    expect(stat.inputs.uploads).toBeUndefined();
    expect(web.dependencies).toContain(d.get('mix-dev-db').urn);
    expect(web.dependencies).toContain(d.get('mix-dev-db-role-setup').urn);
    expect(stat.dependencies).not.toContain(d.get('mix-dev-db-role-setup').urn);
    expect(web.dependencies).not.toContain(d.get('mix-dev-cache').urn);
    expect(stat.dependencies).not.toContain(d.get('mix-dev-db').urn);
    // Without a healthcheck there is nothing to wait for.
    expect(web.inputs).not.toHaveProperty('healthcheck');
    expect(web.inputs).not.toHaveProperty('wait');
    expect(stat.inputs).toMatchObject({ wait: true });
  });
});
