/**
 * The Postgres role plan (issue 15) and the role-setup script rendered from it: one login role
 * per direct consumer, each CONNECTION LIMIT its share at peak (docs/ARCHITECTURE.md:
 * peak replicas × workers × (pool.size + maxOverflow)), computed here from the inputs.
 */
import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { Backend, ConfigError, Monitoring, Nginx, PgBouncer, Postgres, resolveProfile, Stack } from '../../lib/index.js';
import { synthGate } from '../../lib/rules/gate.js';
import { APP_GROUP_ROLE, MONITOR_ROLE, poolerAuthUsers, poolerClientRoles, postgresRoles } from '../../lib/plan/roles.js';
import { renderRolesSql } from '../../lib/render/postgres-roles-sql.js';
import { KubernetesChart } from '../../lib/targets/kubernetes/index.js';
import { roleSetupArgsOf } from '../../lib/targets/pulumi/containers.js';
import { planWithSpecs } from '../../lib/targets/pulumi/plan.js';
import { HEALTHCHECK, RESOURCES } from '../helpers/stacks.js';

const API = { replicas: 2, workers: 2, pool: { size: 2, maxOverflow: 1 } };
const SHOP = { replicas: 1, workers: 3, pool: { size: 1, maxOverflow: 1 } };

function twoBackends(o: { pooler?: boolean; monitoring?: boolean; apiReplicas?: number; shopService?: string; apiMigrations?: boolean } = {}): Stack {
  const stack = new Stack(undefined, 'uns');
  const common = { image: 'ghcr.io/acme/api:1.0.0', healthcheck: HEALTHCHECK, resources: RESOURCES, redisPool: 0 };
  new Backend(stack, 'api', { ...common, ...API, replicas: o.apiReplicas ?? API.replicas, routes: ['/api/'], ...(o.apiMigrations ? { migrations: { command: ['alembic', 'upgrade', 'head'] } } : {}) });
  new Backend(stack, 'shop-api', { ...common, ...SHOP, routes: ['/shop/'], ...(o.shopService ? { serviceName: o.shopService } : {}) });
  new Nginx(stack, 'nginx');
  new Postgres(stack, 'db', { maxConnections: 200 });
  if (o.pooler) new PgBouncer(stack, 'pgbouncer', { instances: 2, defaultPoolSize: 10, maxClientConn: 100 });
  if (o.monitoring) new Monitoring(stack, 'monitoring');
  return stack;
}

const share = (b: typeof API, peak: number) => peak * b.workers * (b.pool.size + b.pool.maxOverflow);

describe('postgresRoles', () => {
  it('gives each direct backend its share at peak, per target, and the monitoring role 1', () => {
    const ctx = resolveProfile(twoBackends(), 'dev');
    const compose = postgresRoles(ctx, 'compose');
    expect(compose.map((r) => [r.name, r.kind, r.connectionLimit, r.passwordSecret])).toEqual([
      ['api', 'backend', share(API, API.replicas), 'pg_api_password'],
      [MONITOR_ROLE, 'monitor', 1, 'pg_scaleout_monitor_password'],
      ['shop_api', 'backend', share(SHOP, SHOP.replicas), 'pg_shop_api_password'],
    ]);
    expect(compose.find((r) => r.name === 'api')!.consumer).toBe('uns/api');
    // Kubernetes: replicas + surge ⌈25%⌉ + draining (= surge)
    const k8s = (n: number) => n + 2 * Math.ceil(n / 4);
    expect(postgresRoles(ctx, 'kubernetes').find((r) => r.name === 'api')!.connectionLimit).toBe(share(API, k8s(API.replicas)));
    // The limits and the fixed clients are exactly what SO-POOL sums.
    const sum = compose.reduce((s, r) => s + r.connectionLimit, 0);
    expect(sum).toBe(share(API, API.replicas) + share(SHOP, SHOP.replicas) + 1);
  });

  it('adds postgres_exporter (2) with Monitoring', () => {
    const roles = postgresRoles(resolveProfile(twoBackends({ monitoring: true }), 'dev'), 'compose');
    expect(roles.find((r) => r.name === 'postgres_exporter')).toMatchObject({ kind: 'exporter', connectionLimit: 2 });
  });

  it('behind a pooler: only the pooler role reaches Postgres, the backends are its clients', () => {
    const ctx = resolveProfile(twoBackends({ pooler: true, monitoring: true }), 'dev');
    const roles = postgresRoles(ctx, 'compose');
    // 2 instances × default_pool_size 10
    expect(roles.map((r) => [r.name, r.connectionLimit])).toEqual([
      ['pgbouncer', 2 * 10],
      ['postgres_exporter', 2],
      [MONITOR_ROLE, 1],
    ]);
    expect(poolerClientRoles(ctx, 'compose').map((c) => [c.name, c.maxClientConnections])).toEqual([
      ['api', share(API, API.replicas)],
      ['shop_api', share(SHOP, SHOP.replicas)],
    ]);
    expect(poolerAuthUsers(ctx).map((u) => u.user)).toEqual(['api', 'pgbouncer', 'pgbouncer_exporter', 'shop_api']);
  });

  it('the gate refuses reserved role names and a role two consumers would share, on every target, before anything renders', () => {
    const gated = (stack: Stack) => () => synthGate(stack, { targets: ['compose', 'kubernetes', 'pulumi'], profiles: ['dev'] });
    expect(gated(twoBackends({ shopService: 'pgbouncer' }))).toThrow(/\[uns\/shop-api\] \(profile dev\) serviceName: 'pgbouncer' gives its Postgres role 'pgbouncer', which is reserved/);
    expect(gated(twoBackends({ shopService: 'pg-shop' }))).toThrow(/pg_ prefix/);
    // api's migration logs in as api_migrate, the role a backend served as api-migrate gets.
    let error: unknown;
    try {
      gated(twoBackends({ apiMigrations: true, shopService: 'api-migrate' }))();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      expect.objectContaining({
        code: 'SO-CONFIG-STRUCTURE',
        constructPath: 'uns/api',
        path: 'serviceName',
        message: "'api' gives its migration's Postgres role 'api_migrate', as uns/shop-api does; give one of them another serviceName",
      }),
    ]);
    expect(gated(twoBackends({ apiMigrations: true }))).not.toThrow();
  });
});

describe('renderRolesSql', () => {
  const ctx = resolveProfile(twoBackends({ monitoring: true }), 'dev');
  const roles = postgresRoles(ctx, 'compose');
  const sql = renderRolesSql(roles, ctx.postgres!, { stackName: 'uns', secretPath: (n) => `/run/secrets/${n}` });

  it('sets every role ordinary, with its limit and its password from its own secret file', () => {
    for (const r of roles) {
      expect(sql).toContain(`ALTER ROLE "${r.name}" WITH LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT ${r.connectionLimit} PASSWORD :'scaleout_password';`);
      expect(sql).toContain(`\\set scaleout_password \`cat '/run/secrets/${r.passwordSecret}'\``);
    }
    // Never a password: only psql variables read from the files.
    expect(sql).not.toMatch(/PASSWORD '/);
  });

  it('creates what is missing and alters what exists, so a re-run converges', () => {
    expect(sql).toContain(`SELECT 'CREATE ROLE "api" LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'api')\\gexec`);
    expect(sql).toContain(`ALTER SCHEMA public OWNER TO "${APP_GROUP_ROLE}";`);
    expect(sql).toContain(`GRANT "${APP_GROUP_ROLE}" TO "api";`);
    expect(sql).toContain(`ALTER ROLE "api" IN DATABASE "uns" SET role = '${APP_GROUP_ROLE}';`);
    expect(sql).toContain('GRANT pg_monitor TO "postgres_exporter";');
    expect(sql).not.toContain(`GRANT "${APP_GROUP_ROLE}" TO "postgres_exporter"`);
    expect(sql).toMatch(/m\.rolname NOT IN \('api', 'postgres_exporter', 'scaleout_monitor', 'shop_api'\)\\gexec/);
  });
});

describe('role setup wiring', () => {
  it('Kubernetes: a Job named by its content; a changed limit is a new Job', () => {
    const jobOf = (stack: Stack) => {
      const chart = new KubernetesChart(Testing.app(), 'c', { stack, profile: 'dev' });
      return chart.roleSetup!;
    };
    const a = jobOf(twoBackends());
    const b = jobOf(twoBackends({ apiReplicas: 3 }));
    expect(a.job.name).toMatch(/^db-role-setup-[0-9a-f]{10}$/);
    expect(a.configMap.name).toBe(a.job.name);
    expect(b.job.name).not.toBe(a.job.name);
    expect(jobOf(twoBackends()).job.name).toBe(a.job.name);
    const k8s = (n: number) => n + 2 * Math.ceil(n / 4);
    expect(b.sql).toContain(`CONNECTION LIMIT ${share(API, k8s(3))} `);
  });

  it('Pulumi: a one-shot container that waits for its end and follows the Postgres container', () => {
    const plan = planWithSpecs(twoBackends(), 'dev');
    const refs = { image: 'img', networks: { app: 'app', data: 'data' }, volume: (v: string) => v, secret: (s: string) => `secret-of-${s}` };
    const args = roleSetupArgsOf(plan.specs.roleSetup!, plan.ctx.postgres!, plan.rolesSql!, 'uns-dev-db-role-setup', refs, 'pg-container-id');
    expect(args).toMatchObject({ attach: true, mustRun: false, restart: 'no', envs: [expect.anything()] });
    expect(plan.rolesSql).toContain(`CONNECTION LIMIT ${share(API, API.replicas)} `);
  });
});
