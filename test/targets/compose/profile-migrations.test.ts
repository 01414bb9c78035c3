/**
 * A migration declared in only some profiles (through a profile override) is a one-shot
 * service of those profiles only, and only their backends wait for it. It used to be left out
 * of compose altogether while SO-POOL, the role setup, Kubernetes and Pulumi all counted it.
 */
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../../lib/cli/config.js';
import { synthCompose } from '../../../lib/targets/compose/index.js';
import { enabledIn } from '../../helpers/profile-wiring.js';

const CONFIG = `name: shop
backends:
  api:
    image: ghcr.io/acme/api:1.0.0
    port: 8000
    replicas: 1
    workers: 2
    pool: { size: 4, maxOverflow: 2 }
    redisPool: 0
    healthcheck: { path: /api/health }
    resources: { limits: { cpu: 1, memory: 1Gi } }
postgres:
  maxConnections: 100
profiles:
  prod:
    backends:
      api:
        replicas: 3
        migrations: { command: [alembic, upgrade, head], pool: 2 }
`;

describe('compose: a migration declared in one profile', () => {
  const { files } = synthCompose(loadConfigText(CONFIG, 'scaleout.yaml'));
  const compose = parse(files.get('docker-compose.yml')!) as { services: Record<string, any> };

  it('runs as a one-shot service of that profile only', () => {
    expect(compose.services['api-migrate']).toBeDefined();
    expect(compose.services['api-migrate'].profiles).toEqual(['prod']);
    expect(enabledIn(compose as never, 'prod')).toContain('api-migrate');
    expect(enabledIn(compose as never, 'dev')).not.toContain('api-migrate');
  });

  it("that profile's backends wait for it to exit 0; the other profile's do not", () => {
    const prodApi = Object.entries(compose.services).find(([n, s]) => n.startsWith('api') && n !== 'api-migrate' && s.profiles?.includes('prod'))!;
    const devApi = Object.entries(compose.services).find(([n, s]) => n.startsWith('api') && n !== 'api-migrate' && s.profiles?.includes('dev'))!;
    expect(prodApi[1].depends_on['api-migrate']).toEqual({ condition: 'service_completed_successfully' });
    expect(devApi[1].depends_on['api-migrate']).toBeUndefined();
  });

  it("the prod role setup creates the migration's role, and dev's does not", () => {
    const sql = [...files].filter(([p]) => /^postgres\/roles.*\.sql$/.test(p));
    const prod = sql.find(([p]) => p.includes('prod'))?.[1] ?? '';
    const dev = sql.find(([p]) => !p.includes('prod'))?.[1] ?? '';
    expect(prod).toMatch(/api_migrate/);
    expect(dev).not.toMatch(/api_migrate/);
  });
});
