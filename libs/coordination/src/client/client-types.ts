/**
 * Public types of the client: options, connection states, create modes, results.
 */
import type { ACL, Stat } from '../protocol/records.js';
import type { Rng } from './host-provider.js';

/**
 * Connection state as seen by the application.
 * - CONNECTING: first connection attempt in progress.
 * - CONNECTED: session usable (also after a resume, with the same session id).
 * - READ_ONLY: connected to a read-only server (only with `canBeReadOnly`).
 * - DISCONNECTED: connection lost, session may still be alive (Curator's SUSPENDED): stop acting as
 *   owner of locks until CONNECTED again.
 * - EXPIRED: the session is gone (server said so, or we were cut off longer than its timeout).
 *   Terminal: ephemerals are gone; create a new client.
 * - AUTH_FAILED: the server rejected our credentials. Terminal.
 * - CLOSED: `close()` was called. Terminal.
 */
export type ClientState =
  'CONNECTING' | 'CONNECTED' | 'READ_ONLY' | 'DISCONNECTED' | 'EXPIRED' | 'AUTH_FAILED' | 'CLOSED';

/** Credentials sent with every (re)connection, as `addauth` does. */
export interface AuthInfo {
  scheme: string;
  auth: Buffer | string;
}

export interface ClientOptions {
  /** Requested session timeout, ms (the server clamps it; default 30000). */
  sessionTimeout?: number;
  /** Credentials to present on every connection. */
  authInfo?: AuthInfo[];
  /** Bound on one TCP connect + handshake, ms (default: sessionTimeout / number of hosts, at least 1000). */
  connectTimeout?: number;
  /** Bound on the very first `connect()` before it rejects, ms (default: max(sessionTimeout, 15000)). */
  initialConnectTimeout?: number;
  /** Accept a read-only server (state READ_ONLY). Default false. */
  canBeReadOnly?: boolean;
  /** Resume an existing session (e.g. in another process): its id and 16-byte password. */
  sessionId?: bigint;
  sessionPassword?: Buffer;
  /** Backoff between full rounds of failed hosts. */
  retry?: { baseBackoffMs?: number; maxBackoffMs?: number };
  /** Randomness for host order and jitter (default Math.random). */
  rng?: Rng;
  /** Emit EXPIRED once disconnected longer than the negotiated timeout (default true). */
  clientSideExpiry?: boolean;
}

/** How a znode is created. */
export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistent_sequential'
  | 'ephemeral_sequential'
  | 'container'
  | 'ttl'
  | 'persistent_sequential_ttl';

export interface CreateOptions {
  mode?: CreateMode;
  /** Default OPEN_ACL_UNSAFE. */
  acl?: readonly ACL[];
  /** Time to live in ms; required for the ttl modes. */
  ttl?: number;
}

export interface CreateResult {
  /** Created path relative to the chroot (with the sequence suffix for sequential modes). */
  path: string;
  stat: Stat;
}

/** Data may be given as a Buffer or a UTF-8 string. */
export type Data = Buffer | string;

/** One write of a multi. */
export type Op =
  | { type: 'create'; path: string; data?: Data; mode?: CreateMode; acl?: readonly ACL[]; ttl?: number }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'setData'; path: string; data: Data; version?: number }
  | { type: 'check'; path: string; version: number };

/** Result of one write of a successful multi. */
export type OpResult =
  | { type: 'create'; path: string; stat?: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' };

/** Per-op entry of a failed multi: `code` 0 = would have succeeded, -2 = not tried, else the cause. */
export interface OpError {
  type: 'error';
  code: number;
}

/** One read of a multiRead. */
export type ReadOp = { type: 'getData'; path: string } | { type: 'getChildren'; path: string };

/** Result of one read of a multiRead; failures are per op. */
export type ReadOpResult =
  | { type: 'getData'; data: Buffer; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; code: number; error: Error };

/** Which watches removeWatches / checkWatches address. */
export type WatchType = 'data' | 'children' | 'any';

/** Persistent watch modes of addWatch. */
export type AddWatchModeName = 'persistent' | 'recursive';
