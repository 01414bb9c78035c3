/**
 * The exporters the stack creates are counted as fixed clients (EXPORTER_CONNECTIONS). Here
 * the real exporters run against real servers, with the settings of their compose services
 * (see exporters.ts for the versions, and why the pgbouncer exporter is Debian's Python one
 * with one collector left out), and the server side counts what each holds:
 * - postgres_exporter: its sessions in pg_stat_activity (application_name = its service);
 * - redis_exporter: the clients in Redis' CLIENT LIST that appeared after it started;
 * - pgbouncer exporter: its clients of the `pgbouncer` admin database in SHOW CLIENTS.
 *
 * Then the boundary: a monitored stack at exactly its Postgres budget, the exporter's
 * connections included, is saturated while the exporter scrapes; nothing is refused, and one
 * more connection than the budget is refused by the real server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONITOR_CONNECTIONS, PGBOUNCER_EXPORTER_USER, rolePasswordSecret } from '../../lib/plan/roles.js';
import { describe, expect, it } from 'vitest';
import { evaluate, Monitoring, PgBouncer } from '../../lib/index.js';
import { EXPORTER_CONNECTIONS } from '../../lib/model/monitoring.js';
import { synthCompose } from '../../lib/targets/compose/index.js';
import { peakWhileScraping, scrapeEvery, startExporters, type Exporters } from './exporters.js';
import { E2eStack } from './harness.js';
import { sharedStack, stackPerTest } from './lifecycle.js';
import { ADMIN_WATCH } from './pgbouncer.js';
import type { FixedClients } from './postgres.js';
import { RedisClientList } from './redis.js';
import { describeRun, PG_REFUSED, saturatePostgres } from './saturate.js';
import { e2eModel } from './stacks.js';

describe('each exporter holds the connections EXPORTER_CONNECTIONS counts', () => {
  const shared = sharedStack(async () => {
    // GIVEN a monitored stack with a pooler: all three exporters have a server to watch
    const model = e2eModel({ backend: { replicas: 1, workers: 1 } });
    new PgBouncer(model.stack, 'pgbouncer', { image: 'pgbouncer:1.18', poolMode: 'transaction', maxClientConn: 50, defaultPoolSize: 5 });
    new Monitoring(model.stack, 'monitoring');
    const h = await E2eStack.start(model.stack);
    // Redis client ids only grow: every client above this one came after the exporters started.
    const redisClients = await RedisClientList.open(h.redis!);
    const before = Math.max(...(await redisClients.clients()).map((c) => Number(c['id'])));
    redisClients.close();
    const exporters: Exporters = await startExporters(h);
    return { h, exporters, before };
  });

  it('postgres_exporter (Debian 0.11.1): its sessions on PostgreSQL peak at EXPORTER_CONNECTIONS.postgres and stay', async () => {
    const { h, exporters } = await shared.get();
    const e = exporters.postgres!;
    const m = await h.pg!.monitor();
    try {
      // WHEN Prometheus-like scrapes run while pg_stat_activity is sampled
      const r = await peakWhileScraping(e, () => m.count(`application_name = '${e.service}'`));
      console.info('postgres_exporter:', r);
      // THEN the peak is what the capacity rules count, and the exporter keeps it between scrapes
      expect(r.peak, JSON.stringify(r)).toBe(EXPORTER_CONNECTIONS.postgres);
      expect(r.held, JSON.stringify(r)).toBe(EXPORTER_CONNECTIONS.postgres);
    } finally {
      m.close();
    }
  }, 60_000);

  it('redis_exporter (Debian 1.45): the clients it opens in Redis peak at EXPORTER_CONNECTIONS.redis', async () => {
    const { h, exporters, before } = await shared.get();
    const e = exporters.redis!;
    const list = await RedisClientList.open(h.redis!);
    const seen = new Set<string>();
    try {
      const count = async () => {
        const mine = (await list.clients()).filter((c) => Number(c['id']) > before && c['id'] !== list.self);
        for (const c of mine) seen.add(c['name'] || '(unnamed)');
        return mine.length;
      };
      // WHEN it scrapes while CLIENT LIST is read back to back (it connects per scrape)
      const r = await peakWhileScraping(e, count);
      console.info('redis_exporter:', r, [...seen]);
      // THEN each scrape held exactly what SO-REDIS counts, and the client was the exporter's
      // (it names itself with CLIENT SETNAME, so it may be seen unnamed just before)
      expect(r.peak, JSON.stringify(r)).toBe(EXPORTER_CONNECTIONS.redis);
      expect([...seen].filter((n) => n !== '(unnamed)')).toEqual(['redis_exporter']);
    } finally {
      list.close();
    }
  }, 60_000);

  it('pgbouncer exporter (Debian 1.7, a stand-in for the Go image): one admin-console client, counted by PgBouncer', async () => {
    const { h, exporters } = await shared.get();
    const e = exporters.pgbouncer!;
    // The exporter's own admin-console user (stats_users), with its password.
    const console_ = h.pooler!.watchClients(PGBOUNCER_EXPORTER_USER, h.secrets.get(rolePasswordSecret(PGBOUNCER_EXPORTER_USER))!);
    const names = new Set<string>();
    try {
      const count = async () => {
        const admin = (await console_.clients()).filter((c) => c['database'] === 'pgbouncer' && c['application_name'] !== ADMIN_WATCH);
        for (const c of admin) names.add(c['application_name']!);
        return admin.length;
      };
      // WHEN it scrapes while SHOW CLIENTS is read
      const r = await peakWhileScraping(e, count);
      console.info('pgbouncer exporter:', r, [...names]);
      // THEN PgBouncer lists exactly the clients its max_client_conn budget counts for it
      expect(r.peak, JSON.stringify(r)).toBe(EXPORTER_CONNECTIONS.pgbouncer);
      expect(r.held, JSON.stringify(r)).toBe(EXPORTER_CONNECTIONS.pgbouncer);
      expect([...names]).toEqual([e.service]);
    } finally {
      console_.close();
    }
  }, 60_000);

  shared.itLeavesNothingBehind();
});

describe('a monitored stack at exactly its Postgres budget, with postgres_exporter scraping', () => {
  // 1 replica × 2 workers × (2 + 1) = 6 app connections, plus the exporter's and the
  // monitoring role's (held here as a fixed client: nothing runs `scaleout check --live`).
  const REPLICAS = 1;
  const WORKERS = 2;
  const POOL = { size: 2, maxOverflow: 1 };
  const PER_WORKER = POOL.size + POOL.maxOverflow;
  const APP = REPLICAS * WORKERS * PER_WORKER;
  const RESERVED = 3;
  const AVAILABLE = APP + EXPORTER_CONNECTIONS.postgres + MONITOR_CONNECTIONS;

  const monitored = (maxConnections: number) => {
    const model = e2eModel({
      backend: { replicas: REPLICAS, workers: WORKERS, pool: POOL, redisPool: 1 },
      db: { maxConnections, superuserReservedConnections: RESERVED },
    });
    new Monitoring(model.stack, 'monitoring');
    return model;
  };

  let held: FixedClients | undefined;
  let monitor: FixedClients | undefined;
  const stacks = stackPerTest(async () => {
    await held?.release();
    await monitor?.release();
    held = undefined;
    monitor = undefined;
  });

  it('saturated, refuses nothing; one connection more is refused by the real server (53300)', async () => {
    // GIVEN demand (app + exporter) exactly what ordinary roles may use: synth passes, and one
    // slot fewer is refused with the exporter's connections in the arithmetic
    const model = monitored(AVAILABLE + RESERVED);
    expect(evaluate(model.stack, { targets: ['compose'], profiles: ['dev'] }).errors.map((f) => f.code)).toEqual([]);
    expect(() => synthCompose(monitored(AVAILABLE + RESERVED - 1).stack, { profiles: ['dev'] })).toThrow(`demand ${AVAILABLE} > available ${AVAILABLE - 1}`);

    const h = await stacks.start(model.stack);
    monitor = await h.pg!.holdConnections(MONITOR_CONNECTIONS);
    const exporter = (await startExporters(h)).postgres!;
    await exporter.scrape();
    const scraping = scrapeEvery(exporter);

    // WHEN it is saturated through nginx while the exporter scrapes
    const load = { concurrency: 40 * REPLICAS, workers: REPLICAS * WORKERS, capPerWorker: PER_WORKER, predictedPeak: AVAILABLE, refused: PG_REFUSED };
    const r = await saturatePostgres(h, load);
    const why = describeRun(r);
    console.info('monitored at budget:', why);

    // THEN every worker opened its whole pool, the role's peak (exporter included) is the
    // budget, and nothing was refused
    expect([...r.perWorker.values()], why).toEqual(Array(REPLICAS * WORKERS).fill(PER_WORKER));
    expect(r.peak, why).toBe(AVAILABLE);
    expect(r.refusals, why).toEqual([]);
    expect(r.otherFailures, why).toEqual([]);
    // On a refusal, say whose sessions held the role and what the exporter logged.
    const refused = h.pg!.logLines(/ 53300 /);
    const context = refused.length
      ? [
          h.pg!.psql(`SELECT pid, usename, application_name, backend_start, state, left(query, 60) FROM pg_stat_activity WHERE usename IS NOT NULL`),
          readFileSync(join(h.dir, 'logs', `${exporter.service}.log`), 'utf8').slice(-4000),
        ].join('\n')
      : '';
    expect(refused, `${why}\n${context}`).toEqual([]);

    // WHEN one more connection is held as the app role and the stack is saturated again
    held = await h.pg!.holdConnections(1);
    const over = await saturatePostgres(h, { ...load, stopAfterRefusals: 5 });
    const whyOver = describeRun(over);
    console.info('monitored at budget + 1:', whyOver);
    const scrapes = await scraping.stop();

    // THEN the real server refuses the app, the role never got more than the budget, and the
    // exporter scraped throughout (its connections are held, so it is never the one refused)
    expect(over.refusals.length, whyOver).toBeGreaterThan(0);
    expect(h.pg!.logLines(/ 53300 FATAL: {2}remaining connection slots are reserved/).length, whyOver).toBeGreaterThan(0);
    expect(over.peak, whyOver).toBe(AVAILABLE);
    expect(scrapes.failures).toEqual([]);
    expect(scrapes.scrapes).toBeGreaterThan(0);
  }, 150_000);
});
