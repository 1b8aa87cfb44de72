/**
 * A toxiproxy-like TCP fault proxy for tests: listens on port 0 and forwards every connection to a
 * target (TLS passes through untouched, so certificates and SNI still name the real service). The test
 * breaks the network on command: cut every live connection now, cut the next connection that carries
 * N more client bytes, refuse new connections, pause and resume traffic, add latency. Events
 * ('connection', 'cut') let a test wait for the fault to have happened instead of sleeping.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Client bytes forwarded on this connection. */
  up: number;
  /** Server bytes forwarded on this connection. */
  down: number;
}

export interface FaultProxyEvents {
  /** A client connected (and was forwarded, unless refusing). */
  connection: [info: { refused: boolean }];
  /** A connection was cut by the proxy; `reason` says which command did it. */
  cut: [info: { reason: 'cut-all' | 'cut-after'; up: number; down: number }];
}

export class FaultProxy extends EventEmitter<FaultProxyEvents> {
  private readonly pairs = new Set<Pair>();
  private refusing = false;
  private paused = false;
  private latencyMs = 0;
  private cutAfterBytes: number | undefined;
  /** Counters for assertions. */
  readonly stats = { connections: 0, refused: 0, cuts: 0 };

  private constructor(
    private readonly server: Server,
    private target: { host: string; port: number },
  ) {
    super();
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host?: string; port: number }): Promise<FaultProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FaultProxy(server, { host: target.host ?? '127.0.0.1', port: target.port });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Live connections. */
  get open(): number {
    return this.pairs.size;
  }

  /** New connections go to this port (e.g. a restarted service). */
  retarget(port: number): void {
    this.target = { ...this.target, port };
  }

  /** Destroys every live connection on both sides (the client sees a reset or an EOF). */
  cutAll(): number {
    const n = this.pairs.size;
    for (const pair of [...this.pairs]) this.cut(pair, 'cut-all');
    return n;
  }

  /** The next `bytes` client bytes (on any connection) are forwarded; that connection is then cut. */
  cutAfter(bytes: number): void {
    this.cutAfterBytes = bytes;
  }

  /** While on, new connections are accepted and reset at once (like a closed port behind a NAT). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Stops forwarding in both directions (bytes wait in the proxy) until resume(). */
  pause(): void {
    this.paused = true;
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream.pause();
    }
  }

  resume(): void {
    this.paused = false;
    for (const pair of this.pairs) {
      pair.client.resume();
      pair.upstream.resume();
    }
  }

  /** Delay added to every forwarded chunk, both directions (order is kept). */
  latency(ms: number): void {
    this.latencyMs = ms;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    if (this.refusing) {
      this.stats.refused++;
      reset(client);
      this.emit('connection', { refused: true });
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, up: 0, down: 0 };
    this.pairs.add(pair);
    const end = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('data', (chunk: Buffer) => this.forward(pair, chunk, 'up'));
    upstream.on('data', (chunk: Buffer) => this.forward(pair, chunk, 'down'));
    if (this.paused) {
      client.pause();
      upstream.pause();
    }
    this.emit('connection', { refused: false });
  }

  private forward(pair: Pair, chunk: Buffer, direction: 'up' | 'down'): void {
    if (!this.pairs.has(pair)) return;
    let data = chunk;
    let cutNow = false;
    if (direction === 'up' && this.cutAfterBytes !== undefined) {
      if (data.length >= this.cutAfterBytes) {
        data = data.subarray(0, this.cutAfterBytes);
        this.cutAfterBytes = undefined;
        cutNow = true;
      } else {
        this.cutAfterBytes -= data.length;
      }
    }
    const to = direction === 'up' ? pair.upstream : pair.client;
    const send = () => {
      if (!this.pairs.has(pair)) return;
      if (direction === 'up') pair.up += data.length;
      else pair.down += data.length;
      if (data.length > 0) to.write(data);
      if (cutNow) this.cut(pair, 'cut-after');
    };
    if (this.latencyMs > 0) setTimeout(send, this.latencyMs);
    else send();
  }

  private cut(pair: Pair, reason: 'cut-all' | 'cut-after'): void {
    if (!this.pairs.delete(pair)) return;
    this.stats.cuts++;
    reset(pair.client);
    reset(pair.upstream);
    this.emit('cut', { reason, up: pair.up, down: pair.down });
  }
}

/** RST rather than FIN where the socket allows it (a network failure, not a polite close). */
function reset(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
