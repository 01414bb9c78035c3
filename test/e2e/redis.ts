/**
 * A throwaway Redis server for the e2e tier, and a slot-free way to count its clients.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { requireBinary, spawnGroup, stopGroup, tcpOpen, waitFor, type Group } from './processes.js';

export const REDIS_BIN = process.env['REDIS_SERVER_BIN'] ?? '/usr/bin/redis-server';

export interface RedisStartOptions {
  readonly dir: string;
  readonly port: number;
  readonly maxClients: number;
  readonly password: string;
}

export class RedisServer {
  public static async start(o: RedisStartOptions): Promise<RedisServer> {
    requireBinary(REDIS_BIN, 'apt-get install -y redis-server');
    const home = join(o.dir, 'redis');
    mkdirSync(home, { recursive: true });
    const conf = join(home, 'redis.conf');
    // A config file, so the process title names it (and the temp dir) for the teardown pgrep.
    writeFileSync(
      conf,
      [
        `port ${o.port}`,
        'bind 127.0.0.1',
        `maxclients ${o.maxClients}`,
        `requirepass "${o.password}"`,
        'save ""',
        'appendonly no',
        `dir ${home}`,
        'proc-title-template "{title} {listen-addr} {config-file}"',
        '',
      ].join('\n'),
    );
    const group = spawnGroup('redis', REDIS_BIN, [conf], join(home, 'server.log'));
    try {
      await waitFor('redis ready', async () => ((await tcpOpen(o.port)) ? true : undefined), 15_000, group);
    } catch (e) {
      await stopGroup(group);
      throw e;
    }
    return new RedisServer(o, group);
  }

  private constructor(
    public readonly opts: RedisStartOptions,
    public readonly group: Group,
  ) {}

  /**
   * Established client connections, counted from /proc/net/tcp: no client slot is taken.
   * A connection Redis is about to refuse shows here for a moment too.
   */
  public clients(): number {
    const hexPort = this.opts.port.toString(16).toUpperCase().padStart(4, '0');
    return readFileSync('/proc/net/tcp', 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => {
        const f = l.trim().split(/\s+/);
        return f[1]?.endsWith(`:${hexPort}`) && f[3] === '01';
      }).length;
  }

  /** Holds `k` authenticated client connections, like the model's fixed Redis clients. */
  public async holdConnections(k: number): Promise<{ release(): void }> {
    const sockets: Socket[] = [];
    for (let i = 0; i < k; i++) {
      const s = connect(this.opts.port, '127.0.0.1');
      sockets.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.once('data', (d) => (d.toString().startsWith('+OK') ? resolve() : reject(new Error(`redis AUTH: ${d.toString().trim()}`))));
        s.write(`AUTH ${this.opts.password}\r\n`);
      });
    }
    return { release: () => sockets.forEach((s) => s.destroy()) };
  }

  public async stop(): Promise<void> {
    await stopGroup(this.group);
  }
}
