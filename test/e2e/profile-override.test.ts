/**
 * A stack whose prod profile overrides `postgres:` and `redis:` (test/fixtures/profile-override/
 * e2e.yaml: direct.yaml's shape, sized for this machine), run from the compose file synth
 * writes for both profiles. Both PostgreSQL servers run, `db` with the dev settings and
 * `db-prod` with the prod ones, and both Redis servers; the prod backends and the prod
 * postgres_exporter start with the env of their compose services, and their hosts are
 * followed to whichever server they name. Saturated, the prod connections land on the prod
 * server and none on the dev one; at the prod budget nothing is refused, and one connection
 * more is refused by the prod server.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../lib/index.js';
import { loadConfigFile, loadConfigText } from '../../lib/cli/config.js';
import { EXPORTER_CONNECTIONS } from '../../lib/model/monitoring.js';
import { MONITOR_CONNECTIONS } from '../../lib/plan/roles.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { scrapeEvery, startExporters } from './exporters.js';
import { stackPerTest } from './lifecycle.js';
import type { FixedClients, PgMonitor, PostgresServer } from './postgres.js';
import { describeRun, PG_REFUSED, saturatePostgres } from './saturate.js';

const FIXTURE = 'test/fixtures/profile-override/e2e.yaml';

/** A setting as the running server reports it. */
const setting = (s: PostgresServer, name: string) => Number(s.psql(`SHOW ${name}`).trim());

let held: FixedClients | undefined;
let monitorSession: FixedClients | undefined;
let devMonitor: PgMonitor | undefined;
const stacks = stackPerTest(async () => {
  devMonitor?.close();
  devMonitor = undefined;
  await held?.release();
  await monitorSession?.release();
  held = undefined;
  monitorSession = undefined;
});

describe('a prod profile that overrides postgres: and redis:, run natively', () => {
  it('prod connections land on the prod server, none on the dev one; its budget holds, and budget + 1 is refused by it', async () => {
    // GIVEN the stack passes the gate in both profiles, and one slot fewer on the prod server is
    // refused by synth for the prod profile
    const stack = loadConfigFile(FIXTURE);
    expect(evaluate(stack, { targets: ['compose'] }).errors.map((f) => `${f.code} ${f.profiles[0]}`)).toEqual([]);
    const text = readFileSync(FIXTURE, 'utf8');
    expect(text).toContain('maxConnections: 18');
    const tight = loadConfigText(text.replace('maxConnections: 18', 'maxConnections: 17'), FIXTURE);
    expect(() => synthCompose(tight)).toThrow(/\[SO-POOL\] uns\/db \(profile prod[^)]*\)[\s\S]*demand 15 > available 14/);

    // WHEN the prod profile runs beside the dev profile's servers
    const h = await stacks.start(stack, { profile: 'prod', dataProfiles: ['dev'] });
    expect([...h.postgresServers.keys()].sort()).toEqual(['db', 'db-prod']);
    expect([...h.redisServers.keys()].sort()).toEqual(['redis', 'redis-prod']);
    const prod = h.postgresServers.get('db-prod')!;
    const dev = h.postgresServers.get('db')!;
    // each server runs its own profile's max_connections
    const devModel = synthCompose(stack, { profiles: ['dev'] }).report.contexts[0]!.postgres!;
    expect(setting(prod, 'max_connections')).toBe(h.context.postgres!.maxConnections);
    expect(setting(dev, 'max_connections')).toBe(devModel.maxConnections);
    expect(setting(prod, 'max_connections')).not.toBe(setting(dev, 'max_connections'));

    const api = h.context.backends[0]!;
    const perWorker = api.pool!.size + api.pool!.maxOverflow;
    const workers = api.replicas * api.workers;
    const available = setting(prod, 'max_connections') - setting(prod, 'superuser_reserved_connections');
    // the prod demand, the exporter's and the monitoring role's included, is exactly what the
    // prod server leaves ordinary roles; the monitoring role's connection is held as a fixed client
    expect(workers * perWorker + EXPORTER_CONNECTIONS.postgres + MONITOR_CONNECTIONS).toBe(available);
    monitorSession = await prod.holdConnections(MONITOR_CONNECTIONS);

    const exporter = (await startExporters(h)).postgres!;
    expect(exporter.service).toBe('postgres-exporter-prod');
    await exporter.scrape();
    const scraping = scrapeEvery(exporter);
    devMonitor = await dev.monitor();
    devMonitor.track();

    // WHEN the prod backends are saturated through the prod nginx
    const load = { concurrency: 40 * api.replicas, workers, capPerWorker: perWorker, predictedPeak: available, refused: PG_REFUSED };
    const r = await saturatePostgres(h, load);
    const why = describeRun(r);
    console.info('profile override, prod at budget:', why, `dev peak ${devMonitor.peak}`);

    // THEN every prod worker filled its pool on the prod server, at its budget, refusing nothing,
    // and the dev server saw none of it
    expect(h.pg).toBe(prod);
    expect([...r.perWorker.values()], why).toEqual(Array(workers).fill(perWorker));
    expect(r.peak, why).toBe(available);
    expect(r.refusals, why).toEqual([]);
    expect(r.otherFailures, why).toEqual([]);
    expect(prod.logLines(/ 53300 /)).toEqual([]);
    expect(devMonitor.peak).toBe(0);
    // Redis too: the prod backends hold clients on redis-prod, none on the dev redis
    expect(h.redisServers.get('redis-prod')!.clients()).toBeGreaterThan(0);
    expect(h.redisServers.get('redis')!.clients()).toBe(0);

    // WHEN one more connection is held on the prod server and the backends are saturated again
    held = await prod.holdConnections(1);
    const over = await saturatePostgres(h, { ...load, stopAfterRefusals: 5 });
    const whyOver = describeRun(over);
    const scrapes = await scraping.stop();
    console.info('profile override, prod at budget + 1:', whyOver, `dev peak ${devMonitor.peak}`);

    // THEN the prod server refuses the app, never past its budget, and the dev server still saw nothing
    expect(over.refusals.length, whyOver).toBeGreaterThan(0);
    expect(prod.logLines(/ 53300 FATAL: {2}remaining connection slots are reserved/).length, whyOver).toBeGreaterThan(0);
    expect(over.peak, whyOver).toBe(available);
    expect(devMonitor.peak).toBe(0);
    expect(dev.logLines(/ 53300 /)).toEqual([]);
    expect(scrapes.failures).toEqual([]);
  }, 180_000);
});
