/**
 * Sessions as this member sees them: the connections bound to them, creation (an id from this
 * member's id space and a random password), revalidation on reconnect, touches, client closes and
 * the leader's expiry. Session create/close are txns, routed like any write; the leader alone
 * decides expiry (learners report touches to it).
 */
import { SESSION_PASSWORD_LENGTH } from '../protocol/constants.js';
import { initialSessionId, nextSessionId } from '../session/session-id.js';
import type { SessionTracker } from '../session/session-tracker.js';
import type { RequestPreparer } from '../tree/request-preparer.js';
import type { TxnDone } from './commit-pipeline.js';
import type { EnsembleRouter } from './ensemble-routing.js';
import type { Clock, Rng } from './member-deps.js';
import type { SessionConnection } from './session-connection.js';
import type { ZkDatabase } from './zk-database.js';
import type { MemberConfig } from './member-config.js';

export interface SessionsHost {
  readonly config: MemberConfig;
  readonly db: ZkDatabase<SessionConnection>;
  readonly preparer: RequestPreparer;
  readonly tracker: SessionTracker;
  readonly router: EnsembleRouter;
  readonly isLeader: boolean;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly serverId: number;
}

export class MemberSessions {
  private readonly connections = new Map<bigint, SessionConnection>();
  private nextSession: bigint;

  constructor(private readonly host: SessionsHost) {
    this.nextSession = initialSessionId(host.serverId, host.clock.now());
  }

  /** The timeout a session gets: the requested one within [minSessionTimeout, maxSessionTimeout]. */
  negotiateTimeout(requested: number): number {
    const c = this.host.config;
    return Math.min(Math.max(requested, c.minSessionTimeout), c.maxSessionTimeout);
  }

  /** Proposes a createSession txn; `done` runs when it is applied here. */
  create(timeoutMs: number, done: (id: bigint, passwd: Buffer) => void): void {
    const h = this.host;
    const id = this.nextSession;
    this.nextSession = nextSessionId(id);
    const passwd = h.rng.bytes(SESSION_PASSWORD_LENGTH);
    h.router.submit(
      id,
      0,
      () => done(id, passwd),
      false,
      () => {
        h.router.ownSession(id);
        return h.preparer.prepareCreateSession(timeoutMs, passwd);
      },
      () => ({ kind: 'createSession', sessionId: id, timeoutMs, passwd }),
    );
  }

  /** Checks a reconnecting client's session id and password; touches it on success. */
  revalidate(id: bigint, passwd: Buffer): { timeoutMs: number } | undefined {
    const s = this.host.db.sessions.get(id);
    if (!s || !s.passwd.equals(passwd)) return undefined;
    if (!this.touch(id)) return undefined;
    return { timeoutMs: s.timeoutMs };
  }

  /** The session is alive (a request or ping arrived). False when it expired or is closing. */
  touch(id: bigint, now = this.host.clock.now()): boolean {
    const ok = this.host.tracker.touch(id, now);
    if (ok) this.host.router.touchedHere(id);
    return ok;
  }

  /** Binds a connection to its session, closing the one it replaces (the client moved). */
  attach(conn: SessionConnection): void {
    const previous = this.connections.get(conn.sessionId);
    this.connections.set(conn.sessionId, conn);
    if (previous && previous !== conn) previous.sessionEnded();
  }

  detach(conn: SessionConnection): void {
    if (this.connections.get(conn.sessionId) === conn) this.connections.delete(conn.sessionId);
    this.host.db.tree.dropWatcher(conn);
  }

  /** A closeSession was applied: the session's connection here, if any, ends. */
  ended(id: bigint): void {
    const conn = this.connections.get(id);
    if (!conn) return;
    this.connections.delete(id);
    conn.sessionEnded();
  }

  get count(): number {
    return this.connections.size;
  }

  list(): SessionConnection[] {
    return [...this.connections.values()];
  }

  /** closeSession, from the client (`done` answers its request) or by expiry. */
  close(id: bigint, cxid: number, done: TxnDone | undefined): void {
    const h = this.host;
    if (h.isLeader) h.tracker.setClosing(id);
    h.router.submit(
      id,
      cxid,
      done,
      done !== undefined,
      (zxid) => h.preparer.prepareCloseSession(id, zxid),
      () => ({ kind: 'closeSession', sessionId: id, cxid }),
    );
  }

  /** Leader: proposes a closeSession for every session whose timeout passed without a touch. */
  expire(): void {
    if (!this.host.isLeader) return;
    for (const id of this.host.tracker.expire(this.host.clock.now())) this.close(id, 0, undefined);
  }
}
