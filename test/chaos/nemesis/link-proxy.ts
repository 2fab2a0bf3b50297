import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * What a {@link LinkProxy} does with the bytes of its connections.
 *
 * - `pass`: forward both directions at once.
 * - `delay`: forward every chunk `ms` (± `jitterMs`) later, never reordering chunks of one direction.
 * - `blackhole`: keep sockets open but swallow every byte (and FIN) both ways, like an iptables DROP.
 * - `cut`: reset every live connection and every new one, like an iptables REJECT with tcp-reset.
 */
export type LinkMode =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number; jitterMs?: number }
  | { kind: 'blackhole' }
  | { kind: 'cut' };

/** Counters of one proxy since it started. */
export interface LinkProxyStats {
  /** Every TCP connection the listener accepted, including those reset at once in `cut` mode. */
  accepted: number;
  /** Connections currently tracked (at least one of the two sockets still open). */
  live: number;
  /** Bytes written towards either side. */
  bytesForwarded: number;
  /** Bytes swallowed by `blackhole`, plus delayed bytes thrown away when their connection died. */
  bytesDropped: number;
  /** Connections reset because of `cut`: live ones when the mode was set, and new ones refused. */
  cutConnections: number;
}

/** Options of {@link LinkProxy.start}. */
export interface LinkProxyOptions {
  /** Where accepted connections are forwarded to. */
  target: { host: string; port: number };
  /** Port to listen on (127.0.0.1); 0 or absent lets the kernel pick a free one. */
  listenPort?: number;
  /** Name used in descriptions; defaults to `proxy :<port> -> <host>:<port>`. */
  label?: string;
  /** Randomness for delay jitter, returning [0, 1); defaults to Math.random. */
  rng?: () => number;
}

/** Above this many queued (delayed) bytes in one direction, the reading side is paused. */
const QUEUE_HIGH_WATER = 1024 * 1024;

interface Chunk {
  data: Buffer;
  releaseAt: number;
}

/** One direction of one proxied connection: bytes read from `src` are written to `dst`. */
interface Direction {
  /** Null for the target-to-client side of a connection that never dialed the target. */
  readonly src: Socket | null;
  readonly dst: Socket | null;
  queue: Chunk[];
  queuedBytes: number;
  /** Release time of the last queued chunk; later chunks are never released before it (ordering). */
  lastReleaseAt: number;
  timer: NodeJS.Timeout | null;
  /** `dst.write` returned false; nothing more is written until 'drain'. */
  awaitingDrain: boolean;
  /** `src` sent FIN; forward it once the queue is empty. */
  srcEnded: boolean;
  endForwarded: boolean;
}

interface Connection {
  readonly client: Socket;
  /** Null for connections accepted while blackholed: the target never hears of them. */
  readonly upstream: Socket | null;
  readonly toUpstream: Direction;
  readonly toClient: Direction;
  /** Something (bytes, FIN, close) was swallowed: the stream is corrupt and must die on leaving blackhole. */
  lost: boolean;
  gone: boolean;
}

function newDirection(src: Socket | null, dst: Socket | null): Direction {
  return {
    src,
    dst,
    queue: [],
    queuedBytes: 0,
    lastReleaseAt: 0,
    timer: null,
    awaitingDrain: false,
    srcEnded: false,
    endForwarded: false,
  };
}

/** Closes a socket with a TCP RST when possible, so the peer sees an error rather than a clean EOF. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // resetAndDestroy on a still-connecting socket waits for the connect; we want it gone now.
  if (socket.connecting) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/**
 * A TCP forwarder on 127.0.0.1 whose link can be slowed, silenced or cut at run time, so chaos tests
 * can inject network faults between member processes without root or network namespaces.
 *
 * @example
 * const proxy = await LinkProxy.start({ target: { host: '127.0.0.1', port: 2888 } });
 * // point the dialer at proxy.port, then:
 * proxy.setMode({ kind: 'delay', ms: 50, jitterMs: 10 });
 * proxy.setMode({ kind: 'cut' });
 * proxy.setMode({ kind: 'pass' });
 * await proxy.close();
 */
export class LinkProxy {
  private currentMode: LinkMode = { kind: 'pass' };
  private readonly connections = new Set<Connection>();
  private accepted = 0;
  private bytesForwarded = 0;
  private bytesDropped = 0;
  private cutConnections = 0;
  /** Upstream connections that connected to themselves and were dropped (see onConnection). */
  selfConnects = 0;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly server: Server,
    /** The port this proxy listens on (127.0.0.1). */
    readonly port: number,
    /** Human-readable name of the link. */
    readonly label: string,
    private readonly target: { host: string; port: number },
    private readonly rng: () => number,
  ) {
    server.on('connection', (socket) => this.onConnection(socket));
    // A listener error after start must not crash the harness; there is nobody to report it to.
    server.on('error', () => undefined);
  }

  /** Starts listening on 127.0.0.1 and resolves once the port is bound. */
  static async start(opts: LinkProxyOptions): Promise<LinkProxy> {
    const server = createServer({ allowHalfOpen: true });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: opts.listenPort ?? 0, exclusive: true }, () => {
        server.off('error', reject);
        const address = server.address();
        if (address === null || typeof address === 'string') {
          server.close();
          reject(new Error('could not read the bound port'));
          return;
        }
        resolve(address.port);
      });
    });
    const label = opts.label ?? `proxy :${port} -> ${opts.target.host}:${opts.target.port}`;
    return new LinkProxy(server, port, label, { ...opts.target }, opts.rng ?? Math.random);
  }

  /** The mode currently applied. */
  get mode(): LinkMode {
    return { ...this.currentMode };
  }

  /**
   * Changes what happens to bytes from now on. Leaving `blackhole` destroys the connections that lost
   * bytes meanwhile (their streams have a hole); entering `cut` resets every live connection.
   */
  setMode(mode: LinkMode): void {
    if (mode.kind === 'delay') {
      if (!Number.isFinite(mode.ms) || mode.ms < 0) throw new RangeError(`bad delay ${mode.ms}`);
      const jitter = mode.jitterMs ?? 0;
      if (!Number.isFinite(jitter) || jitter < 0) throw new RangeError(`bad jitter ${jitter}`);
    }
    const previous = this.currentMode;
    this.currentMode = { ...mode };

    // Deleting from a Set while iterating it is well defined in JS, so these loops need no copy.
    if (mode.kind === 'cut') {
      for (const conn of this.connections) {
        this.cutConnections++;
        this.destroyConnection(conn, true);
      }
      return;
    }
    if (previous.kind === 'blackhole' && mode.kind !== 'blackhole') {
      for (const conn of this.connections) {
        if (conn.lost) this.destroyConnection(conn, true);
      }
    }
    if (mode.kind === 'blackhole' && previous.kind !== 'blackhole') {
      // From this instant nothing gets through, including chunks still waiting out a delay.
      for (const conn of this.connections) {
        for (const dir of [conn.toUpstream, conn.toClient]) {
          if (dir.queue.length > 0) conn.lost = true;
          this.dropQueue(dir);
          this.updateFlow(dir);
        }
      }
    }
  }

  /** Counters since start. */
  stats(): LinkProxyStats {
    return {
      accepted: this.accepted,
      live: this.connections.size,
      bytesForwarded: this.bytesForwarded,
      bytesDropped: this.bytesDropped,
      cutConnections: this.cutConnections,
    };
  }

  /** Stops listening and destroys every connection; pending delayed chunks are dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const conn of this.connections) this.destroyConnection(conn, false);
      this.server.close(() => resolve());
    });
    return this.closing;
  }

  private onConnection(client: Socket): void {
    this.accepted++;
    client.on('error', () => undefined);
    if (this.closing !== null) {
      client.destroy();
      return;
    }
    if (this.currentMode.kind === 'cut') {
      this.cutConnections++;
      resetSocket(client);
      return;
    }
    client.setNoDelay(true);

    // While blackholed the SYN is notionally dropped: the target must not see a connection at all.
    const blackholed = this.currentMode.kind === 'blackhole';
    const upstream = blackholed
      ? null
      : createConnection({
          host: this.target.host,
          port: this.target.port,
          allowHalfOpen: true,
          noDelay: true,
        });
    const conn: Connection = {
      client,
      upstream,
      toUpstream: newDirection(client, upstream),
      toClient: newDirection(upstream, client),
      lost: blackholed,
      gone: false,
    };
    this.connections.add(conn);
    upstream?.once('connect', () => {
      // TCP self-connect: dialing a loopback port in the ephemeral range that nobody listens on (a
      // killed member's) can pick that same port as the source (simultaneous open) and succeed. The
      // socket then holds the port, and the restarted member fails to bind it with EADDRINUSE.
      if (upstream.localPort === upstream.remotePort && upstream.localAddress === upstream.remoteAddress) {
        this.selfConnects++;
        upstream.destroy();
        client.destroy();
      }
    });

    this.wire(conn, conn.toUpstream, client);
    if (upstream !== null) this.wire(conn, conn.toClient, upstream);
  }

  private wire(conn: Connection, dir: Direction, src: Socket): void {
    src.on('error', () => {
      // A refused or reset socket (member down, ECONNRESET, EPIPE) must never crash the harness.
      // 'close' follows with hadError and decides what to do.
    });
    src.on('data', (chunk: Buffer) => this.onData(conn, dir, chunk));
    src.on('end', () => this.onEnd(conn, dir));
    src.on('close', (hadError) => this.onClose(conn, hadError));
  }

  private onData(conn: Connection, dir: Direction, chunk: Buffer): void {
    const mode = this.currentMode;
    switch (mode.kind) {
      case 'blackhole':
      case 'cut':
        conn.lost = true;
        this.bytesDropped += chunk.length;
        return;
      case 'pass':
        if (dir.queue.length === 0) this.writeNow(conn, dir, chunk);
        else this.enqueue(conn, dir, chunk, performance.now());
        return;
      case 'delay': {
        const jitter = mode.jitterMs ?? 0;
        const delay = Math.max(0, mode.ms + (jitter > 0 ? (this.rng() * 2 - 1) * jitter : 0));
        this.enqueue(conn, dir, chunk, performance.now() + delay);
        return;
      }
    }
  }

  private onEnd(conn: Connection, dir: Direction): void {
    dir.srcEnded = true;
    if (this.currentMode.kind === 'blackhole') {
      conn.lost = true;
      return;
    }
    this.maybeForwardEnd(dir);
  }

  private onClose(conn: Connection, hadError: boolean): void {
    if (conn.gone) return;
    const upstreamClosed = conn.upstream === null || conn.upstream.destroyed;
    if (conn.client.destroyed && upstreamClosed) {
      this.forget(conn);
      return;
    }
    if (this.currentMode.kind === 'blackhole') {
      // The peer must not learn of it while silenced; the connection dies when the blackhole lifts.
      conn.lost = true;
      return;
    }
    // A reset on one side is passed on as a reset; a clean close already forwarded its FIN via 'end'.
    // A connection without upstream exists only while blackholed, so it cannot carry on either.
    if (hadError || conn.upstream === null) this.destroyConnection(conn, true);
  }

  private writeNow(conn: Connection, dir: Direction, data: Buffer): void {
    const dst = dir.dst;
    if (dst === null || dst.destroyed || dir.endForwarded) {
      this.bytesDropped += data.length;
      // Writing to a peer that has gone away earns a reset in TCP; pass that on.
      this.destroyConnection(conn, true);
      return;
    }
    this.bytesForwarded += data.length;
    // One 'drain' listener per stall: a chunk written while already stalled must not add another.
    if (!dst.write(data) && !dir.awaitingDrain) {
      dir.awaitingDrain = true;
      dst.once('drain', () => {
        dir.awaitingDrain = false;
        if (conn.gone) return;
        this.release(conn, dir);
      });
    }
    this.updateFlow(dir);
  }

  private enqueue(conn: Connection, dir: Direction, data: Buffer, wantedAt: number): void {
    // Never release before the previous chunk: jitter must not reorder a byte stream.
    const releaseAt = Math.max(wantedAt, dir.lastReleaseAt);
    dir.lastReleaseAt = releaseAt;
    dir.queue.push({ data, releaseAt });
    dir.queuedBytes += data.length;
    this.updateFlow(dir);
    this.schedule(conn, dir);
  }

  private schedule(conn: Connection, dir: Direction): void {
    if (dir.timer !== null || dir.awaitingDrain || dir.queue.length === 0 || conn.gone) return;
    const wait = Math.max(0, Math.ceil(dir.queue[0].releaseAt - performance.now()));
    dir.timer = setTimeout(() => {
      dir.timer = null;
      this.release(conn, dir);
    }, wait);
  }

  /** Writes every chunk that is due, in order, stopping when the destination pushes back. */
  private release(conn: Connection, dir: Direction): void {
    const now = performance.now();
    while (dir.queue.length > 0 && !dir.awaitingDrain) {
      const head = dir.queue[0];
      // Timers may fire a hair early; a chunk never leaves before its time (delay is a lower bound).
      if (head.releaseAt > now) break;
      dir.queue.shift();
      dir.queuedBytes -= head.data.length;
      this.writeNow(conn, dir, head.data);
    }
    this.maybeForwardEnd(dir);
    this.updateFlow(dir);
    this.schedule(conn, dir);
  }

  private maybeForwardEnd(dir: Direction): void {
    if (!dir.srcEnded || dir.endForwarded || dir.queue.length > 0) return;
    dir.endForwarded = true;
    if (dir.dst !== null && !dir.dst.destroyed) dir.dst.end();
  }

  /** Pauses the reader while the writer pushes back or too much is queued; blackhole always reads. */
  private updateFlow(dir: Direction): void {
    if (dir.src === null || dir.src.destroyed) return;
    const hold =
      this.currentMode.kind !== 'blackhole' && (dir.awaitingDrain || dir.queuedBytes >= QUEUE_HIGH_WATER);
    if (hold && !dir.src.isPaused()) dir.src.pause();
    else if (!hold && dir.src.isPaused()) dir.src.resume();
  }

  private dropQueue(dir: Direction): void {
    if (dir.timer !== null) clearTimeout(dir.timer);
    dir.timer = null;
    this.bytesDropped += dir.queuedBytes;
    dir.queue = [];
    dir.queuedBytes = 0;
  }

  private destroyConnection(conn: Connection, reset: boolean): void {
    this.forget(conn);
    for (const socket of [conn.client, conn.upstream]) {
      if (socket === null) continue;
      if (reset) resetSocket(socket);
      else socket.destroy();
    }
  }

  private forget(conn: Connection): void {
    if (conn.gone) return;
    conn.gone = true;
    this.dropQueue(conn.toUpstream);
    this.dropQueue(conn.toClient);
    this.connections.delete(conn);
  }
}
