// A TCP proxy between a client and a target port that tests use to delay, cut and restore connections.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { findFreeLoopbackPort as findFreePort } from '../../cli/free-port.js';

/** One client connection and its upstream twin. */
interface Pipe {
  client: Socket;
  upstream: Socket;
}

/** A loopback TCP proxy to `targetHost:targetPort`; a test owns it and closes it. */
export class TcpProxy {
  private readonly pipes = new Set<Pipe>();
  private delayMs = 0;
  private refusing = false;
  /** Bytes forwarded in both directions, so a test can see traffic went through the proxy. */
  bytesForwarded = 0;
  /** Connections accepted since start (refused ones excluded). */
  connectionsAccepted = 0;
  /** Connections cut by cutReplyContaining() instead of forwarding the matching reply. */
  repliesCut = 0;
  private replyMarker: Buffer | undefined;
  private holdMarker: Buffer | undefined;
  /** Connections whose replies are held since holdRepliesToRequestContaining() matched; they stay open. */
  private readonly held = new Set<Pipe>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly targetPort: number,
    readonly targetHost: string,
  ) {}

  /** Starts a proxy on a free loopback port (or `listenPort`) forwarding to `targetPort`. */
  static async start(targetPort: number, options: { listenPort?: number; targetHost?: string } = {}): Promise<TcpProxy> {
    const port = options.listenPort ?? (await findFreePort());
    const server = createServer();
    const proxy = new TcpProxy(server, port, targetPort, options.targetHost ?? '127.0.0.1');
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** `host:port` a client should connect to instead of the target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Number of connections open right now. */
  get openConnections(): number {
    return this.pipes.size;
  }

  /** Holds every chunk for `ms` before forwarding it, in both directions (0 = no delay). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** Destroys every open connection and refuses new ones (accepted, then reset at once) until restore(). */
  cut(): void {
    this.refusing = true;
    for (const pipe of this.pipes) this.drop(pipe);
  }

  /**
   * Once: the first chunk from the target that contains `marker` is never forwarded and its connection is reset, as a
   * reply lost in a connection reset would be (the target already did the work the reply reports).
   */
  cutReplyContaining(marker: string): void {
    this.replyMarker = Buffer.from(marker);
  }

  /**
   * Once: the first request that contains `marker` is forwarded, but from then on no reply on its connection is,
   * while the connection stays open, as over a half-open connection: the client waits for its reply forever.
   */
  holdRepliesToRequestContaining(marker: string): void {
    this.holdMarker = Buffer.from(marker);
  }

  /** Connections whose replies are held right now. */
  get heldConnections(): number {
    return this.held.size;
  }

  /** Accepts and forwards connections again, without delay. */
  restore(): void {
    this.refusing = false;
    this.delayMs = 0;
  }

  /** Destroys every connection and stops listening. */
  async close(): Promise<void> {
    this.refusing = true;
    for (const pipe of this.pipes) this.drop(pipe);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    this.connectionsAccepted += 1;
    const upstream = connect(this.targetPort, this.targetHost);
    const pipe: Pipe = { client, upstream };
    this.pipes.add(pipe);
    this.forward(client, upstream, undefined, pipe);
    this.forward(upstream, client, pipe);
    const end = (): void => this.drop(pipe);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  /** Copies `from` to `to`, keeping order even when chunks are delayed; `reply` or `request` names the pipe of its side. */
  private forward(from: Socket, to: Socket, reply?: Pipe, request?: Pipe): void {
    let queue: Promise<void> = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      if (reply !== undefined && this.replyMarker !== undefined && chunk.includes(this.replyMarker)) {
        this.replyMarker = undefined;
        this.repliesCut += 1;
        this.drop(reply);
        return;
      }
      if (request !== undefined && this.holdMarker !== undefined && chunk.includes(this.holdMarker)) {
        this.holdMarker = undefined;
        this.held.add(request);
      }
      if (reply !== undefined && this.held.has(reply)) return;
      const delayMs = this.delayMs;
      queue = queue.then(async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (to.destroyed || this.refusing) return;
        this.bytesForwarded += chunk.length;
        to.write(chunk);
      });
    });
  }

  private drop(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    this.held.delete(pipe);
    pipe.client.resetAndDestroy();
    pipe.upstream.resetAndDestroy();
  }
}
