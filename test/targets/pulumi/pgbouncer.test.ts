/** The pooled example on Pulumi: pooler containers between the backends and Postgres. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../lib/cli/config.js';
import { createHmac } from 'node:crypto';
import { resolveProfile } from '../../../lib/index.js';
import { dockerPgBouncerIni } from '../../../lib/render/docker.js';
import * as pulumi from '@pulumi/pulumi';
import { poolerAuthUsers } from '../../../lib/plan/roles.js';
import { pgbouncerArgsOf, type ContainerRefs, type Upload } from '../../../lib/targets/pulumi/containers.js';
import { DockerStack } from '../../../lib/targets/pulumi/index.js';
import { planWithSpecs } from '../../../lib/targets/pulumi/plan.js';
import { installMocks, isSecret, registrationsOf, settle, withoutSecrets } from './mocks.js';

const all = installMocks('scaleout-reference', 'test');
const CONTAINER = 'docker:index/container:Container';
const SENTINEL = 'pg-SENTINEL-pw';
const pooledStack = () => loadConfigFile(join(import.meta.dirname, '../../../examples/pooled/scaleout.yaml'));

describe('DockerStack behind PgBouncer', () => {
  it('runs one pooler container per instance, and points the backends at it', async () => {
    const stack = pooledStack();
    const component = new DockerStack('pooled', { stack, profile: 'prod', postgresPassword: SENTINEL, redisPassword: 'redis-pw' });
    await settle(component);
    const mine = registrationsOf(all, 'pooled').filter((r) => r.type === CONTAINER);
    const pooler = stack.pooler!.resolve('prod');
    const poolers = mine.filter((r) => r.name.startsWith('pooled-pgbouncer-'));
    expect(poolers.map((r) => r.name)).toEqual(['pooled-pgbouncer-1', 'pooled-pgbouncer-2']);
    expect(poolers.length).toBe(pooler.replicas);

    for (const p of poolers) {
      expect(p.inputs.networksAdvanced.map((n: any) => n.aliases)).toEqual([['pgbouncer']]);
      expect(p.inputs.entrypoints).toEqual(['pgbouncer']);
      expect(p.deleteBeforeReplace).toBe(true);
      // the ini is the renderer's output; the userlist is a secret built from the password
      const uploads = (isSecret(p.inputs.uploads) ? p.inputs.uploads.value : p.inputs.uploads) as { file: string; content: string }[];
      expect(uploads.find((u) => u.file === '/etc/pgbouncer/pgbouncer.ini')!.content).toBe(
        dockerPgBouncerIni(resolveProfile(stack, 'prod'), 'uns', 'db', 'pulumi'),
      );
      expect(isSecret(p.inputs.uploads)).toBe(true);
      // Every user the pooler knows, with its role's password (derived from the superuser's: none is set).
      const derived = (role: string) => createHmac('sha256', SENTINEL).update(`pg_${role}_password`).digest('base64url');
      expect(uploads.find((u) => u.file === '/run/secrets/pgbouncer_userlist')!.content).toBe(
        ['backend_prod', 'pgbouncer'].map((u) => `"${u}" "${derived(u)}"\n`).join(''),
      );
      expect(JSON.stringify(withoutSecrets(p.inputs))).not.toContain(SENTINEL);
    }

    const backends = mine.filter((r) => r.name.startsWith('pooled-backend-prod-'));
    expect(backends).toHaveLength(6);
    for (const b of backends) {
      // the backend's own role, a client of the pooler
      expect(b.inputs.envs).toContain('DATABASE_URL=postgresql://backend_prod@pgbouncer:6432/uns');
      expect(b.inputs.envs).toContain('PGBOUNCER_POOL_MODE=transaction');
      // they start after the poolers, not straight after Postgres
      for (const p of poolers) expect(b.dependencies).toContain(p.urn);
      expect(b.dependencies.some((d) => d.endsWith('::pooled-db'))).toBe(false);
    }
  });

  it('doubles a " in a role password in the userlist, as PgBouncer reads its auth_file', async () => {
    const stack = pooledStack();
    const quoted = 'pw "with" quotes';
    const component = new DockerStack('quoted', { stack, profile: 'prod', postgresPassword: SENTINEL, redisPassword: 'redis-pw', secrets: { pg_backend_prod_password: quoted } });
    await settle(component);
    const pooler = registrationsOf(all, 'quoted').find((r) => r.type === CONTAINER && r.name === 'quoted-pgbouncer-1')!;
    const uploads = (isSecret(pooler.inputs.uploads) ? pooler.inputs.uploads.value : pooler.inputs.uploads) as { file: string; content: string }[];
    const userlist = uploads.find((u) => u.file === '/run/secrets/pgbouncer_userlist')!.content;
    expect(userlist.split('\n')[0]).toBe('"backend_prod" "pw ""with"" quotes"');
    expect(userlist.split('\n')).toHaveLength(3);
  });

  it('refuses a role password with a line break, which would start another user in the userlist', async () => {
    const stack = pooledStack();
    const plan = planWithSpecs(stack, 'prod');
    const injected = 'pw\n"pgbouncer" "mine"';
    const refs: ContainerRefs = {
      image: 'img',
      networks: { app: 'net-app', data: 'net-data' },
      volume: (n) => n,
      secret: (n) => pulumi.secret(n === 'pg_backend_prod_password' ? injected : 'one-line'),
    };
    const args = pgbouncerArgsOf(plan.specs.pooler!, plan.ctx.pooler!, poolerAuthUsers(plan.ctx), plan.pgbouncerIni!, 'x', refs);
    const userlist = (args.uploads as Upload[]).find((u) => u.file === '/run/secrets/pgbouncer_userlist')!.content as pulumi.Output<string>;
    // The engine awaits an Output's value, and whether it is known and secret: a throw in
    // apply rejects all three (this awaits each, so none is left unhandled).
    const out = userlist as unknown as { promise(): Promise<string>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
    await Promise.allSettled([out.isKnown, out.isSecret]);
    await expect(out.promise()).rejects.toThrow(
      "secret 'pg_backend_prod_password' (the password of role backend_prod) holds a line break or NUL; PgBouncer's userlist takes a one-line password. Set it on one line: pulumi config set --secret pg_backend_prod_password <password>",
    );
  });
});
