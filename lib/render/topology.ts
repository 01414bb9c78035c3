import type { ResolvedProfile } from '../plan/profile.js';
import { plural } from '../plan/report.js';

/** A Mermaid flowchart of one profile: client → nginx → backends → data tier. */
export function mermaidTopology(ctx: ResolvedProfile, serviceName: (path: string) => string): string {
  const lines = ['flowchart LR', '  client((client))'];
  const n = ctx.nginx;
  if (n) {
    const ports = [n.port, ...(n.tls ? [n.tls.port] : [])].join('/');
    lines.push(`  client -->|":${ports}"| nginx["${serviceName(n.path)} (${n.algorithm})"]`);
  }
  ctx.backends.forEach((b, i) => {
    const id = `b${i}`;
    const count = b.autoscale ? `${b.autoscale.min}..${b.autoscale.max}` : `${b.replicas}`;
    lines.push(`  ${id}["${serviceName(b.path)}${b.kind === 'worker' ? ' (worker tier)' : ''} ×${count}, ${plural(b.workers, 'worker')}"]`);
    if (n && b.kind === 'web') lines.push(`  nginx -->|"${b.routes.join(' ')}"| ${id}`);
    if (b.pool && ctx.postgres) lines.push(`  ${id} -->|"pool ${b.pool.size}+${b.pool.maxOverflow} per worker"| db[("${serviceName(ctx.postgres.path)}")]`);
    if (b.redisPool > 0 && ctx.redis) lines.push(`  ${id} -->|"pool ${b.redisPool} per worker"| redis[("${serviceName(ctx.redis.path)}")]`);
  });
  return lines.join('\n');
}
