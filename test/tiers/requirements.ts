/**
 * What each test tier needs beyond Node, and the check that fails a tier (never skips it)
 * when something is missing. vitest.config.ts runs `preflight(tier)` as the tier's
 * globalSetup, so a missing tool gives one message naming it and the Debian package.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A program a tier runs: where it is looked for and the Debian 12 package that installs it. */
interface Need {
  readonly what: string;
  readonly pkg: string;
  /** True when present. */
  readonly present: () => boolean;
}

export type Tier = 'unit' | 'tools' | 'e2e' | 'compose-up';

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
/** An absolute path (an env override or the Debian location), or a name searched on PATH. */
const onPath = (name: string) =>
  name.includes('/') ? executable(name) : (process.env['PATH'] ?? '').split(delimiter).some((d) => d && executable(join(d, name)));

const bin = (what: string, pkg: string, path = what): Need => ({ what, pkg, present: () => onPath(path) });
const env = (name: string, fallback: string) => process.env[name] ?? fallback;

const root: Need = {
  what: 'root (the tier mounts a private /etc/hosts with unshare -m)',
  pkg: '(run as root)',
  present: () => process.getuid?.() === 0,
};

const postgres: Need = {
  what: 'PostgreSQL server (/usr/lib/postgresql/*/bin/postgres)',
  pkg: 'postgresql',
  present: () =>
    existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').some((v) => executable(`/usr/lib/postgresql/${v}/bin/postgres`)),
};

/** The reference backend's Python modules (examples/backend/app.py). */
const PY_MODULES = ['fastapi', 'uvicorn', 'sqlalchemy', 'psycopg2', 'redis', 'prometheus_client'];
const python: Need = {
  what: `python3 with ${PY_MODULES.join(', ')}`,
  pkg: 'python3-fastapi python3-uvicorn python3-sqlalchemy python3-psycopg2 python3-redis python3-prometheus-client',
  present: () => {
    const py = env('E2E_PYTHON', '/usr/bin/python3');
    return executable(py) && spawnSync(py, ['-c', `import ${PY_MODULES.join(', ')}`], { stdio: 'ignore' }).status === 0;
  },
};

const nginx = bin('nginx', 'nginx', env('NGINX_BIN', '/usr/sbin/nginx'));
const unshare = bin('unshare', 'util-linux', '/usr/bin/unshare');
const dockerCompose = bin('docker-compose', 'docker-compose');

/** Tier → what it needs. The unit tier needs Node only. */
export const NEEDS: Readonly<Record<Tier, readonly Need[]>> = {
  unit: [],
  tools: [
    nginx,
    bin('promtool', 'prometheus', env('PROMTOOL_BIN', '/usr/bin/promtool')),
    dockerCompose,
    bin('openssl', 'openssl'),
    unshare,
    root,
  ],
  e2e: [
    nginx,
    python,
    postgres,
    bin('redis-server', 'redis-server', env('REDIS_SERVER_BIN', '/usr/bin/redis-server')),
    bin('pgbouncer', 'pgbouncer', env('PGBOUNCER_BIN', '/usr/sbin/pgbouncer')),
    bin('prometheus', 'prometheus', env('PROMETHEUS_BIN', '/usr/bin/prometheus')),
    bin('prometheus-postgres-exporter', 'prometheus-postgres-exporter', '/usr/bin/prometheus-postgres-exporter'),
    bin('prometheus-redis-exporter', 'prometheus-redis-exporter', '/usr/bin/prometheus-redis-exporter'),
    bin('prometheus-pgbouncer-exporter', 'prometheus-pgbouncer-exporter', '/usr/bin/prometheus-pgbouncer-exporter'),
    unshare,
    // test/e2e/redis-argv.test.ts logs every execve of the Redis process tree.
    bin('strace', 'strace', '/usr/bin/strace'),
    root,
  ],
  // Its test file runs scripts/compose-up/setup.sh first, which installs podman and builds
  // the images; that needs root.
  'compose-up': [{ ...root, what: 'root (apt-get, debootstrap, rootful podman, port 80)' }],
};

/** What `tier` lacks here, as one message per missing item; empty when all is present. */
export function missing(tier: Tier): string[] {
  return NEEDS[tier].filter((n) => !n.present()).map((n) =>
    n.pkg === root.pkg ? `needs ${n.what}` : `needs ${n.what}: apt-get install -y ${n.pkg}`,
  );
}

/** Throws one plain message (no stack) listing what `tier` lacks. */
export function preflight(tier: Tier): void {
  const lacks = missing(tier);
  if (lacks.length === 0) return;
  const hint = tier === 'compose-up' ? 'bash scripts/compose-up/setup.sh' : 'npm run test:all (as root on Debian 12)';
  const e = new Error(`the ${tier} tier ${lacks.join('; ')}. ${hint} installs everything.`);
  e.stack = e.message;
  throw e;
}
