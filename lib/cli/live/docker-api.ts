/**
 * A small Docker Engine API client: plain HTTP/1.1 over the unix socket (or TCP) that
 * `DOCKER_HOST` names. podman serves the same API (`podman system service`). Only what
 * `check --live` needs: list and inspect containers, and run one command in a container.
 */
import { UnreachableError } from './facts.js';

/** Where the Docker API listens. */
export type DockerEndpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** The socket Docker uses when `DOCKER_HOST` is unset. */
export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/** Largest API answer read; a container list of a few hundred containers is far below it. */
const MAX_BODY = 16 * 1024 * 1024;

/** `DOCKER_HOST` (`unix:///path.sock`, `tcp://host:port`) → an endpoint; undefined when the form is unknown. */
export function dockerEndpoint(dockerHost: string | undefined): DockerEndpoint | undefined {
  if (dockerHost === undefined || dockerHost === '') return { socketPath: DEFAULT_DOCKER_SOCKET };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const tcp = /^tcp:\/\/([^:/]+):(\d{1,5})\/?$/.exec(dockerHost);
  if (tcp) return { host: tcp[1]!, port: Number(tcp[2]) };
  return undefined;
}

/** How an endpoint reads in a message. */
export function endpointText(e: DockerEndpoint): string {
  return 'socketPath' in e ? `unix://${e.socketPath}` : `tcp://${e.host}:${e.port}`;
}

/** A container as `GET /containers/json` lists it (the fields used here). */
export interface ContainerSummary {
  readonly Id: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly State?: string;
}

/** A container as `GET /containers/{id}/json` describes it (the fields used here). */
export interface ContainerInspect {
  readonly State?: { readonly Status?: string; readonly Running?: boolean; readonly Health?: { readonly Status?: string } | null };
}

/** The Docker API of one endpoint. Every failure to reach it is an {@link UnreachableError}. */
export class DockerApi {
  constructor(
    private readonly endpoint: DockerEndpoint,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Containers (stopped ones too) carrying every label in `labels` (`key=value` or `key`). */
  public async containers(labels: readonly string[]): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: labels }));
    return JSON.parse((await this.call('GET', `/containers/json?all=true&filters=${filters}`)).toString('utf8')) as ContainerSummary[];
  }

  public async inspect(id: string): Promise<ContainerInspect> {
    return JSON.parse((await this.call('GET', `/containers/${encodeURIComponent(id)}/json`)).toString('utf8')) as ContainerInspect;
  }

  /** Runs `cmd` in a running container; its stdout, stderr and exit code. */
  public async exec(id: string, cmd: readonly string[]): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const created = JSON.parse(
      (await this.call('POST', `/containers/${encodeURIComponent(id)}/exec`, { AttachStdout: true, AttachStderr: true, Tty: false, Cmd: cmd })).toString('utf8'),
    ) as { Id: string };
    const raw = await this.call('POST', `/exec/${encodeURIComponent(created.Id)}/start`, { Detach: false, Tty: false });
    const { stdout, stderr } = demux(raw);
    const info = JSON.parse((await this.call('GET', `/exec/${encodeURIComponent(created.Id)}/json`)).toString('utf8')) as { ExitCode?: number | null };
    return { stdout, stderr, exitCode: info.ExitCode ?? -1 };
  }

  /** One API call; the body of a 2xx answer. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Buffer> {
    // Imported here, not at the top: synth and plan never load the HTTP stack.
    const { request } = await import('node:http');
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const where = endpointText(this.endpoint);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          ...('socketPath' in this.endpoint ? { socketPath: this.endpoint.socketPath } : { host: this.endpoint.host, port: this.endpoint.port }),
          method,
          path,
          headers: { Host: 'docker', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) req.destroy(new Error(`answer larger than ${MAX_BODY} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            const data = Buffer.concat(chunks);
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve(data);
            const message = /"message"\s*:\s*"([^"]*)"/.exec(data.toString('utf8'))?.[1] ?? data.toString('utf8').slice(0, 200);
            reject(new UnreachableError(`Docker API at ${where}: ${method} ${path.split('?')[0]} answered ${status}: ${message}`));
          });
          res.on('error', (e) => reject(unreachable(where, e)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs / 1000} s`)));
      req.on('error', (e) => reject(unreachable(where, e)));
      req.end(payload);
    });
  }
}

function unreachable(where: string, e: Error & { code?: string }): UnreachableError {
  const hint = e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? '; is Docker (or `podman system service`) running, and is DOCKER_HOST right?' : '';
  return new UnreachableError(`cannot reach the Docker API at ${where}: ${e.code ?? e.message}${hint}`);
}

/** Splits Docker's multiplexed exec stream (8-byte frame headers) into stdout and stderr. */
export function demux(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= raw.length) {
    const stream = raw[i]!;
    const size = raw.readUInt32BE(i + 4);
    const frame = raw.subarray(i + 8, i + 8 + size);
    (stream === 2 ? err : out).push(frame);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
