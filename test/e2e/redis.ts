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
  /**
   * Directory under `dir` for this server's files.
   *
   * @default 'redis'
   */
  readonly name?: string;
}

export class RedisServer {
  public static async start(o: RedisStartOptions): Promise<RedisServer> {
    requireBinary(REDIS_BIN, 'apt-get install -y redis-server');
    const home = join(o.dir, o.name ?? 'redis');
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
    const group = spawnGroup(o.name ?? 'redis', REDIS_BIN, [conf], join(home, 'server.log'));
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

/** One `CLIENT LIST` entry: `id=7 addr=127.0.0.1:50412 … name=redis_exporter …`. */
export type RedisClient = Readonly<Record<string, string>>;

/**
 * One authenticated connection that reads `CLIENT LIST` on demand (it is itself a client, and
 * in the list; `self` is its id).
 */
export class RedisClientList {
  public static async open(server: RedisServer): Promise<RedisClientList> {
    const socket = connect(server.opts.port, '127.0.0.1');
    const list = new RedisClientList(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => undefined);
    const ok = await list.command(`AUTH ${server.opts.password}`);
    if (ok !== 'OK') throw new Error(`redis AUTH: ${ok}`);
    list.self = await list.command('CLIENT ID');
    return list;
  }

  public self = '';
  private buffer = '';
  private waiting: ((reply: string) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.deliver();
    });
  }

  /** Completes the pending command once its whole reply (simple, integer, error or bulk) arrived. */
  private deliver(): void {
    const eol = this.buffer.indexOf('\r\n');
    if (!this.waiting || eol < 0) return;
    const head = this.buffer.slice(0, eol);
    let reply: string;
    let rest: string;
    if (head.startsWith('$')) {
      const len = Number(head.slice(1));
      // CLIENT LIST is ASCII, so string length is byte length.
      if (this.buffer.length < eol + 2 + len + 2) return;
      reply = this.buffer.slice(eol + 2, eol + 2 + len);
      rest = this.buffer.slice(eol + 2 + len + 2);
    } else {
      reply = head.slice(1);
      rest = this.buffer.slice(eol + 2);
    }
    this.buffer = rest;
    const w = this.waiting;
    this.waiting = undefined;
    w(reply);
  }

  private command(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(`${line}\r\n`);
    });
  }

  /** The server's clients, this one included. */
  public async clients(): Promise<RedisClient[]> {
    const text = await this.command('CLIENT LIST');
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => Object.fromEntries(l.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
  }

  public close(): void {
    this.socket.destroy();
  }
}
