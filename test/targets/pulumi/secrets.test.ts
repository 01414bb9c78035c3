/** Where passwords come from: component args, else the project's secret stack config. */
import { createHmac } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { referenceStack } from '../../../examples/reference/stack.js';
import { ConfigError } from '../../../lib/index.js';
import { DockerStack } from '../../../lib/targets/pulumi/index.js';
import { installMocks, isSecret, registrationsOf, settle, settleTicks, withoutSecrets } from './mocks.js';

const PROJECT = 'scaleout-reference';
const all = installMocks(PROJECT, 'test');

const uploadsOf = (name: string) => {
  const r = all.find((x) => x.name === name);
  expect(isSecret(r?.inputs.uploads), name).toBe(true);
  return (r!.inputs.uploads as { value: { file: string; content: string }[] }).value;
};

describe('DockerStack secrets', () => {
  // In file order: config is set only after the missing-config case.
  it('reports every missing secret with the command that sets it, and registers nothing', async () => {
    const before = all.length;
    let error: unknown;
    try {
      new DockerStack('nocfg', { stack: referenceStack(), profile: 'dev' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "postgresPassword: secret 'postgres_password' has no value; run `pulumi config set --secret postgresPassword <value>` or pass postgresPassword",
      "redisPassword: secret 'redis_password' has no value; run `pulumi config set --secret redisPassword <value>` or pass redisPassword",
    ]);
    await settleTicks();
    expect(all.length).toBe(before);
  });

  it('reads postgresPassword and redisPassword from secret config of the project', async () => {
    pulumi.runtime.setAllConfig(
      { [`${PROJECT}:postgresPassword`]: 'cfg-pg-SENTINEL', [`${PROJECT}:redisPassword`]: 'cfg-redis-SENTINEL' },
      [`${PROJECT}:postgresPassword`, `${PROJECT}:redisPassword`],
    );
    const c = new DockerStack('cfg', { stack: referenceStack(), profile: 'dev' });
    await settle(c);
    expect(uploadsOf('cfg-db')).toEqual([{ file: '/run/secrets/postgres_password', content: 'cfg-pg-SENTINEL' }]);
    // The backend's role password is derived from the configured superuser password.
    const derived = createHmac('sha256', 'cfg-pg-SENTINEL').update('pg_backend_password').digest('base64url');
    expect(uploadsOf('cfg-backend-1').map((u) => u.content)).toEqual([derived, 'cfg-redis-SENTINEL']);
    expect(JSON.stringify(registrationsOf(all, 'cfg').map((r) => withoutSecrets(r.inputs)))).not.toContain('SENTINEL');
  });

  it('prefers args over config and makes a plain Output secret', async () => {
    const c = new DockerStack('args', {
      stack: referenceStack(),
      profile: 'dev',
      postgresPassword: pulumi.output('arg-pg-SENTINEL'),
    });
    await settle(c);
    expect(uploadsOf('args-db')[0]!.content).toBe('arg-pg-SENTINEL');
    expect(uploadsOf('args-redis')[0]!.content).toBe('cfg-redis-SENTINEL');
    expect(JSON.stringify(registrationsOf(all, 'args').map((r) => withoutSecrets(r.inputs)))).not.toContain('SENTINEL');
  });

  it('the no-plaintext check can fail: it sees a password outside a secret', () => {
    const secret = { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: 'hidden-SENTINEL' };
    const shown = JSON.stringify(withoutSecrets({ envs: ['POSTGRES_PASSWORD=pw-SENTINEL-123'], uploads: [secret] }));
    expect(shown).toContain('pw-SENTINEL-123');
    expect(shown).not.toContain('hidden-SENTINEL');
  });
});
