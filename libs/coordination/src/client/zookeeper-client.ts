/**
 * The promise-based ZooKeeper client: one TCP connection at a time, pipelined requests answered
 * in order (a FIFO of pending requests, no per-request timers), writes batched per tick (cork on
 * the first write, uncork on nextTick), session resume with SetWatches after a reconnect, and
 * client-side expiry when cut off longer than the session timeout.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import {
  AddWatchMode,
  ErrorCode,
  EventType,
  KeeperState,
  SESSION_PASSWORD_LENGTH,
  WatcherType,
} from '../protocol/constants.js';
import { encodeConnectRequest, decodeConnectResponse } from '../protocol/connect-codec.js';
import {
  AuthFailedError,
  ConnectionLossError,
  CoordinationError,
  NoNodeError,
  NoWatcherError,
  SessionExpiredError,
  errorFromCode,
} from '../protocol/errors.js';
import { FrameDecoder, encodeFrame } from '../protocol/frame-decoder.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { readReplyHeader, readWatcherEvent } from '../protocol/record-codec.js';
import { encodeRequest } from '../protocol/request-codec.js';
import { decodeReplyBody } from '../protocol/response-codec.js';
import type { ACL, MultiSubRequest, MultiSubResult, Request, Response, Stat } from '../protocol/records.js';
import { validatePath } from '../tree/path.js';
import { OPEN_ACL_UNSAFE } from './acl.js';
import type {
  AddWatchModeName,
  AuthInfo,
  ClientOptions,
  ClientState,
  CreateOptions,
  CreateResult,
  Data,
  Op,
  OpError,
  OpResult,
  ReadOp,
  ReadOpResult,
  WatchType,
} from './client-types.js';
import { formatHost, parseConnectString, type HostAddress } from './connect-string.js';
import { HostProvider } from './host-provider.js';
import { AsyncEventQueue } from './async-event-queue.js';
import {
  Transaction,
  TransactionError,
  createRequestShape,
  isSequentialMode,
  toBuffer,
} from './transaction.js';
import { WatchRegistry, type WatchEvent, type WatchKind, type WatchListener } from './watch-registry.js';

/** Events of {@link ZooKeeperClient}. */
export interface ClientEvents {
  /** Connection state changed. */
  state: [state: ClientState, previous: ClientState];
  /** Events for watches set with `watch: true` (the default watcher). */
  watch: [event: WatchEvent];
  /** A watch listener threw; the client carries on. */
  listenerError: [error: unknown];
}

/** `watch` argument of reads: a one-shot listener, or `true` for the client's 'watch' event. */
export type WatchArg = WatchListener | boolean | undefined;

interface Pending {
  xid: number;
  op: Request['op'];
  request: Request | undefined;
  /** Client path for error messages. */
  path: string | undefined;
  /** NONODE resolves with null instead of rejecting (exists). */
  noNodeOk: boolean;
  /** Runs synchronously when the reply arrives, before later frames: registers watches. */
  onReply: ((err: number) => void) | undefined;
  resolve: (res: Response | null) => void;
  reject: (err: Error) => void;
}

interface AuthEntry {
  scheme: string;
  auth: Buffer;
  waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
}

const TERMINAL: ReadonlySet<ClientState> = new Set(['EXPIRED', 'AUTH_FAILED', 'CLOSED']);
/** ZooKeeper splits SetWatches so each frame stays well below jute.maxbuffer (ZOOKEEPER-706). */
const SET_WATCHES_MAX_BYTES = 128 * 1024;
const EMPTY = Buffer.alloc(0);
const PING_FRAME = encodeRequest(-2, { op: 'ping' });

const WATCHER_TYPE: Record<WatchType, number> = {
  data: WatcherType.Data,
  children: WatcherType.Children,
  any: WatcherType.Any,
};
const KINDS_OF: Record<WatchType, readonly WatchKind[]> = {
  data: ['data', 'exist'],
  children: ['child'],
  any: ['data', 'exist', 'child', 'persistent', 'recursive'],
};
const REMOVED_EVENT: Record<WatchKind, EventType> = {
  data: EventType.DataWatchRemoved,
  exist: EventType.DataWatchRemoved,
  child: EventType.ChildWatchRemoved,
  persistent: EventType.PersistentWatchRemoved,
  recursive: EventType.PersistentWatchRemoved,
};

/**
 * A ZooKeeper session over a multi-host connect string.
 *
 * @example
 *   const zk = await ZooKeeperClient.connect('127.0.0.1:2181,127.0.0.1:2182/app', { sessionTimeout: 10_000 });
 *   zk.on('state', (s) => console.log('state', s));
 *   const { path } = await zk.create('/locks/lock-', '', { mode: 'ephemeral_sequential' });
 *   const { data } = await zk.getData('/config', (e) => console.log('changed', e.path));
 *   await zk.close();
 */
export class ZooKeeperClient extends EventEmitter<ClientEvents> {
  /** Chroot prefix (no trailing slash) or undefined. */
  readonly chroot: string | undefined;
  private readonly hosts: HostProvider;
  private readonly watches = new WatchRegistry();
  private readonly opts: ClientOptions;
  private readonly requestedTimeout: number;
  private readonly auths: AuthEntry[];

  private _state: ClientState = 'CONNECTING';
  private _sessionId: bigint;
  private _password: Buffer;
  private _timeout = 0;
  private _lastZxid = 0;
  private _host: HostAddress | undefined;
  private everConnected = false;

  private xid = 0;
  private socket: Socket | undefined;
  private decoder: FrameDecoder | undefined;
  private handshaking = false;
  /** Generation of the current socket: events of older sockets are ignored. */
  private gen = 0;
  private corked = false;
  private lastSend = 0;
  private lastRecv = 0;

  /** Sent requests awaiting replies, in send order (a deque: `head` is the oldest). */
  private pending: Pending[] = [];
  private head = 0;
  /** Requests made while not connected; sent after the next handshake. */
  private queued: Pending[] = [];
  /** Auth packets sent on the current connection, awaiting their xid -4 replies in order. */
  private authInFlight: AuthEntry[] = [];

  private tickTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private dialTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private heartbeatPaused = false;
  private closing: Promise<void> | undefined;
  private readonly iterators = new Set<AsyncEventQueue<WatchEvent>>();

  private constructor(connectString: string, opts: ClientOptions) {
    super();
    const parsed = parseConnectString(connectString);
    this.chroot = parsed.chroot;
    this.opts = opts;
    this.hosts = new HostProvider(parsed.hosts, opts.rng ?? Math.random, opts.retry);
    this.requestedTimeout = opts.sessionTimeout ?? 30_000;
    this._sessionId = opts.sessionId ?? 0n;
    this._password = opts.sessionPassword ?? Buffer.alloc(SESSION_PASSWORD_LENGTH);
    this.auths = (opts.authInfo ?? []).map((a) => ({
      scheme: a.scheme,
      auth: authBytes(a),
      waiter: undefined,
    }));
  }

  /**
   * Connects and resolves once a session is established (CONNECTED or READ_ONLY).
   * @throws ConnectionLossError when no server answered within `initialConnectTimeout`;
   *   SessionExpiredError when resuming a dead session; AuthFailedError for rejected credentials.
   * @example const zk = await ZooKeeperClient.connect('127.0.0.1:2181');
   */
  static async connect(connectString: string, opts: ClientOptions = {}): Promise<ZooKeeperClient> {
    const client = new ZooKeeperClient(connectString, opts);
    await client.start();
    return client;
  }

  // ---- state -----------------------------------------------------------------------------------

  /** Current connection state. */
  get state(): ClientState {
    return this._state;
  }
  /** Session id (0n before the first handshake). */
  get sessionId(): bigint {
    return this._sessionId;
  }
  /** Session password (16 bytes); with sessionId it lets another client resume this session. */
  get sessionPassword(): Buffer {
    return Buffer.from(this._password);
  }
  /** Session timeout the server granted, ms (0 before the first handshake). */
  get sessionTimeout(): number {
    return this._timeout;
  }
  /** Highest zxid seen in any reply. */
  get lastZxidSeen(): number {
    return this._lastZxid;
  }
  /** "host:port" of the server of the current connection, or undefined while disconnected. */
  get connectedHost(): string | undefined {
    return this._host && (this._state === 'CONNECTED' || this._state === 'READ_ONLY')
      ? formatHost(this._host)
      : undefined;
  }

  /** Resolves when the state is `state` (immediately if it already is). */
  waitForState(state: ClientState): Promise<void> {
    if (this._state === state) return Promise.resolve();
    return new Promise((resolve) => {
      const on = (s: ClientState) => {
        if (s === state) {
          this.off('state', on);
          resolve();
        }
      };
      this.on('state', on);
    });
  }

  private setState(next: ClientState): void {
    const prev = this._state;
    if (prev === next) return;
    this._state = next;
    this.emit('state', next, prev);
  }

  // ---- connection lifecycle ----------------------------------------------------------------------

  private start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bound = this.opts.initialConnectTimeout ?? Math.max(this.requestedTimeout, 15_000);
      const timer = setTimeout(() => {
        cleanup();
        void this.shutdown('CLOSED');
        reject(new ConnectionLossError(undefined, { detail: `no server answered within ${bound} ms` }));
      }, bound);
      const onState = (s: ClientState) => {
        if (s === 'CONNECTED' || s === 'READ_ONLY') {
          cleanup();
          resolve();
        } else if (TERMINAL.has(s)) {
          cleanup();
          reject(
            s === 'AUTH_FAILED'
              ? new AuthFailedError()
              : new SessionExpiredError(undefined, { detail: `state ${s}` }),
          );
        }
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.off('state', onState);
      };
      this.on('state', onState);
      this.nextHost();
    });
  }

  private nextHost(): void {
    if (TERMINAL.has(this._state) || this.closing) return;
    const { host, delayMs } = this.hosts.next();
    if (delayMs > 0) {
      this.dialTimer = setTimeout(() => {
        this.dialTimer = undefined;
        this.dial(host);
      }, delayMs);
    } else {
      this.dial(host);
    }
  }

  private dial(host: HostAddress): void {
    if (TERMINAL.has(this._state) || this.closing) return;
    const gen = ++this.gen;
    this._host = host;
    const socket = netConnect({ host: host.host, port: host.port, noDelay: true });
    this.socket = socket;
    this.decoder = new FrameDecoder();
    this.handshaking = true;
    this.corked = false;
    const timeout =
      this.opts.connectTimeout ?? Math.max(1000, Math.floor(this.requestedTimeout / this.hosts.size));
    this.connectTimer = setTimeout(() => {
      if (gen === this.gen) socket.destroy();
    }, timeout);
    socket.on('connect', () => {
      if (gen !== this.gen) return;
      this.sendHandshake(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      if (gen === this.gen) this.onData(chunk);
    });
    socket.on('error', () => {
      // 'close' follows and drives the reconnect.
    });
    socket.on('close', () => {
      if (gen === this.gen) this.onSocketClosed();
    });
  }

  /** ConnectRequest, then auth, then SetWatches, pipelined in one write as ZooKeeper's own client does. */
  private sendHandshake(socket: Socket): void {
    const frames: Buffer[] = [
      encodeFrame(
        encodeConnectRequest({
          protocolVersion: 0,
          lastZxidSeen: this._lastZxid,
          timeOut: this.requestedTimeout,
          sessionId: this._sessionId,
          passwd: this._password,
          readOnly: this.opts.canBeReadOnly ?? false,
        }),
      ),
    ];
    this.authInFlight = [];
    for (const a of this.auths) {
      frames.push(encodeRequest(-4, { op: 'auth', type: 0, scheme: a.scheme, auth: a.auth }));
      this.authInFlight.push(a);
    }
    // Only a resumed session has server-side watches to restore.
    if (this._sessionId !== 0n) frames.push(...this.setWatchesFrames());
    socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    this.lastSend = Date.now();
  }

  private setWatchesFrames(): Buffer[] {
    if (this.watches.empty) return [];
    const snap = this.watches.snapshot();
    const two = snap.persistent.length > 0 || snap.recursive.length > 0;
    const lists = [snap.data, snap.exist, snap.child, snap.persistent, snap.recursive].map((l) =>
      l.map((p) => this.serverPath(p)),
    );
    const frames: Buffer[] = [];
    let batch: string[][] = [[], [], [], [], []];
    let bytes = 0;
    const flush = () => {
      const [dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches] =
        batch as [string[], string[], string[], string[], string[]];
      frames.push(
        encodeRequest(-8, {
          op: two ? 'setWatches2' : 'setWatches',
          relativeZxid: this._lastZxid,
          dataWatches,
          existWatches,
          childWatches,
          persistentWatches,
          persistentRecursiveWatches,
        }),
      );
      batch = [[], [], [], [], []];
      bytes = 0;
    };
    lists.forEach((list, k) => {
      for (const p of list) {
        const size = 4 + Buffer.byteLength(p);
        if (bytes + size > SET_WATCHES_MAX_BYTES && bytes > 0) flush();
        batch[k]!.push(p);
        bytes += size;
      }
    });
    if (bytes > 0) flush();
    return frames;
  }

  private onData(chunk: Buffer): void {
    this.lastRecv = Date.now();
    let frames: Buffer[];
    try {
      frames = this.decoder!.push(chunk);
    } catch {
      this.socket?.destroy();
      return;
    }
    const gen = this.gen;
    for (const frame of frames) {
      // A frame handler may have dropped the connection (bad xid, auth failure, expiry).
      if (gen !== this.gen) return;
      try {
        if (this.handshaking) this.onConnectResponse(frame);
        else this.onFrame(frame);
      } catch (err) {
        // Undecodable bytes: the stream cannot be trusted any more; reconnect.
        this.socket?.destroy(err instanceof Error ? err : undefined);
        return;
      }
    }
  }

  private onConnectResponse(frame: Buffer): void {
    const res = decodeConnectResponse(frame);
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    if (res.timeOut <= 0) {
      this.expire('the server reports the session as expired');
      return;
    }
    this.handshaking = false;
    this._sessionId = res.sessionId;
    this._password = Buffer.from(res.passwd);
    this._timeout = res.timeOut;
    this.everConnected = true;
    this.hosts.onConnected();
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.lastRecv = Date.now();
    this.startTicking();
    const queued = this.queued;
    this.queued = [];
    for (const p of queued) this.send(p);
    this.setState(res.readOnly ? 'READ_ONLY' : 'CONNECTED');
  }

  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const h = readReplyHeader(r);
    if (h.zxid > this._lastZxid) this._lastZxid = h.zxid;
    switch (h.xid) {
      case -1:
        this.onNotification(readWatcherEvent(r));
        return;
      case -2: // ping reply
        return;
      case -4: {
        const entry = this.authInFlight.shift();
        const waiter = entry?.waiter;
        if (entry) entry.waiter = undefined;
        if (h.err === 0) {
          waiter?.resolve();
        } else {
          // ZooKeeper closes the connection after AUTHFAILED; the session is useless to us now.
          if (entry) this.auths.splice(this.auths.indexOf(entry), 1);
          waiter?.reject(errorFromCode(h.err));
          this.shutdownAuthFailed();
        }
        return;
      }
      case -8: // SetWatches reply: nothing to do (events it triggers arrive as notifications)
        return;
    }
    if (this.head >= this.pending.length) throw new Error(`reply xid ${h.xid} with nothing pending`);
    const p = this.pending[this.head]!;
    if (p.xid !== h.xid) throw new Error(`reply xid ${h.xid}, expected ${p.xid}`);
    this.pending[this.head++] = undefined as unknown as Pending;
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    p.onReply?.(h.err);
    if (h.err !== 0) {
      if (h.err === ErrorCode.NONODE && p.noNodeOk) p.resolve(null);
      else p.reject(errorFromCode(h.err, p.path));
      return;
    }
    let res: Response;
    try {
      res = decodeReplyBody(p.op, r);
    } catch (err) {
      p.reject(err as Error);
      throw err;
    }
    p.resolve(res);
  }

  private onNotification(ev: { type: EventType; state: KeeperState; path: string }): void {
    const event: WatchEvent = { type: ev.type, state: ev.state, path: this.clientPath(ev.path) };
    for (const listener of this.watches.materialize(event)) this.callListener(listener, event);
  }

  private callListener(listener: WatchListener, event: WatchEvent): void {
    try {
      listener(event);
    } catch (err) {
      if (this.listenerCount('listenerError') > 0) this.emit('listenerError', err);
    }
  }

  private readonly defaultWatcher: WatchListener = (event) => {
    this.emit('watch', event);
  };

  private startTicking(): void {
    clearInterval(this.tickTimer);
    const timeout = this._timeout;
    const pingAfter = Math.floor(timeout / 3);
    const deadAfter = Math.floor((timeout * 2) / 3);
    const gen = this.gen;
    this.tickTimer = setInterval(
      () => {
        if (gen !== this.gen || this.heartbeatPaused) return;
        const now = Date.now();
        if (now - this.lastRecv > deadAfter) {
          // Nothing heard for 2/3 of the timeout: presume the server dead and move on while the
          // session can still be saved elsewhere.
          this.socket?.destroy();
          return;
        }
        if (now - this.lastSend >= pingAfter) this.writeFrame(PING_FRAME);
      },
      Math.max(10, Math.floor(timeout / 10)),
    );
    this.tickTimer.unref?.();
  }

  private onSocketClosed(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.tickTimer);
    this.connectTimer = undefined;
    this.tickTimer = undefined;
    this.socket = undefined;
    this.decoder = undefined;
    this.handshaking = false;
    this.gen++;
    this.authInFlight = [];
    this.failPending(() => new ConnectionLossError());
    if (TERMINAL.has(this._state)) return;
    if (this.closing) return;
    if (this._state === 'CONNECTED' || this._state === 'READ_ONLY') {
      this.setState('DISCONNECTED');
      this.armClientSideExpiry();
    }
    this.nextHost();
  }

  private armClientSideExpiry(): void {
    if (this.opts.clientSideExpiry === false || !this.everConnected || this.expiryTimer) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      if (this._state === 'DISCONNECTED' || this._state === 'CONNECTING') {
        this.expire(`disconnected for longer than the session timeout (${this._timeout} ms)`);
      }
    }, this._timeout);
  }

  private failPending(make: (p: Pending) => Error): void {
    const pending = this.pending;
    const head = this.head;
    this.pending = [];
    this.head = 0;
    for (let i = head; i < pending.length; i++) {
      const p = pending[i]!;
      const err = make(p);
      p.reject(
        p.path !== undefined && err instanceof CoordinationError ? errorFromCode(err.code, p.path) : err,
      );
    }
  }

  private failQueued(make: () => Error): void {
    const queued = this.queued;
    this.queued = [];
    for (const p of queued) {
      const err = make();
      p.reject(
        p.path !== undefined && err instanceof CoordinationError ? errorFromCode(err.code, p.path) : err,
      );
    }
  }

  private expire(_reason: string): void {
    this.shutdown('EXPIRED');
  }

  private shutdownAuthFailed(): void {
    this.shutdown('AUTH_FAILED');
  }

  /** Terminal transition: fail everything, tell every watcher, stop all I/O. */
  private shutdown(state: 'EXPIRED' | 'AUTH_FAILED' | 'CLOSED'): void {
    if (TERMINAL.has(this._state)) return;
    const prev = this._state;
    const errorFor = (): Error =>
      state === 'AUTH_FAILED'
        ? new AuthFailedError()
        : new SessionExpiredError(undefined, state === 'CLOSED' ? { detail: 'client closed' } : {});
    this._state = state; // set first so the socket's close handler does not reconnect
    clearTimeout(this.dialTimer);
    clearTimeout(this.connectTimer);
    clearTimeout(this.expiryTimer);
    clearInterval(this.tickTimer);
    this.gen++;
    this.socket?.destroy();
    this.socket = undefined;
    this.failPending(errorFor);
    this.failQueued(errorFor);
    for (const a of this.auths) {
      a.waiter?.reject(errorFor());
      a.waiter = undefined;
    }
    const keeperState =
      state === 'EXPIRED'
        ? KeeperState.Expired
        : state === 'AUTH_FAILED'
          ? KeeperState.AuthFailed
          : KeeperState.Closed;
    const event: WatchEvent = { type: EventType.None, state: keeperState, path: '' };
    for (const listener of this.watches.clear()) this.callListener(listener, event);
    for (const q of this.iterators) q.end();
    this.iterators.clear();
    // Emit last, so listeners see a fully settled client.
    this.emit('state', state, prev);
  }

  /**
   * Closes the session (closeSession, waits for the reply, then ends the socket). Ephemerals are
   * deleted by the server. Idempotent; later calls fail with SessionExpiredError ("client closed").
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (TERMINAL.has(this._state)) return Promise.resolve();
    this.closing = (async () => {
      if (this._state === 'CONNECTED' || this._state === 'READ_ONLY') {
        const socket = this.socket;
        const reply = new Promise<void>((resolve) => {
          this.sendNow({ op: 'closeSession' }, undefined).then(
            () => resolve(),
            () => resolve(),
          );
          socket?.once('close', () => resolve());
        });
        const bound = new Promise<void>((resolve) =>
          setTimeout(resolve, Math.min(this._timeout, 5000)).unref?.(),
        );
        await Promise.race([reply, bound]);
      }
      this.socket?.end();
      this.shutdown('CLOSED');
    })();
    return this.closing;
  }

  /**
   * Test hook: stop pinging (and stop presuming the connection dead) so the server expires the
   * session, as a client stuck in a long GC pause would.
   */
  pauseHeartbeatForTesting(paused = true): void {
    this.heartbeatPaused = paused;
  }

  /** Test hook: drop the TCP connection (not the session), as a network blip would. */
  dropConnectionForTesting(): void {
    this.socket?.destroy();
  }

  // ---- request plumbing --------------------------------------------------------------------------

  private submit(
    request: Request,
    path: string | undefined,
    onReply?: (err: number) => void,
    noNodeOk = false,
  ): Promise<Response | null> {
    if (this.closing || TERMINAL.has(this._state)) {
      const err =
        this._state === 'AUTH_FAILED'
          ? new AuthFailedError(path)
          : new SessionExpiredError(path, { detail: `client ${this._state.toLowerCase()}` });
      return Promise.reject(err);
    }
    return this.enqueue(request, path, onReply, noNodeOk);
  }

  /** Like submit but allowed while closing (closeSession itself). */
  private sendNow(request: Request, path: string | undefined): Promise<Response | null> {
    return this.enqueue(request, path, undefined, false);
  }

  private enqueue(
    request: Request,
    path: string | undefined,
    onReply: ((err: number) => void) | undefined,
    noNodeOk: boolean,
  ) {
    return new Promise<Response | null>((resolve, reject) => {
      const p: Pending = { xid: 0, op: request.op, request, path, noNodeOk, onReply, resolve, reject };
      if (
        this.socket !== undefined &&
        !this.handshaking &&
        (this._state === 'CONNECTED' || this._state === 'READ_ONLY')
      ) {
        this.send(p);
      } else {
        this.queued.push(p);
      }
    });
  }

  private send(p: Pending): void {
    this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
    p.xid = this.xid;
    const frame = encodeRequest(p.xid, p.request!);
    p.request = undefined;
    this.pending.push(p);
    this.writeFrame(frame);
  }

  private writeFrame(frame: Buffer): void {
    const socket = this.socket;
    if (socket === undefined) return;
    if (!this.corked) {
      // Everything written in this tick leaves in one writev when the tick ends.
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.lastSend = Date.now();
        socket.uncork();
      });
    }
    socket.write(frame);
  }

  private serverPath(path: string): string {
    if (this.chroot === undefined) return path;
    return path === '/' ? this.chroot : this.chroot + path;
  }

  private clientPath(path: string): string {
    const c = this.chroot;
    if (c === undefined) return path;
    if (path === c) return '/';
    if (path.startsWith(c) && path.charCodeAt(c.length) === 0x2f) return path.slice(c.length);
    return path;
  }

  private checked(path: string, sequential = false): string {
    validatePath(path, sequential);
    return this.serverPath(path);
  }

  private watchRegistration(
    arg: WatchArg,
    path: string,
    kind: 'data' | 'child' | 'exists',
  ): ((err: number) => void) | undefined {
    if (!arg) return undefined;
    const listener = arg === true ? this.defaultWatcher : arg;
    return (err) => {
      if (err === 0) this.watches.add(kind === 'exists' ? 'data' : kind, path, listener);
      else if (kind === 'exists' && err === ErrorCode.NONODE) this.watches.add('exist', path, listener);
    };
  }

  // ---- operations --------------------------------------------------------------------------------

  /**
   * Creates a znode. Paths are relative to the chroot; the result's path includes the sequence
   * suffix for sequential modes.
   * @example await zk.create('/q/item-', 'payload', { mode: 'persistent_sequential' });
   */
  async create(path: string, data?: Data, opts: CreateOptions = {}): Promise<CreateResult> {
    const mode = opts.mode ?? 'persistent';
    const shape = createRequestShape(mode, opts.ttl, path);
    const server = this.checked(path, isSequentialMode(mode));
    const acl = [...(opts.acl ?? OPEN_ACL_UNSAFE)];
    const req: Request = { op: shape.op, path: server, data: toBuffer(data), acl, flags: shape.flags };
    if (shape.op === 'createTTL') req.ttl = opts.ttl;
    const res = (await this.submit(req, path)) as { path: string; stat: Stat };
    return { path: this.clientPath(res.path), stat: res.stat };
  }

  /** Deletes a znode; `version` -1 matches any. */
  async delete(path: string, version = -1): Promise<void> {
    await this.submit({ op: 'delete', path: this.checked(path), version }, path);
  }

  /**
   * Stat of a znode, or null when it does not exist. A watch is set either way (data watch if the
   * node exists, exist watch if not), as in ZooKeeper.
   */
  async exists(path: string, watch?: WatchArg): Promise<Stat | null> {
    const server = this.checked(path);
    const res = await this.submit(
      { op: 'exists', path: server, watch: !!watch },
      path,
      this.watchRegistration(watch, path, 'exists'),
      true,
    );
    return res === null ? null : (res as { stat: Stat }).stat;
  }

  /** Data and Stat; `watch` fires once on change or delete. @throws NoNodeError */
  async getData(path: string, watch?: WatchArg): Promise<{ data: Buffer; stat: Stat }> {
    const res = await this.submit(
      { op: 'getData', path: this.checked(path), watch: !!watch },
      path,
      this.watchRegistration(watch, path, 'data'),
    );
    const r = res as Extract<Response, { op: 'getData' }>;
    // A node created without data holds null; we hand out an empty Buffer for it.
    return { data: r.data ?? EMPTY, stat: r.stat };
  }

  /** Sets data; `version` -1 matches any. Returns the new Stat. @throws BadVersionError */
  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    const res = await this.submit(
      { op: 'setData', path: this.checked(path), data: toBuffer(data), version },
      path,
    );
    return (res as { stat: Stat }).stat;
  }

  async getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    const res = (await this.submit({ op: 'getACL', path: this.checked(path) }, path)) as Extract<
      Response,
      { op: 'getACL' }
    >;
    return { acl: res.acl, stat: res.stat };
  }

  /** Replaces the ACL; `version` is checked against aversion (-1 matches any). */
  async setACL(path: string, acl: readonly ACL[], version = -1): Promise<Stat> {
    const res = await this.submit({ op: 'setACL', path: this.checked(path), acl: [...acl], version }, path);
    return (res as { stat: Stat }).stat;
  }

  /** Child names (unordered). `watch` fires once on child changes or delete. */
  async getChildren(path: string, watch?: WatchArg): Promise<string[]> {
    const res = await this.submit(
      { op: 'getChildren', path: this.checked(path), watch: !!watch },
      path,
      this.watchRegistration(watch, path, 'child'),
    );
    return (res as { children: string[] }).children;
  }

  /** Child names and the parent's Stat. */
  async getChildren2(path: string, watch?: WatchArg): Promise<{ children: string[]; stat: Stat }> {
    const res = await this.submit(
      { op: 'getChildren2', path: this.checked(path), watch: !!watch },
      path,
      this.watchRegistration(watch, path, 'child'),
    );
    const r = res as Extract<Response, { op: 'getChildren2' }>;
    return { children: r.children, stat: r.stat };
  }

  /** Number of all descendants (not counting the node itself). */
  async getAllChildrenNumber(path: string): Promise<number> {
    const res = await this.submit({ op: 'getAllChildrenNumber', path: this.checked(path) }, path);
    return (res as { totalNumber: number }).totalNumber;
  }

  /** This session's ephemeral nodes under `prefix` (relative to the chroot; default all). */
  async getEphemerals(prefix = '/'): Promise<string[]> {
    const server = this.chroot === undefined ? prefix : prefix === '/' ? this.chroot : this.chroot + prefix;
    const res = await this.submit({ op: 'getEphemerals', path: server }, prefix);
    const out: string[] = [];
    for (const p of (res as { ephemerals: string[] }).ephemerals) {
      const c = this.clientPath(p);
      if (this.chroot === undefined || c !== p || p === this.chroot) out.push(c);
    }
    return out;
  }

  /** Waits until the connected server has applied every write committed before this call. */
  async sync(path = '/'): Promise<void> {
    await this.submit({ op: 'sync', path: this.checked(path) }, path);
  }

  /**
   * Atomic writes. @throws TransactionError (with per-op results) when an op fails.
   * @example await zk.multi([{ type: 'check', path: '/a', version: 1 }, { type: 'delete', path: '/a/b' }]);
   */
  async multi(ops: Op[]): Promise<OpResult[]> {
    if (ops.length === 0) return [];
    const subs: MultiSubRequest[] = ops.map((op) => this.multiSub(op));
    const res = (await this.submit({ op: 'multi', ops: subs }, undefined)) as { results: MultiSubResult[] };
    if (res.results.some((r) => r.op === 'error')) {
      const errors: OpError[] = res.results.map((r) => ({
        type: 'error',
        code: r.op === 'error' ? r.err : 0,
      }));
      throw new TransactionError(errors, ops);
    }
    return res.results.map((r): OpResult => {
      switch (r.op) {
        case 'create':
          return { type: 'create', path: this.clientPath(r.path) };
        case 'create2':
          return { type: 'create', path: this.clientPath(r.path), stat: r.stat };
        case 'delete':
          return { type: 'delete' };
        case 'setData':
          return { type: 'setData', stat: r.stat };
        default:
          return { type: 'check' };
      }
    });
  }

  private multiSub(op: Op): MultiSubRequest {
    switch (op.type) {
      case 'create': {
        const mode = op.mode ?? 'persistent';
        const shape = createRequestShape(mode, op.ttl, op.path);
        const sub: MultiSubRequest = {
          op: shape.op,
          path: this.checked(op.path, isSequentialMode(mode)),
          data: toBuffer(op.data),
          acl: [...(op.acl ?? OPEN_ACL_UNSAFE)],
          flags: shape.flags,
        };
        if (shape.op === 'createTTL') sub.ttl = op.ttl;
        return sub;
      }
      case 'delete':
        return { op: 'delete', path: this.checked(op.path), version: op.version ?? -1 };
      case 'setData':
        return {
          op: 'setData',
          path: this.checked(op.path),
          data: toBuffer(op.data),
          version: op.version ?? -1,
        };
      case 'check':
        return { op: 'check', path: this.checked(op.path), version: op.version };
    }
  }

  /** Fluent multi builder. @example await zk.transaction().create('/a').setData('/b', 'x').commit(); */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Several reads evaluated at one point in time; each op succeeds or fails on its own. */
  async multiRead(ops: ReadOp[]): Promise<ReadOpResult[]> {
    if (ops.length === 0) return [];
    const subs: MultiSubRequest[] = ops.map((o) => ({
      op: o.type,
      path: this.checked(o.path),
      watch: false,
    }));
    const res = (await this.submit({ op: 'multiRead', ops: subs }, undefined)) as {
      results: MultiSubResult[];
    };
    return res.results.map((r, i): ReadOpResult => {
      if (r.op === 'getData') return { type: 'getData', data: r.data ?? EMPTY, stat: r.stat };
      if (r.op === 'getChildren') return { type: 'getChildren', children: r.children };
      const code = r.op === 'error' ? r.err : ErrorCode.SYSTEMERROR;
      return { type: 'error', code, error: errorFromCode(code, ops[i]?.path) };
    });
  }

  /**
   * Adds credentials to this session (and to every future reconnection).
   * @throws AuthFailedError (the client then goes to AUTH_FAILED, as the server drops it).
   */
  addAuth(scheme: string, auth: Buffer | string): Promise<void> {
    if (this.closing || TERMINAL.has(this._state))
      return Promise.reject(new SessionExpiredError(undefined, { detail: 'client closed' }));
    return new Promise<void>((resolve, reject) => {
      const entry: AuthEntry = { scheme, auth: authBytes({ scheme, auth }), waiter: { resolve, reject } };
      this.auths.push(entry);
      if (
        this.socket !== undefined &&
        !this.handshaking &&
        (this._state === 'CONNECTED' || this._state === 'READ_ONLY')
      ) {
        this.authInFlight.push(entry);
        this.writeFrame(encodeRequest(-4, { op: 'auth', type: 0, scheme, auth: entry.auth }));
      }
      // Otherwise the next handshake sends it and settles the waiter.
    });
  }

  /**
   * Adds a persistent watch (ZooKeeper 3.6+): 'persistent' fires for the node and its children
   * list; 'recursive' for the node and all descendants (no NodeChildrenChanged). It stays until
   * removed with removeWatches(path, 'any', listener).
   */
  async addWatch(path: string, mode: AddWatchModeName, listener: WatchListener): Promise<void> {
    const kind: WatchKind = mode === 'recursive' ? 'recursive' : 'persistent';
    await this.submit(
      {
        op: 'addWatch',
        path: this.checked(path),
        mode: mode === 'recursive' ? AddWatchMode.PERSISTENT_RECURSIVE : AddWatchMode.PERSISTENT,
      },
      path,
      (err) => {
        if (err === 0) this.watches.add(kind, path, listener);
      },
    );
  }

  /**
   * Removes watches of `type` at `path`: only `listener` when given (the server-side watch goes when
   * no local listener of that type is left), else all of them. Each removed listener receives a
   * DataWatchRemoved / ChildWatchRemoved / PersistentWatchRemoved event.
   * @throws NoWatcherError when nothing matched.
   */
  async removeWatches(path: string, type: WatchType, listener?: WatchListener): Promise<void> {
    const server = this.checked(path);
    const kinds = KINDS_OF[type];
    if (listener !== undefined) {
      if (!kinds.some((k) => this.watches.has(k, path, listener))) throw new NoWatcherError(path);
      const removed = this.watches.remove(kinds, path, listener);
      const othersLeft = kinds.some((k) => this.watches.has(k, path));
      if (!othersLeft) {
        try {
          await this.submit({ op: 'removeWatches', path: server, type: WATCHER_TYPE[type] }, path);
        } catch (err) {
          // The server may have fired (and dropped) its watch already; locally it is gone either way.
          if (!(err instanceof NoWatcherError)) throw err;
        }
      }
      this.notifyRemoved(removed, path);
      return;
    }
    await this.submit({ op: 'removeWatches', path: server, type: WATCHER_TYPE[type] }, path);
    this.notifyRemoved(this.watches.remove(kinds, path), path);
  }

  private notifyRemoved(removed: Array<[WatchKind, WatchListener]>, path: string): void {
    const seen = new Set<WatchListener>();
    for (const [kind, l] of removed) {
      if (seen.has(l)) continue;
      seen.add(l);
      this.callListener(l, { type: REMOVED_EVENT[kind], state: KeeperState.SyncConnected, path });
    }
  }

  /** Asks the server whether it holds a watch of `type` at `path`. @throws NoWatcherError */
  async checkWatches(path: string, type: WatchType): Promise<void> {
    await this.submit({ op: 'checkWatches', path: this.checked(path), type: WATCHER_TYPE[type] }, path);
  }

  /** The identities this connection is authenticated as (ZooKeeper 3.8+). */
  async whoAmI(): Promise<{ scheme: string; user: string }[]> {
    const res = (await this.submit({ op: 'whoAmI' }, undefined)) as Extract<Response, { op: 'whoAmI' }>;
    return res.clientInfo.map((c) => ({ scheme: c.authScheme, user: c.user }));
  }

  /** Dynamic reconfiguration (needs reconfigEnabled on the server). Returns the new config. */
  async reconfig(
    joiningServers: string | null,
    leavingServers: string | null,
    newMembers: string | null = null,
    fromConfig = -1,
  ): Promise<{ data: Buffer; stat: Stat }> {
    const res = (await this.submit(
      { op: 'reconfig', joiningServers, leavingServers, newMembers, curConfigId: fromConfig },
      undefined,
    )) as Extract<Response, { op: 'getData' }>;
    return { data: res.data ?? EMPTY, stat: res.stat };
  }

  // ---- async-iterator watches --------------------------------------------------------------------

  /**
   * Watch events as an async iterator.
   * - 'data': NodeCreated / NodeDataChanged / NodeDeleted of `path` (re-armed with exists after each
   *   event, so it follows the node through deletes and re-creates).
   * - 'children': NodeChildrenChanged of `path`; ends after NodeDeleted. @throws NoNodeError at start.
   * - 'persistent' / 'recursive': a persistent watch (addWatch), removed when the loop exits.
   * Ends when the client closes; on expiry it yields the Expired state event, then ends. Honours
   * `signal` (ends the loop when aborted).
   * @example
   *   for await (const e of zk.watchEvents('/config', { kind: 'data', signal })) reload(e.path);
   */
  watchEvents(
    path: string,
    opts: { kind: 'data' | 'children' | 'persistent' | 'recursive'; signal?: AbortSignal },
  ): AsyncIterableIterator<WatchEvent> {
    let stopped = false;
    let listener: WatchListener;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.iterators.delete(queue);
      opts.signal?.removeEventListener('abort', onAbort);
      if (TERMINAL.has(this._state) || this.closing) return;
      const type: WatchType = opts.kind === 'children' ? 'children' : opts.kind === 'data' ? 'data' : 'any';
      if (KINDS_OF[type].some((k) => this.watches.has(k, path, listener))) {
        this.removeWatches(path, type, listener).catch(() => undefined);
      }
    };
    const queue = new AsyncEventQueue<WatchEvent>(stop);
    const onAbort = () => {
      stop();
      queue.end();
    };
    const fail = (err: unknown) => {
      if (stopped) return;
      stop();
      if (err instanceof SessionExpiredError && TERMINAL.has(this._state)) queue.end();
      else queue.fail(err);
    };
    // One-shot watches are re-armed after each event; a change landing between the event and the
    // re-arm fires nothing, so the re-arm's result is compared with what the event implied and a
    // coalesced event is synthesized for such a change (the consumer never misses the latest state).
    let lastEvent: EventType | undefined;
    let lastCversion: number | undefined;
    const synthesize = (type: EventType) => {
      queue.push({ type, state: KeeperState.SyncConnected, path });
      lastEvent = type;
    };
    const onArmed = (stat: Stat | null) => {
      if (stopped) return;
      const before = lastEvent;
      lastEvent = undefined;
      if (opts.kind === 'children') {
        const cv = stat?.cversion;
        if (
          before === EventType.NodeChildrenChanged &&
          lastCversion !== undefined &&
          cv !== undefined &&
          cv > lastCversion + 1
        ) {
          synthesize(EventType.NodeChildrenChanged);
        }
        lastCversion = cv;
        return;
      }
      if (before === undefined) return;
      if (stat === null && before !== EventType.NodeDeleted) synthesize(EventType.NodeDeleted);
      else if (stat !== null && before === EventType.NodeDeleted) synthesize(EventType.NodeCreated);
      else if (stat !== null && before === EventType.NodeCreated && stat.mzxid !== stat.czxid) {
        synthesize(EventType.NodeDataChanged);
      }
    };
    const arm = () => {
      if (stopped) return;
      const p =
        opts.kind === 'children'
          ? this.getChildren2(path, listener).then((r) => r.stat)
          : this.exists(path, listener);
      p.then(onArmed, (err: unknown) => {
        // A lost connection loses nothing: a request in flight is retried once we are back.
        if (err instanceof ConnectionLossError) this.waitConnected().then(arm, fail);
        else if (err instanceof NoNodeError && lastEvent !== undefined && !stopped) {
          // The node went away between an event and the re-arm: report it as deleted and end.
          synthesize(EventType.NodeDeleted);
          stop();
          queue.end();
        } else fail(err);
      });
    };
    listener = (event) => {
      if (stopped) return;
      if (event.type === EventType.None) {
        if (event.state === KeeperState.Expired) queue.push(event);
        stop();
        queue.end();
        return;
      }
      if (event.type >= EventType.DataWatchRemoved) return;
      queue.push(event);
      lastEvent = event.type;
      if (opts.kind === 'children' && event.type === EventType.NodeDeleted) {
        stop();
        queue.end();
        return;
      }
      if (opts.kind === 'data' || opts.kind === 'children') arm();
    };
    this.iterators.add(queue);
    if (opts.signal?.aborted) {
      stopped = true;
      queue.end();
      return queue;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.kind === 'persistent' || opts.kind === 'recursive') {
      const kind = opts.kind;
      const add = () => {
        if (stopped) return;
        this.addWatch(path, kind, listener).catch((err: unknown) => {
          if (err instanceof ConnectionLossError) this.waitConnected().then(add, fail);
          else fail(err);
        });
      };
      add();
    } else {
      arm();
    }
    return queue;
  }

  private waitConnected(): Promise<void> {
    if (this._state === 'CONNECTED' || this._state === 'READ_ONLY') return Promise.resolve();
    if (TERMINAL.has(this._state)) return Promise.reject(new SessionExpiredError());
    return new Promise((resolve, reject) => {
      const on = (s: ClientState) => {
        if (s === 'CONNECTED' || s === 'READ_ONLY') {
          this.off('state', on);
          resolve();
        } else if (TERMINAL.has(s)) {
          this.off('state', on);
          reject(new SessionExpiredError());
        }
      };
      this.on('state', on);
    });
  }
}

function authBytes(a: AuthInfo): Buffer {
  return typeof a.auth === 'string' ? Buffer.from(a.auth, 'utf8') : a.auth;
}
