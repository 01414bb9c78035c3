/**
 * `check --live`'s comparison, on facts built in the test: scale against the safe scale,
 * server settings, each role's limit and connections, the table, the JSON contract
 * (schemas/check-live.schema.json) and the exit code. The expected numbers come from the
 * capacity functions the plan uses, never typed in.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { safeScales } from '../../../lib/capacity/safe-scale.js';
import { postgresBudget } from '../../../lib/capacity/postgres-budget.js';
import { comparePostgres } from '../../../lib/cli/live/compare-postgres.js';
import { compareScale } from '../../../lib/cli/live/compare-scale.js';
import type { ComposeFacts, KubernetesFacts } from '../../../lib/cli/live/facts.js';
import { checkJson, checkTable } from '../../../lib/cli/live/format.js';
import { exitCodeOf, type LiveReport } from '../../../lib/cli/live/live-check.js';
import { backendRoleName, MONITOR_ROLE, postgresRoles } from '../../../lib/plan/roles.js';
import { AUTOSCALED, CONFIG, factsInLine, profileOf } from './stack.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'check-live.schema.json'), 'utf8')));

const ctx = profileOf(CONFIG);
const api = ctx.backends[0]!;
const safe = safeScales(ctx, 'compose')[0]!.largest;
/** prod's compose service name for the one backend (it differs from dev's). */
const composeName = () => 'api-prod';
const compose = (running: number): ComposeFacts => ({ project: 'shop', services: [{ service: 'api-prod', running, healthy: running, total: running }] });
const report = (checks: LiveReport['checks']): LiveReport => ({ stack: 'shop', profile: 'prod', target: 'compose', where: 'shop', checks });

describe('scale against the safe scale (compose)', () => {
  it('is in line at the model replicas and at the safe scale', () => {
    for (const running of [api.replicas, safe]) {
      const [line] = compareScale({ ctx, target: 'compose', compose: compose(running), composeName });
      expect(line!.status).toBe('ok');
      expect(line!.live).toBe(running);
      expect(line!.planned).toBe(safe);
    }
  });

  it('past the safe scale drifts, with the SO-POOL arithmetic and the command that restores the model', () => {
    const running = safe + 1;
    const [line] = compareScale({ ctx, target: 'compose', compose: compose(running), composeName });
    const live = postgresBudget([{ ...api, replicas: running }], ctx.postgres!, 'compose');
    expect(line!.status).toBe('drift');
    expect(line!.arithmetic.join('\n')).toContain(
      `api  ${running} replicas at peak (replicas ${running}) × ${api.workers} workers × (pool ${api.pool!.size} + overflow ${api.pool!.maxOverflow}) = ${live.backends[0]!.demand}`,
    );
    expect(line!.arithmetic.join('\n')).toContain(`demand ${live.demand} > available ${ctx.postgres!.available} (max_connections ${ctx.postgres!.maxConnections} − superuser_reserved 3)`);
    expect(line!.arithmetic.join('\n')).toContain(`--scale ${running} > largest safe --scale ${safe} (above it the PostgreSQL budget fails)`);
    expect(line!.fix).toBe(`docker compose --profile prod up -d --scale api-prod=${api.replicas}`);
    expect(exitCodeOf(report([line!]))).toBe(1);
  });

  it("the fixed-clients line adds up to the total it names, the backend's migration included", () => {
    const withMigration = profileOf(CONFIG.replace('    redisPool: 0\n', '    redisPool: 0\n    migrations: { command: [alembic, upgrade, head], pool: 2 }\n'));
    const b = withMigration.backends[0]!;
    const running = safeScales(withMigration, 'compose')[0]!.largest + 1;
    const [line] = compareScale({ ctx: withMigration, target: 'compose', compose: compose(running), composeName });
    const fixed = line!.arithmetic.find((l) => l.startsWith('fixed clients '))!;
    const [, terms, total] = /^fixed clients (.*) = (\d+)$/.exec(fixed)!;
    const counts = terms!.split(' + ').map((t) => Number(t.slice(t.lastIndexOf(' ') + 1)));
    expect(counts.reduce((x, y) => x + y, 0)).toBe(Number(total));
    expect(fixed).toContain(b.migration!.serviceName);
  });

  it('a backend with no container is drift, restored by the same command', () => {
    const [line] = compareScale({ ctx, target: 'compose', compose: { project: 'shop', services: [] }, composeName });
    expect(line).toMatchObject({ status: 'drift', live: null, fix: `docker compose --profile prod up -d --scale api-prod=${api.replicas}` });
  });
});

describe('scale against the safe scale (Kubernetes: HPA max + surge)', () => {
  const auto = profileOf(AUTOSCALED);
  const b = auto.backends[0]!;
  const largest = safeScales(auto, 'kubernetes')[0]!.largest;
  const k8s = (max: number, maxSurge: number | string = 0): KubernetesFacts => ({
    namespace: 'shop',
    workloads: [{ kind: 'Deployment', name: 'api', replicas: 2, ready: 2, maxSurge, maxUnavailable: 1, hpa: { name: 'api', current: 2, min: b.autoscale!.min, max } }],
  });

  it('an HPA max at the model is in line', () => {
    const [line] = compareScale({ ctx: auto, target: 'kubernetes', kubernetes: k8s(b.autoscale!.max), composeName });
    expect(line).toMatchObject({ status: 'ok', planned: largest, live: b.autoscale!.max });
  });

  it('an HPA max patched past the safe scale drifts, and the fix patches it back', () => {
    const [line] = compareScale({ ctx: auto, target: 'kubernetes', kubernetes: k8s(largest + 3), composeName });
    expect(line!.status).toBe('drift');
    expect(line!.arithmetic.join('\n')).toContain(`HPA maxReplicas ${largest + 3} > largest safe HPA maxReplicas ${largest}`);
    expect(line!.arithmetic.join('\n')).toContain(`at peak (autoscale.max ${largest + 3} + surge 0 + draining 1 (maxUnavailable 1))`);
    expect(line!.fix).toBe(`kubectl -n shop patch hpa api --type merge -p '{"spec":{"maxReplicas":${b.autoscale!.max}}}'`);
  });

  it('a surge raised by hand lowers the safe scale and is patched back too', () => {
    const [line] = compareScale({ ctx: auto, target: 'kubernetes', kubernetes: k8s(b.autoscale!.max, '50%'), composeName });
    expect(line!.status).toBe('drift');
    expect(line!.fix).toContain(`kubectl -n shop patch deployment/api --type merge -p '{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":1}}}}'`);
  });
});

describe('PostgreSQL settings and roles', () => {
  const roles = postgresRoles(ctx, 'compose');
  const restart = 'docker compose --profile prod restart db';
  const share = roles.find((r) => r.kind === 'backend')!;

  it('plans a role per backend (its service name, sanitized) with its share, and the monitoring role', () => {
    expect(roles.map((r) => r.name)).toEqual([backendRoleName('api'), MONITOR_ROLE].sort());
    expect(share.connectionLimit).toBe(postgresBudget(ctx.backends, ctx.postgres!, 'compose').backends[0]!.demand);
    expect(backendRoleName('shop-api.v2')).toBe('shop_api_v2');
  });

  it('is in line at the planned settings and with every role at its share', () => {
    const checks = comparePostgres({ ctx, target: 'compose', roles, facts: factsInLine(ctx, 'compose', (limit) => limit), restart });
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    // PostgreSQL 15 has no reserved_connections; the model reserves none, so that is in line.
    expect(checks.find((c) => c.subject === 'reserved_connections')).toMatchObject({ status: 'ok', live: null });
  });

  it('a changed max_connections drifts, naming the setting, both values and the available arithmetic', () => {
    const facts = { ...factsInLine(ctx, 'compose'), maxConnections: ctx.postgres!.maxConnections - 10 };
    const line = comparePostgres({ ctx, target: 'compose', roles, facts, restart }).find((c) => c.status === 'drift')!;
    expect(line.subject).toBe('max_connections');
    expect(line.arithmetic[0]).toBe(`max_connections ${facts.maxConnections} ≠ the model's ${ctx.postgres!.maxConnections}`);
    expect(line.fix).toBe(`psql -c "ALTER SYSTEM SET max_connections = ${ctx.postgres!.maxConnections}" && ${restart}`);
  });

  it('a model that reserves connections on a PostgreSQL 15 server drifts', () => {
    const reserving = profileOf(CONFIG.replace('maxConnections: 40', 'maxConnections: 40\n  reservedConnections: 2'));
    const line = comparePostgres({ ctx: reserving, target: 'compose', roles: postgresRoles(reserving, 'compose'), facts: factsInLine(reserving, 'compose'), restart }).find(
      (c) => c.subject === 'reserved_connections',
    )!;
    expect(line).toMatchObject({ status: 'drift', planned: 2, live: null });
  });

  it('a role over its share drifts, naming the backend, its role, the limit and the count', () => {
    const facts = factsInLine(ctx, 'compose', (limit) => limit);
    const extra = { ...facts, connections: [...facts.connections, { role: share.name, applicationName: 'psql', count: 1 }] };
    const line = comparePostgres({ ctx, target: 'compose', roles, facts: extra, restart }).find((c) => c.status === 'drift')!;
    expect(line.kind).toBe('role-connections');
    expect(line.subject).toBe(`api (role ${share.name})`);
    expect(line.arithmetic[0]).toBe(`${share.connectionLimit + 1} connections as ${share.name} (by application_name: app ${share.connectionLimit} + psql 1) > limit ${share.connectionLimit}`);
    expect(line.fix).toContain(`WHERE usename = '${share.name}'`);
  });

  it('a role whose CONNECTION LIMIT was changed, or that is missing, drifts', () => {
    const facts = factsInLine(ctx, 'compose');
    const raised = { ...facts, roles: facts.roles.map((r) => (r.name === share.name ? { ...r, connectionLimit: -1 } : r)) };
    const line = comparePostgres({ ctx, target: 'compose', roles, facts: raised, restart }).find((c) => c.status === 'drift')!;
    expect(line).toMatchObject({ kind: 'role-limit', live: -1, planned: share.connectionLimit, fix: `psql -c "ALTER ROLE ${share.name} CONNECTION LIMIT ${share.connectionLimit}"` });
    const missing = { ...facts, roles: facts.roles.filter((r) => r.name !== share.name) };
    expect(comparePostgres({ ctx, target: 'compose', roles, facts: missing, restart }).find((c) => c.status === 'drift')).toMatchObject({ kind: 'role-limit', live: null });
  });
});

describe('output', () => {
  const checks = [
    ...compareScale({ ctx, target: 'compose', compose: compose(safe + 1), composeName }),
    ...comparePostgres({ ctx, target: 'compose', roles: postgresRoles(ctx, 'compose'), facts: factsInLine(ctx, 'compose'), restart: 'docker compose --profile prod restart db' }),
  ];

  it('the JSON matches schemas/check-live.schema.json, in line or drifted', () => {
    for (const r of [report(checks), report(checks.filter((c) => c.status === 'ok')), { ...report([]), where: undefined }]) {
      const json = checkJson(r as LiveReport);
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(checkJson(report(checks))).toMatchObject({ version: 1, status: 'drift', exitCode: 1 });
    expect(checkJson(report(checks.filter((c) => c.status === 'ok')))).toMatchObject({ status: 'in-line', exitCode: 0 });
  });

  it('the table has one row per check, its arithmetic under it, the restoring command, and a verdict', () => {
    const text = checkTable(report(checks));
    const lines = text.split('\n');
    expect(lines[0]).toBe('check --live: stack shop, profile prod, target compose (project shop)');
    expect(lines[1]).toMatch(/^STATUS\s+CHECK\s+SUBJECT\s+PLANNED\s+LIVE$/);
    expect(lines[2]).toMatch(new RegExp(`^DRIFT\\s+scale\\s+api-prod\\s+${safe}\\s+${safe + 1}$`));
    expect(text).toContain(`    restore: docker compose --profile prod up -d --scale api-prod=${api.replicas}\n`);
    expect(lines.at(-2)).toBe(`drift: 1 of ${checks.length} checks (exit 1)`);
    expect(checkTable(report(checks.filter((c) => c.status === 'ok')))).toContain(`in line with the model: ${checks.length - 1} checks\n`);
  });
});
