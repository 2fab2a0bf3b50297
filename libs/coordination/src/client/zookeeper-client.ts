/**
 * The promise-based ZooKeeper client: the public API of a session. It composes the parts that do
 * the work, one job each:
 * - connection-lifecycle.ts: dialing hosts, handshake, reconnect, client-side expiry, ClientState;
 * - connection.ts: one TCP connection (framing, writes batched per tick, heartbeat);
 * - pending-requests.ts: xids and the FIFO of requests awaiting replies (no per-request timers);
 * - auth-credentials.ts, set-watches.ts: what a new connection sends after its ConnectRequest;
 * - watch-registry.ts and watch-event-stream.ts: watches, and watchEvents' async iterators;
 * - chroot.ts: client paths versus server paths.
 * What is left here: the operations, and routing each reply frame to whoever waits for it.
 */
import { EventEmitter } from 'node:events';
import { AddWatchMode, ErrorCode, EventType, KeeperState, WatcherType } from '../protocol/constants.js';
import {
  AuthFailedError,
  ConnectionLossError,
  NoWatcherError,
  SessionExpiredError,
  errorFromCode,
} from '../protocol/errors.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { readReplyHeader, readWatcherEvent } from '../protocol/record-codec.js';
import { encodeRequest } from '../protocol/request-codec.js';
import { decodeReplyBody } from '../protocol/response-codec.js';
import type { ACL, MultiSubRequest, MultiSubResult, Request, Response, Stat } from '../protocol/records.js';
import { validatePath } from '../tree/path.js';
import { OPEN_ACL_UNSAFE } from './acl.js';
import { AsyncEventQueue } from './async-event-queue.js';
import { AuthCredentials } from './auth-credentials.js';
import { Chroot } from './chroot.js';
import type {
  AddWatchModeName,
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
import { ConnectionLifecycle, isTerminal, type TerminalState } from './connection-lifecycle.js';
import { formatHost, parseConnectString } from './connect-string.js';
import { HostProvider } from './host-provider.js';
import { PendingRequests, type PendingRequest } from './pending-requests.js';
import { setWatchesRequests } from './set-watches.js';
import {
  Transaction,
  TransactionError,
  createRequestShape,
  isSequentialMode,
  toBuffer,
} from './transaction.js';
import { watchEventStream, type WatchEventSource, type WatchEventsOptions } from './watch-event-stream.js';
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

/** Reserved xids of replies that answer no request of the application. */
const XID_NOTIFICATION = -1;
const XID_PING = -2;
const XID_AUTH = -4;
const XID_SET_WATCHES = -8;
const EMPTY = Buffer.alloc(0);

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
  /** The session's connections; protected so a testing subclass can inject faults into them. */
  protected readonly lifecycle: ConnectionLifecycle;
  private readonly paths: Chroot;
  private readonly watches = new WatchRegistry();
  private readonly pending = new PendingRequests();
  private readonly credentials: AuthCredentials;
  private readonly streams = new Set<AsyncEventQueue<WatchEvent>>();
  private lastZxid = 0;
  private closing: Promise<void> | undefined;

  protected constructor(connectString: string, opts: ClientOptions) {
    super();
    const parsed = parseConnectString(connectString);
    this.chroot = parsed.chroot;
    this.paths = new Chroot(parsed.chroot);
    this.credentials = new AuthCredentials(opts.authInfo ?? []);
    this.lifecycle = new ConnectionLifecycle(
      {
        hosts: new HostProvider(parsed.hosts, opts.rng ?? Math.random, opts.retry),
        requestedTimeoutMs: opts.sessionTimeout ?? 30_000,
        connectTimeoutMs: opts.connectTimeout,
        initialConnectTimeoutMs: opts.initialConnectTimeout,
        canBeReadOnly: opts.canBeReadOnly ?? false,
        sessionId: opts.sessionId,
        sessionPassword: opts.sessionPassword,
        clientSideExpiry: opts.clientSideExpiry !== false,
      },
      {
        lastZxidSeen: () => this.lastZxid,
        handshakeTail: (resuming) => this.handshakeTail(resuming),
        onFrame: (frame) => this.onFrame(frame),
        onSessionReady: () => this.sendWaiting(),
        onConnectionLost: () => this.onConnectionLost(),
        onSessionEnded: (state) => this.onSessionEnded(state),
        onStateChange: (next, previous) => this.emit('state', next, previous),
      },
    );
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

  /** Dials until the first session; subclasses' `connect` calls it after constructing. */
  protected start(): Promise<void> {
    return this.lifecycle.start();
  }

  // ---- state -----------------------------------------------------------------------------------

  /** Current connection state. */
  get state(): ClientState {
    return this.lifecycle.state;
  }
  /** Session id (0n before the first handshake). */
  get sessionId(): bigint {
    return this.lifecycle.sessionId;
  }
  /** Session password (16 bytes); with sessionId it lets another client resume this session. */
  get sessionPassword(): Buffer {
    return Buffer.from(this.lifecycle.sessionPassword);
  }
  /** Session timeout the server granted, ms (0 before the first handshake). */
  get sessionTimeout(): number {
    return this.lifecycle.sessionTimeout;
  }
  /** Highest zxid seen in any reply. */
  get lastZxidSeen(): number {
    return this.lastZxid;
  }
  /** "host:port" of the server of the current connection, or undefined while disconnected. */
  get connectedHost(): string | undefined {
    const host = this.lifecycle.connectedHost;
    return host && formatHost(host);
  }

  /** Resolves when the state is `state` (immediately if it already is). */
  waitForState(state: ClientState): Promise<void> {
    if (this.state === state) return Promise.resolve();
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

  /**
   * Closes the session (closeSession, waits for the reply, then ends the socket). Ephemerals are
   * deleted by the server. Idempotent; later calls fail with SessionExpiredError ("client closed").
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    if (this.lifecycle.terminal) return Promise.resolve();
    this.lifecycle.beginClose();
    this.closing = (async () => {
      if (this.lifecycle.connected) {
        const replied = this.enqueue({ op: 'closeSession' }, undefined, undefined, false).then(
          () => undefined,
          () => undefined,
        );
        const bound = new Promise<void>((resolve) =>
          setTimeout(resolve, Math.min(this.sessionTimeout, 5000)).unref?.(),
        );
        await Promise.race([replied, this.lifecycle.connectionClosed(), bound]);
      }
      this.lifecycle.endConnection();
      this.lifecycle.shutdown('CLOSED');
    })();
    return this.closing;
  }

  // ---- what a connection sends and receives -----------------------------------------------------

  /** After the ConnectRequest: every credential, then (resuming) the watches to restore. */
  private handshakeTail(resuming: boolean): Buffer[] {
    const frames = this.credentials.handshakeFrames();
    if (resuming && !this.watches.empty) {
      const snapshot = this.watches.snapshot();
      for (const req of setWatchesRequests(snapshot, this.lastZxid, (p) => this.paths.toServer(p))) {
        frames.push(encodeRequest(XID_SET_WATCHES, req));
      }
    }
    return frames;
  }

  /** A reply frame: a watch notification, a protocol reply, or the answer to the oldest request. */
  private onFrame(frame: Buffer): void {
    const r = new JuteReader(frame);
    const h = readReplyHeader(r);
    if (h.zxid > this.lastZxid) this.lastZxid = h.zxid;
    switch (h.xid) {
      case XID_NOTIFICATION:
        this.onNotification(readWatcherEvent(r));
        return;
      case XID_PING:
        return;
      case XID_AUTH:
        // ZooKeeper closes the connection after AUTHFAILED; the session is useless to us now.
        if (!this.credentials.answer(h.err)) this.lifecycle.shutdown('AUTH_FAILED');
        return;
      case XID_SET_WATCHES: // nothing to do: the events it triggers arrive as notifications
        return;
    }
    const p = this.pending.answer(h.xid);
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
    const event: WatchEvent = { type: ev.type, state: ev.state, path: this.paths.toClient(ev.path) };
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

  private onConnectionLost(): void {
    this.credentials.connectionLost();
    this.pending.failInFlight(() => new ConnectionLossError());
  }

  /** Fails everything still waiting and tells every watcher the session's fate. */
  private onSessionEnded(state: TerminalState): void {
    const errorFor = (): Error =>
      state === 'AUTH_FAILED'
        ? new AuthFailedError()
        : new SessionExpiredError(undefined, state === 'CLOSED' ? { detail: 'client closed' } : {});
    this.pending.failInFlight(errorFor);
    this.pending.failWaiting(errorFor);
    this.credentials.rejectWaiters(errorFor);
    const keeperState =
      state === 'EXPIRED'
        ? KeeperState.Expired
        : state === 'AUTH_FAILED'
          ? KeeperState.AuthFailed
          : KeeperState.Closed;
    const event: WatchEvent = { type: EventType.None, state: keeperState, path: '' };
    for (const listener of this.watches.clear()) this.callListener(listener, event);
    for (const stream of this.streams) stream.end();
    this.streams.clear();
  }

  // ---- request plumbing --------------------------------------------------------------------------

  private submit(
    request: Request,
    path: string | undefined,
    onReply?: (err: number) => void,
    noNodeOk = false,
  ): Promise<Response | null> {
    if (this.closing || this.lifecycle.terminal) {
      const state = this.state;
      const err =
        state === 'AUTH_FAILED'
          ? new AuthFailedError(path)
          : new SessionExpiredError(path, { detail: `client ${state.toLowerCase()}` });
      return Promise.reject(err);
    }
    return this.enqueue(request, path, onReply, noNodeOk);
  }

  /** Sends now when a session is usable, else holds the request for the next handshake. */
  private enqueue(
    request: Request,
    path: string | undefined,
    onReply: ((err: number) => void) | undefined,
    noNodeOk: boolean,
  ): Promise<Response | null> {
    return new Promise<Response | null>((resolve, reject) => {
      const p: PendingRequest = { xid: 0, op: request.op, request, path, noNodeOk, onReply, resolve, reject };
      if (this.lifecycle.usable) this.lifecycle.write(this.pending.toSend(p));
      else this.pending.hold(p);
    });
  }

  /** A session is usable on a new connection: what waited goes out first, in call order. */
  private sendWaiting(): void {
    for (const p of this.pending.takeWaiting()) this.lifecycle.write(this.pending.toSend(p));
  }

  private clientPath(path: string): string {
    return this.paths.toClient(path);
  }

  private checked(path: string, sequential = false): string {
    validatePath(path, sequential);
    return this.paths.toServer(path);
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
    const res = await this.submit({ op: 'getEphemerals', path: this.paths.toServer(prefix) }, prefix);
    // The server answers with absolute paths; only those inside the chroot mean anything here.
    return this.paths.toClientPaths((res as { ephemerals: string[] }).ephemerals);
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
    if (this.closing || this.lifecycle.terminal)
      return Promise.reject(new SessionExpiredError(undefined, { detail: 'client closed' }));
    // Sent now on a usable connection, else by the next handshake (which then settles it).
    const sendNow = this.lifecycle.usable ? (frame: Buffer) => this.lifecycle.write(frame) : undefined;
    return this.credentials.add({ scheme, auth }, sendNow);
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
  watchEvents(path: string, opts: WatchEventsOptions): AsyncIterableIterator<WatchEvent> {
    return watchEventStream(this.watchEventSource, path, opts);
  }

  /** The client as the streams of watchEvents see it. */
  private readonly watchEventSource: WatchEventSource = {
    exists: (path, watch) => this.exists(path, watch),
    getChildren2: (path, watch) => this.getChildren2(path, watch),
    addWatch: (path, mode, listener) => this.addWatch(path, mode, listener),
    removeWatches: (path, type, listener) => this.removeWatches(path, type, listener),
    holdsWatch: (path, type, listener) => KINDS_OF[type].some((k) => this.watches.has(k, path, listener)),
    finishing: () => this.closing !== undefined || this.lifecycle.terminal,
    finished: () => this.lifecycle.terminal,
    waitConnected: () => this.waitConnected(),
    track: (stream) => {
      this.streams.add(stream);
      return () => this.streams.delete(stream);
    },
  };

  private waitConnected(): Promise<void> {
    if (this.lifecycle.connected) return Promise.resolve();
    if (this.lifecycle.terminal) return Promise.reject(new SessionExpiredError());
    return new Promise((resolve, reject) => {
      const on = (s: ClientState) => {
        if (s === 'CONNECTED' || s === 'READ_ONLY') {
          this.off('state', on);
          resolve();
        } else if (isTerminal(s)) {
          this.off('state', on);
          reject(new SessionExpiredError());
        }
      };
      this.on('state', on);
    });
  }
}
