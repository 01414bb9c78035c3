/**
 * Issue 15: default images are pinned to exact patch versions, in one place
 * (lib/model/default-images.ts), which the README table and the compose-up stand-ins follow.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_IMAGES } from '../../lib/model/default-images.js';
import { Backend, Monitoring, Nginx, PgBouncer, Postgres, Redis, Stack } from '../../lib/index.js';
import { BACKEND } from '../helpers/stacks.js';

const REPO = join(import.meta.dirname, '..', '..');

describe('default images (issue 15)', () => {
  it('every default image has an exact major.minor.patch tag', () => {
    for (const [name, image] of Object.entries(DEFAULT_IMAGES)) {
      // PostgreSQL 10+ numbers a release major.minor: 16.10 is one exact release.
      const exact = name === 'postgres' ? /:\d+\.\d+-alpine$/ : /:v?\d+\.\d+\.\d+(-[a-z0-9.]+)?$/;
      expect(image, name).toMatch(exact);
    }
  });

  it('the constructs use them', () => {
    const stack = new Stack(undefined, 'uns');
    new Backend(stack, 'backend', BACKEND);
    const nginx = new Nginx(stack, 'nginx');
    const pg = new Postgres(stack, 'db');
    const pooler = new PgBouncer(stack, 'pgbouncer');
    const redis = new Redis(stack, 'redis');
    const mon = new Monitoring(stack, 'monitoring');
    expect(nginx.resolve('dev').image).toBe(DEFAULT_IMAGES.nginx);
    expect(pg.resolve('dev').image).toBe(DEFAULT_IMAGES.postgres);
    expect(pooler.resolve('dev').image).toBe(DEFAULT_IMAGES.pgbouncer);
    expect(redis.resolve('dev').image).toBe(DEFAULT_IMAGES.redis);
    const m = mon.resolve('dev');
    expect([m.prometheus.image, m.grafana.image]).toEqual([DEFAULT_IMAGES.prometheus, DEFAULT_IMAGES.grafana]);
  });

  it('README lists each one, and the compose-up stand-ins carry the same names', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const image of Object.values(DEFAULT_IMAGES)) expect(readme).toContain(`\`${image}\``);
    const setup = readFileSync(join(REPO, 'scripts', 'compose-up', 'setup.sh'), 'utf8');
    for (const k of ['postgres', 'redis', 'nginx'] as const) expect(setup).toContain(`[${k}]=${DEFAULT_IMAGES[k]}\n`);
  });
});
