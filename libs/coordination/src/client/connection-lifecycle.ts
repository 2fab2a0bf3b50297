/**
 * Connection lifecycle of a session: dial the hosts in turn (with backoff after a failed round),
 * hand each new connection the handshake, take the ConnectResponse (a new or resumed session, or
 * "expired"), and after a lost connection either reconnect elsewhere while the session may still
 * be alive or, once cut off longer than the session timeout, declare it expired on the client side.
 * It owns the application-visible ClientState and the session's id, password and timeout; what is
 * sent on a connection and what a frame means are the client's business (LifecycleHooks).
 *
 * States: CONNECTING -> CONNECTED | READ_ONLY <-> DISCONNECTED, and from any of them to one of the
 * terminal EXPIRED, AUTH_FAILED, CLOSED.
 */
import { SESSION_PASSWORD_LENGTH } from '../protocol/constants.js';
import { encodeConnectRequest } from '../protocol/connect-codec.js';
import { AuthFailedError, ConnectionLossError, SessionExpiredError } from '../protocol/errors.js';
import { encodeFrame } from '../protocol/frame-decoder.js';
import type { ConnectResponse } from '../protocol/records.js';
import type { ClientState } from './client-types.js';
import type { HostAddress } from './connect-string.js';
import { Connection, type Heartbeat } from './connection.js';
import type { HostProvider } from './host-provider.js';

/** The states a session never leaves. */
export type TerminalState = 'EXPIRED' | 'AUTH_FAILED' | 'CLOSED';

const TERMINAL: ReadonlySet<ClientState> = new Set<ClientState>(['EXPIRED', 'AUTH_FAILED', 'CLOSED']);

/** True for EXPIRED, AUTH_FAILED and CLOSED. */
export function isTerminal(state: ClientState): state is TerminalState {
  return TERMINAL.has(state);
}

/** What the lifecycle asks of the client around it. */
export interface LifecycleHooks {
  /** Highest zxid the client has seen (the ConnectRequest carries it so no server goes back in time). */
  lastZxidSeen(): number;
  /** Frames pipelined after the ConnectRequest: auth, and SetWatches when `resuming` a session. */
  handshakeTail(resuming: boolean): Buffer[];
  /** A frame after the handshake. Throwing drops the connection (the stream is not trusted). */
  onFrame(frame: Buffer): void;
  /** The session is usable on a new connection: send what waited. Runs before the state event. */
  onSessionReady(): void;
  /** The connection is gone and the session may live on: fail what was in flight. */
  onConnectionLost(): void;
  /** The session is over: fail everything, tell the watchers. Runs before the state event. */
  onSessionEnded(state: TerminalState): void;
  /** Every state change, after the lifecycle has settled into the new state. */
  onStateChange(next: ClientState, previous: ClientState): void;
}

export interface LifecycleOptions {
  hosts: HostProvider;
  /** Session timeout asked of the server, ms. */
  requestedTimeoutMs: number;
  /** Bound on one connect plus handshake, ms (default: requested timeout / hosts, at least 1000). */
  connectTimeoutMs?: number;
  /** Bound on the first session, ms (default: max(requested timeout, 15000)). */
  initialConnectTimeoutMs?: number;
  canBeReadOnly: boolean;
  /** Resume this session instead of creating one. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Declare the session expired once disconnected longer than its timeout. */
  clientSideExpiry: boolean;
}

/**
 * @example
 *   const lifecycle = new ConnectionLifecycle({ hosts, requestedTimeoutMs: 10_000, canBeReadOnly: false,
 *     clientSideExpiry: true }, hooks);
 *   await lifecycle.start(); // resolves on CONNECTED or READ_ONLY
 */
export class ConnectionLifecycle {
  /** Shared by every connection of this session (a paused heartbeat stays paused across reconnects). */
  readonly heartbeat: Heartbeat = { paused: false };
  private _state: ClientState = 'CONNECTING';
  private _sessionId: bigint;
  private _password: Buffer;
  private _timeout = 0;
  private connection: Connection | undefined;
  private everConnected = false;
  private _closing = false;
  private dialTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Settles start() on the first session (or on the end before one). */
  private firstSession: ((state: ClientState) => void) | undefined;

  constructor(
    private readonly opts: LifecycleOptions,
    private readonly hooks: LifecycleHooks,
  ) {
    this._sessionId = opts.sessionId ?? 0n;
    this._password = opts.sessionPassword ?? Buffer.alloc(SESSION_PASSWORD_LENGTH);
  }

  get state(): ClientState {
    return this._state;
  }
  /** 0n before the first handshake. */
  get sessionId(): bigint {
    return this._sessionId;
  }
  get sessionPassword(): Buffer {
    return this._password;
  }
  /** Negotiated session timeout, ms (0 before the first handshake). */
  get sessionTimeout(): number {
    return this._timeout;
  }
  /** True in CONNECTED and READ_ONLY. */
  get connected(): boolean {
    return this._state === 'CONNECTED' || this._state === 'READ_ONLY';
  }
  /** True once the session is over. */
  get terminal(): boolean {
    return isTerminal(this._state);
  }
  /** True once `beginClose()` was called: no more reconnects. */
  get closing(): boolean {
    return this._closing;
  }
  /** A request written now goes out on a live, handshaken connection. */
  get usable(): boolean {
    return this.connected && this.connection?.ready === true;
  }
  /** The server of the current connection while connected. */
  get connectedHost(): HostAddress | undefined {
    return this.connected ? this.connection?.host : undefined;
  }

  /**
   * Dials until a session is established.
   * @throws ConnectionLossError when no server answered within the initial bound;
   *   SessionExpiredError when resuming a dead session; AuthFailedError for rejected credentials.
   */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const bound = this.opts.initialConnectTimeoutMs ?? Math.max(this.opts.requestedTimeoutMs, 15_000);
      const timer = setTimeout(() => {
        this.firstSession = undefined;
        this.shutdown('CLOSED');
        const tried = this.opts.hosts.order.map((h) => `${h.host}:${h.port}`).join(',');
        // Named, so an operator reading a service's exit at boot sees which connect string failed.
        reject(
          new ConnectionLossError(undefined, { detail: `no server of ${tried} answered within ${bound} ms` }),
        );
      }, bound);
      this.firstSession = (state) => {
        if (!this.connected && !isTerminal(state)) return;
        clearTimeout(timer);
        this.firstSession = undefined;
        if (this.connected) resolve();
        else if (state === 'AUTH_FAILED') reject(new AuthFailedError());
        else reject(new SessionExpiredError(undefined, { detail: `state ${state}` }));
      };
      this.nextHost();
    });
  }

  /** Writes a frame on the current connection (dropped silently when there is none). */
  write(frame: Buffer): void {
    this.connection?.write(frame);
  }

  /** Stops reconnecting: the client is closing. */
  beginClose(): void {
    this._closing = true;
  }

  /** Half-closes the current connection after what is queued (after closeSession). */
  endConnection(): void {
    this.connection?.end();
  }

  /** Settles when the current connection (if any) has closed. */
  connectionClosed(): Promise<void> {
    return this.connection?.closed ?? Promise.resolve();
  }

  /** Drops the current connection, not the session: the lifecycle reconnects as after a network blip. */
  dropConnection(): void {
    this.connection?.drop();
  }

  /** Terminal transition: stop every timer and the connection, let the client settle, then announce. */
  shutdown(state: TerminalState): void {
    if (this.terminal) return;
    const previous = this._state;
    this._state = state; // first, so nothing below reconnects
    clearTimeout(this.dialTimer);
    clearTimeout(this.expiryTimer);
    this.dialTimer = undefined;
    this.expiryTimer = undefined;
    this.connection?.discard();
    this.connection = undefined;
    this.hooks.onSessionEnded(state);
    // Announced last, so listeners see a fully settled client.
    this.announce(state, previous);
  }

  private setState(next: ClientState): void {
    const previous = this._state;
    if (previous === next) return;
    this._state = next;
    this.announce(next, previous);
  }

  private announce(next: ClientState, previous: ClientState): void {
    this.hooks.onStateChange(next, previous);
    this.firstSession?.(next);
  }

  private nextHost(): void {
    if (this.terminal || this._closing) return;
    const { host, delayMs } = this.opts.hosts.next();
    if (delayMs <= 0) {
      this.dial(host);
      return;
    }
    this.dialTimer = setTimeout(() => {
      this.dialTimer = undefined;
      this.dial(host);
    }, delayMs);
  }

  private dial(host: HostAddress): void {
    if (this.terminal || this._closing) return;
    const connectTimeoutMs =
      this.opts.connectTimeoutMs ??
      Math.max(1000, Math.floor(this.opts.requestedTimeoutMs / this.opts.hosts.size));
    const connection: Connection = new Connection(
      host,
      { connectTimeoutMs, heartbeat: this.heartbeat },
      {
        handshake: () => this.handshake(),
        onConnectResponse: (response) => this.onConnectResponse(connection, response),
        onFrame: (frame) => this.hooks.onFrame(frame),
        onClose: () => this.onConnectionClosed(connection),
      },
    );
    this.connection = connection;
  }

  /** ConnectRequest, then the client's auth and SetWatches, in one write as ZooKeeper's client does. */
  private handshake(): Buffer {
    const connect = encodeFrame(
      encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: this.hooks.lastZxidSeen(),
        timeOut: this.opts.requestedTimeoutMs,
        sessionId: this._sessionId,
        passwd: this._password,
        readOnly: this.opts.canBeReadOnly,
      }),
    );
    // Only a resumed session has server-side watches to restore.
    const tail = this.hooks.handshakeTail(this._sessionId !== 0n);
    return tail.length === 0 ? connect : Buffer.concat([connect, ...tail]);
  }

  private onConnectResponse(connection: Connection, response: ConnectResponse): void {
    if (response.timeOut <= 0) {
      this.shutdown('EXPIRED'); // the server reports the session as expired
      return;
    }
    this._sessionId = response.sessionId;
    this._password = Buffer.from(response.passwd);
    this._timeout = response.timeOut;
    this.everConnected = true;
    this.opts.hosts.onConnected();
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    connection.startHeartbeat(response.timeOut);
    this.hooks.onSessionReady();
    this.setState(response.readOnly ? 'READ_ONLY' : 'CONNECTED');
  }

  private onConnectionClosed(connection: Connection): void {
    if (this.connection === connection) this.connection = undefined;
    this.hooks.onConnectionLost();
    if (this.terminal || this._closing) return;
    if (this.connected) {
      this.setState('DISCONNECTED');
      this.armClientSideExpiry();
    }
    this.nextHost();
  }

  private armClientSideExpiry(): void {
    if (!this.opts.clientSideExpiry || !this.everConnected || this.expiryTimer) return;
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      // disconnected for longer than the session timeout: the server has expired it by now
      if (this._state === 'DISCONNECTED' || this._state === 'CONNECTING') this.shutdown('EXPIRED');
    }, this._timeout);
  }
}
