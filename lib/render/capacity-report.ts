import { loadSizings } from '../capacity/load.js';
import { nginxBudget } from '../capacity/nginx-budget.js';
import { poolerClientBudget } from '../capacity/pooler-budget.js';
import { postgresBudget } from '../capacity/postgres-budget.js';
import { redisBudget } from '../capacity/redis-budget.js';
import { safeScales } from '../capacity/safe-scale.js';
import type { TargetKind } from '../capacity/target.js';
import { loadFormula, servedRps } from '../model/load.js';
import { latencyChart } from './latency-chart.js';
import type { Stack } from '../model/stack.js';
import type { ResolvedProfile } from '../plan/profile.js';
import { formatProblem, warningLines, type GateReport } from '../plan/report.js';
import { escapeControls } from '../model/visible-text.js';
import { mermaidTopology } from './topology.js';

/** Names a construct path as the reader will see it (a compose service name, say). */
export type ServiceNamer = (profile: string, path: string) => string;

const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;

/** User text as literal Markdown: no table cell break, HTML, emphasis, link or code span. */
function mdText(s: string): string {
  return escapeControls(s).replace(/[\\`*_[\]<>|#!~&()]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`));
}

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)];
}

/** The budget tables of one profile under one target's semantics. */
export function capacitySection(ctx: ResolvedProfile, target: TargetKind, name: (path: string) => string): string[] {
  const out: string[] = [];
  if (ctx.postgres && ctx.pooler) {
    const c = poolerClientBudget(ctx.backends, ctx.pooler, target);
    out.push(`### PgBouncer client connections (${name(ctx.pooler.path)}, pool_mode ${ctx.pooler.poolMode})`, '');
    out.push(
      ...table(
        ['client', 'peak replicas', 'workers', 'pool.size + maxOverflow', 'connections'],
        [
          ...c.backends.map((s) => [name(s.backend.path), `${s.peak.total} (${s.peak.explain})`, s.workers, `${s.poolSize} + ${s.maxOverflow}`, s.demand]),
          ...ctx.pooler.fixedClients.map((f) => [`fixed: ${f.name}`, '', '', '', f.count]),
          ['**demand**', '', '', '', `**${c.demand}**`],
        ],
      ),
      '',
      `Capacity ${c.capacity} = max_client_conn ${ctx.pooler.maxClientConn} × ${ctx.pooler.replicas} instance(s). ` +
        (c.ok ? `Headroom ${c.capacity - c.demand}.` : `**Over by ${c.demand - c.capacity}.**`),
      '',
    );
  }
  if (ctx.postgres) {
    // Behind a pooler, Postgres sees the pooler's server connections instead of the backends.
    const b = postgresBudget(ctx.backends, ctx.postgres, target, ctx.pooler);
    const pg = ctx.postgres;
    const server = b.pooler;
    out.push(`### PostgreSQL connections (${name(pg.path)})`, '');
    out.push(
      ...table(
        ['client', 'peak replicas', 'workers', 'pool.size + maxOverflow', 'connections'],
        [
          ...b.backends.map((s) => [name(s.backend.path), `${s.peak.total} (${s.peak.explain})`, s.workers, `${s.poolSize} + ${s.maxOverflow}`, s.demand]),
          ...(server
            ? [[name(server.pooler.path), `${server.peak.total} (${server.peak.explain})`, '', `${server.perInstance} per instance`, server.demand]]
            : []),
          ...b.fixed.map((c) => [`fixed: ${c.name}`, '', '', '', c.count]),
          ['**demand**', '', '', '', `**${b.demand}**`],
        ],
      ),
      '',
      `Available ${b.available} = max_connections ${pg.maxConnections} − superuser_reserved ${pg.superuserReservedConnections} − reserved ${pg.reservedConnections}. ` +
        (b.ok ? `Headroom ${b.available - b.demand}.` : `**Over budget by ${b.demand - b.available}.**`),
      '',
    );
  }
  if (ctx.redis) {
    const b = redisBudget(ctx.backends, ctx.redis, target);
    out.push(`### Redis clients (${name(ctx.redis.path)})`, '');
    out.push(
      ...table(
        ['client', 'peak replicas', 'workers', 'redis pool', 'clients'],
        [
          ...b.backends.map((s) => [name(s.backend.path), s.peak.total, s.workers, s.pool, s.demand]),
          ...ctx.redis.fixedClients.map((c) => [`fixed: ${c.name}`, '', '', '', c.count]),
          ['**demand**', '', '', '', `**${b.demand}**`],
        ],
      ),
      '',
      `maxclients ${ctx.redis.maxClients}. ` + (b.ok ? `Headroom ${ctx.redis.maxClients - b.demand}.` : `**Over by ${b.demand - ctx.redis.maxClients}.**`),
      '',
    );
  }
  if (ctx.nginx) {
    const b = nginxBudget(ctx.nginx, ctx.backends, target);
    out.push(`### nginx connections (${name(ctx.nginx.path)})`, '');
    out.push(
      `Demand ${b.demand} = 2 × ${b.peakRequests} peak requests${b.derived ? ' (what the backends serve at once)' : ''} + ` +
        `${b.workerProcesses} worker process(es) × (${b.idlePerWorker} idle upstream keepalive + ${b.listeners} listener(s)); ` +
        `capacity ${b.capacity} = worker_processes ${b.workerProcesses}${ctx.nginx.workerProcesses === 'auto' ? ' (auto, counted as 1)' : ''} × worker_connections ${ctx.nginx.workerConnections}. ` +
        (b.ok ? `Headroom ${b.capacity - b.demand}.` : `**Over by ${b.demand - b.capacity}.**`),
      '',
      ...table(
        ['upstream', 'keepalive per worker', 'from'],
        b.keepalives.map((k) => [name(k.backend.path), k.keepalive, k.explain]),
      ),
      '',
    );
  }
  out.push(...loadSection(ctx, target, name));
  return out;
}

/** `backend-prod: 500 RPS needs 6 replicas (…); the budget allows 4 (limited by PostgreSQL).` per backend with load. */
function loadSection(ctx: ResolvedProfile, target: TargetKind, name: (path: string) => string): string[] {
  const sizings = loadSizings(ctx, target);
  if (sizings.length === 0) return [];
  const lines = sizings.map((s) => {
    const knob = s.provisioned.knob === 'replicas' ? '' : 'autoscale.max ';
    const verdict = s.overBudget
      ? ` **SO-LOAD: ${s.load.requiredReplicas - s.maxSafe} over.**`
      : s.underProvisioned
        ? ` **SO-LOAD: ${s.provisioned.knob} ${s.provisioned.base} serve ${servedRps(s.provisioned.base, s.load.rpsPerReplica)} RPS.**`
        : '';
    return (
      `- ${name(s.backend.path)}: ${s.load.expectedRps} RPS needs ${s.load.requiredReplicas} replicas (${loadFormula(s.load)}); ` +
      `the budget allows ${knob}${s.maxSafe} (limited by ${s.limitedBy}).${verdict}`
    );
  });
  const charts = sizings.flatMap((s) => latencyChart(s.backend, name(s.backend.path)));
  return ['### Load', '', ...lines, '', ...charts];
}

function suppressionTable(report: GateReport): string[] {
  const seen = new Map<string, { rule: string; path: string; reason: string; where: Set<string> }>();
  for (const { problem, suppression: s } of report.suppressed) {
    const key = `${s.rule} ${s.path} ${s.reason}`;
    const e = seen.get(key) ?? { rule: s.rule, path: s.path, reason: s.reason, where: new Set<string>() };
    for (const profile of problem.profiles) e.where.add(problem.target ? `${profile}/${problem.target}` : profile);
    seen.set(key, e);
  }
  const rows = [...seen.values()].map((e) => [mdText(e.rule), mdText(e.path), [...e.where].join(', '), mdText(e.reason)]);
  for (const s of report.unusedSuppressions) rows.push([mdText(s.rule), mdText(s.path), '**matches nothing**', mdText(s.reason)]);
  return rows.length ? table(['rule', 'construct', 'suppressed in', 'reason'], rows) : ['None.'];
}

/** CAPACITY.md for the compose target: budgets, largest safe `--scale`, suppressions, topology. */
export function renderCapacityReport(stack: Stack, report: GateReport, target: TargetKind, namer: ServiceNamer): string {
  const out = [
    `# Capacity: ${stack.stackName}`,
    '',
    `Generated by scaleout for target ${target}. Every number is derived from the model; synth refuses a stack whose peak demand exceeds a budget.`,
    '',
  ];
  for (const ctx of report.contexts) {
    const name = (path: string) => namer(ctx.profile, path);
    out.push(`## Profile \`${ctx.profile}\`${ctx.production ? ' (production)' : ''}`, '', ...capacitySection(ctx, target, name));
    out.push('### Largest safe `--scale`', '');
    out.push(
      ...table(
        ['service', 'command', 'largest safe N', 'limited by'],
        safeScales(ctx, target).map((s) => {
          const svc = name(s.backend.path);
          return [svc, `\`docker compose --profile ${ctx.profile} up -d --scale ${svc}=N\``, s.largest, s.limitedBy];
        }),
      ),
      '',
      '### Topology',
      '',
      '```mermaid',
      mermaidTopology(ctx, name),
      '```',
      '',
    );
  }
  out.push('## Suppressions', '', ...suppressionTable(report), '');
  const warnings = warningLines(report);
  out.push('## Warnings', '', ...(warnings.length ? ['```', ...warnings, '```'] : ['None.']), '');
  return out.join('\n');
}

/** `scaleout plan`: the capacity table per profile and target, then every finding. */
export function renderPlan(stack: Stack, report: GateReport): string {
  const { targets } = report;
  const out = [`# Plan: ${stack.stackName}`, ''];
  for (const ctx of report.contexts) {
    for (const target of targets) {
      const name = (path: string) => ctx.backends.find((b) => b.path === path)?.serviceName ?? path.split('/').pop()!;
      out.push(`## Profile \`${ctx.profile}\`, target ${target}`, '', ...capacitySection(ctx, target, name));
    }
  }
  out.push('## Suppressions', '', ...suppressionTable(report), '');
  out.push('## Findings', '');
  const lines = [...report.errors.map((p) => `error ${formatProblem(p)}`), ...warningLines(report)];
  out.push(...(lines.length ? ['```', ...lines, '```'] : ['None: every rule passes.']), '');
  return out.join('\n');
}
