/**
 * How every target starts Redis and checks its health without the password on any command
 * line. redis-server cannot read a password file, and argv (`--requirepass …`) is visible in
 * `/proc/<pid>/cmdline`, `ps`, `docker top` and `docker inspect`. So a shell reads the secret
 * file, escapes it for Redis's config syntax, and feeds `requirepass "…"` to
 * `redis-server -` on stdin through a here-document (the shell's `$(…)` runs `sed` with the
 * file path only). `exec` keeps redis-server as the container's main process, so it gets the
 * stop signal and saves its data.
 *
 * The script execs the image's `docker-entrypoint.sh` with `redis-server` first: the official
 * image drops from root to the `redis` user only then (a command starting with `sh` runs as
 * root). The secret is read before the drop, while the file is still readable. `-` comes last:
 * that entrypoint inserts `--protected-mode no` right after `redis-server`, and Redis reads
 * its config from stdin only when `-` is the first or the last argument.
 *
 * Only the file's first line is the password, as for `redis-cli --askpass`: a second line
 * would otherwise become a config directive of its own.
 *
 * The healthcheck is `redis-cli --askpass`, which reads the password from stdin (the secret
 * file), so neither its argv nor its environment holds it.
 */
import type { ResolvedRedis } from '../model/redis.js';

/** The entrypoint of the official redis image (on its PATH); it drops to `redis` for `redis-server`. */
export const REDIS_ENTRYPOINT = 'docker-entrypoint.sh';

/** redis-server's own arguments before `-` (config from stdin), as shell words. */
function redisServerArgs(r: ResolvedRedis): string[] {
  const persistence = { none: ['--save', '""', '--appendonly', 'no'], rdb: ['--appendonly', 'no'], aof: ['--appendonly', 'yes'] }[r.persistence];
  return ['--maxclients', String(r.maxClients), ...persistence, '--dir', '/data'];
}

/**
 * The `sh -c` script that starts Redis with the password read from `passwordFile`.
 * `exec` replaces the shell; the here-document is the server's stdin, read once at start.
 * Redis's double-quoted config strings take `\\` and `\"` escapes, so `sed` escapes those two
 * in the first line and prints nothing else.
 */
export function redisStartScript(r: ResolvedRedis, passwordFile: string): string {
  return [
    `exec ${REDIS_ENTRYPOINT} redis-server ${redisServerArgs(r).join(' ')} - <<EOF`,
    `requirepass "$(sed -n '1{s/[\\\\"]/\\\\&/g;p;}' ${passwordFile})"`,
    'EOF',
    '',
  ].join('\n');
}

/** The healthcheck shell command: `redis-cli --askpass` reads the password from stdin. */
export function redisPingScript(passwordFile: string): string {
  return `redis-cli --askpass ping < ${passwordFile} | grep -q PONG`;
}
