import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The nginx binary the tests run (Debian's 1.22.1). */
export const NGINX_BIN = process.env['NGINX_BIN'] ?? '/usr/sbin/nginx';

/**
 * Runs real `nginx -t` on `conf`. Upstream names (compose service aliases) do not resolve
 * here, so `hosts` is bind-mounted over /etc/hosts in a private mount namespace (needs root).
 * Each `hosts` entry is a name mapped to 127.0.0.1, or a full hosts line (`10.0.0.2 db`).
 * A missing nginx or unshare gives `ok: false`, never a skip.
 */
export function nginxTest(conf: string, hosts: string[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-t-'));
  try {
    const confPath = join(dir, 'nginx.conf');
    const hostsPath = join(dir, 'hosts');
    writeFileSync(confPath, conf);
    const lines = ['127.0.0.1 localhost', ...hosts.map((h) => (/\s/.test(h.trim()) ? h : `127.0.0.1 ${h}`))];
    writeFileSync(hostsPath, lines.join('\n') + '\n');
    // Arguments go positionally so no path is ever re-parsed by the shell.
    // `-e stderr` keeps nginx from opening its compiled-in error log before reading the conf.
    const script = 'mount --bind "$1" /etc/hosts && exec "$2" -e stderr -t -c "$3" -p "$4"';
    // Output goes to a file, not a pipe: Node's stdio "pipes" are socketpairs, and nginx
    // cannot open /dev/stdout (access_log) on a socket (ENXIO), which a container never hits.
    const outPath = join(dir, 'output');
    const out = openSync(outPath, 'w');
    let r;
    try {
      r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', hostsPath, NGINX_BIN, confPath, dir + '/'], {
        stdio: ['ignore', out, out],
        timeout: 30_000,
      });
    } finally {
      closeSync(out);
    }
    const output = [r.error ? String(r.error) : '', readFileSync(outPath, 'utf8')].join('').trim();
    return { ok: r.status === 0 && !r.error, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
