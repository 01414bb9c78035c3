/**
 * SO-SECRET coverage: secret-like names in every casing and position, credentials inside
 * values, healthcheck commands and monitor labels; nothing of them reaches an output.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, SynthError } from '../../lib/index.js';
import { Monitoring } from '../../lib/model/monitoring.js';
import { isSecretName, secretInArgs, secretInValue } from '../../lib/rules/secret-patterns.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { findingsOf, minimalStack, suppressedOf } from '../helpers/stacks.js';

const SECRET_NAMES = [
  'SECRET_KEY', 'DB_PASS', 'STRIPE_KEY', 'SIGNING_KEY', 'PASSWORD_DB', 'API_KEY_1', 'GITHUB_PAT', 'dbPassword',
  'Db_Password', 'Db_Pwd', 'PGPASSWORD', 'clientSecret', 'AWS_SECRET_ACCESS_KEY', 'PRIVATE_KEY', 'APIKEY', 'X_AUTH_TOKEN', 'SMTP_CREDENTIALS', 'GPG_PASSPHRASE',
  'SENTRY_DSN', 'password', 'Secret', 'KEY',
];
const ORDINARY_NAMES = ['LOG_LEVEL', 'MAX_TOKENS', 'KEYSPACE', 'BYPASS_CACHE', 'PASSENGER_LIMIT', 'PATH', 'PATTERN', 'MONKEY', 'TOKENIZER'];

// Each value is flagged whatever its variable is called.
const SECRET_VALUES: readonly (readonly [string, string])[] = [
  ['redis://:pw@cache:6379/0', 'a URL with a password'],
  ['postgresql://app:hunter2@db/uns', 'a URL with a password'],
  ['--db postgresql://u:pw@db:5432/x', 'a URL with a password'],
  ['primary=amqp://guest:guest@mq:5672/ secondary=none', 'a URL with a password'],
  ['jdbc:postgresql://db:5432/uns?user=app&password=hunter2', 'a password in a query string'],
  ['https://api.example/v1?token=abc123', 'a password in a query string'],
  ['Bearer eyJhbGciOiJIUzI1NiJ9abcdef', 'an Authorization credential'],
  ['Basic YXBwOmh1bnRlcjI=', 'an Authorization credential'],
  ['ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'a GitHub token'],
  ['github_pat_11ABCDEFG0123456789_abcdefghijklmnop', 'a GitHub token'],
  ['xoxb-1234567890-abcdefghij', 'a Slack token'],
  ['sk_live_51Habcdefghijkl', 'a Stripe key'],
  ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key'],
  ['glpat-abcdefghij0123456789', 'a GitLab token'],
  ['AIzaSyA-abcdefghijklmnopqrstuvwxyz01234', 'a Google API key'],
  ['sk-proj-abcdefghijklmnopqrstuvwx', 'an API secret key'],
  ['npm_abcdefghijklmnopqrstuvwxyz0123456789', 'an npm token'],
  ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig', 'a JWT'],
  ['-----BEGIN RSA PRIVATE KEY-----\nMIIE', 'a private key'],
];
const ORDINARY_VALUES = ['info', 'redis://cache:6379/0', 'http://user@host/x', 'https://example.com/?page=2', 'Basic', '4096', 'skip-tests'];

describe('secret patterns', () => {
  it.each(SECRET_NAMES)('%s is a secret-like name', (name) => expect(isSecretName(name)).toBe(true));
  it.each(ORDINARY_NAMES)('%s is not', (name) => expect(isSecretName(name)).toBe(false));
  it.each(SECRET_VALUES)('%j carries %s', (value, why) => expect(secretInValue(value)).toBe(why));
  it.each(ORDINARY_VALUES)('%j carries nothing', (value) => expect(secretInValue(value)).toBeUndefined());

  it('finds secrets in argument lists: flags, shell assignments and values', () => {
    expect(secretInArgs(['CMD', 'mysqladmin', '--password=hunter2', 'ping'])).toBe('a secret after --password');
    expect(secretInArgs(['CMD', 'tool', '--token', 'abc'])).toBe('a secret after --token');
    expect(secretInArgs(['CMD-SHELL', 'PGPASSWORD=hunter2 pg_isready'])).toBe('a secret in PGPASSWORD=');
    expect(secretInArgs(['CMD', 'curl', '-H', 'Authorization: Bearer abcdefghijkl', 'http://x'])).toBe('an Authorization credential');
    expect(secretInArgs(['CMD-SHELL', 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli ping'])).toBeUndefined();
    expect(secretInArgs(['sh', '-c', 'PGPASSWORD="$(cat /run/secrets/pg)" psql'])).toBeUndefined();
    expect(secretInArgs(['sh', '-c', "PGPASSWORD='hunter2' psql"])).toBe('a secret in PGPASSWORD=');
    expect(secretInArgs(['CMD', 'tool', '--password-file', '/run/secrets/x'])).toBeUndefined();
    expect(secretInArgs(['CMD', 'curl', '-f', 'http://127.0.0.1:8000/api/health'])).toBeUndefined();
  });
});

describe('SO-SECRET', () => {
  const refused = (env: Record<string, string>) => {
    const { stack } = minimalStack({ backend: { env } });
    return findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }), 'SO-SECRET').map((f) => f.message);
  };

  it.each(SECRET_NAMES)('refuses env %s with a literal value', (name) => {
    expect(refused({ [name]: 'plain-value-123' })).toEqual([`env ${name} holds a plaintext secret`]);
  });

  it.each(SECRET_VALUES)('refuses env value %j under an innocent name', (value, why) => {
    expect(refused({ SETTING: value })).toEqual([`env SETTING holds ${why}`]);
  });

  it('exempts *_FILE paths, the convention scaleout writes itself', () => {
    expect(refused({ SMTP_PASSWORD_FILE: '/run/secrets/smtp_password', API_KEY_FILE: '/etc/keys/api' })).toEqual([]);
    expect(refused({ SMTP_PASSWORD_FILE: 'hunter2' })).toEqual(['env SMTP_PASSWORD_FILE holds a plaintext secret']);
  });

  it('refuses a password in the healthcheck command', () => {
    const { stack } = minimalStack({ backend: { healthcheck: { command: ['CMD-SHELL', 'PGPASSWORD=hunter2 pg_isready -h db'] } } });
    expect(findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }), 'SO-SECRET').map((f) => f.message)).toEqual([
      'healthcheck.command holds a secret in PGPASSWORD=',
    ]);
  });

  it.each([
    ['command', { command: ['uvicorn', 'app:app', '--ssl-keyfile-password', 'hunter2'] }, 'command holds a secret after --ssl-keyfile-password'],
    ['args', { args: ['--db-password=hunter2'] }, 'args holds a secret after --db-password'],
    [
      'migrations.command',
      { migrations: { command: ['sh', '-c', 'PGPASSWORD=hunter2 alembic upgrade head'] } },
      'migrations.command holds a secret in PGPASSWORD=',
    ],
  ] as const)('refuses a password in the backend %s argv', (_, props, message) => {
    const { stack } = minimalStack({ backend: props });
    expect(findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }), 'SO-SECRET').map((f) => f.message)).toEqual([message]);
  });

  it('passes argvs that read their secrets from files', () => {
    const { stack } = minimalStack({ backend: { args: ['--workers', '4'], migrations: { command: ['sh', '-c', 'PGPASSWORD="$(cat /run/secrets/pg)" alembic upgrade head'] } } });
    expect(findingsOf(evaluate(stack, { targets: ['compose'], profiles: ['dev'] }), 'SO-SECRET')).toEqual([]);
  });

  it('refuses a password in monitor labels', () => {
    const { stack } = minimalStack();
    new Monitoring(stack, 'monitoring', { prometheusOperator: { labels: { release: 'kps', 'api-token': 'abc123' } } });
    expect(findingsOf(evaluate(stack, { targets: ['kubernetes'], profiles: ['dev'] }), 'SO-SECRET').map((f) => f.message)).toEqual([
      'monitoring.prometheusOperator.labels.api-token holds a plaintext secret',
    ]);
  });

  it('a false positive is handled by a suppression with a reason', () => {
    const env = { CACHE_KEY_PREFIX: 'uns:' };
    expect(refused(env)).toEqual(['env CACHE_KEY_PREFIX holds a plaintext secret']);
    const { stack } = minimalStack({ backend: { env, suppressions: [{ rule: 'SO-SECRET', reason: 'a cache key prefix, not a key' }] } });
    const report = evaluate(stack, { targets: ['compose'], profiles: ['dev'] });
    expect(findingsOf(report, 'SO-SECRET')).toEqual([]);
    expect(suppressedOf(report, 'SO-SECRET')).toHaveLength(1);
  });

  it('refuses synth, so no secret value is written anywhere', () => {
    for (const [value] of SECRET_VALUES) {
      const { stack } = minimalStack({ backend: { env: { SETTING: value } } });
      expect(() => synthCompose(stack), value).toThrow(SynthError);
    }
  });
});
