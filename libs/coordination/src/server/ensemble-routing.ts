/**
 * Where a request goes: on the leader it is prepared and proposed here; on a learner it is forwarded
 * to the leader (the client's frame as it came, decoded once, by the leader) and answered when its
 * commit comes back. The leader's side of forwarding lives here too: touches, session creation and
 * close, revalidation, and the session owners behind SESSIONMOVED (SessionTrackerImpl.checkSession).
 * A member without peers is its own leader, so everything takes the leader's branch of one path.
 */
import { ErrorCode } from '../protocol/constants.js';
import { ConnectionLossError } from '../protocol/errors.js';
import type { Request } from '../protocol/records.js';
import { isSuperIds } from '../tree/acl.js';
import { decodeRequest } from '../protocol/request-codec.js';
import type { SessionTracker } from '../session/session-tracker.js';
import type { PrepContext, RequestPreparer } from '../tree/request-preparer.js';
import type { SessionConnection } from './session-connection.js';
import type { TxnBody } from '../tree/txn.js';
import type { CommitPipeline, TxnDone } from './commit-pipeline.js';
import { decodeForward, encodeForward, type ForwardEnvelope } from './forward-envelope.js';
import type { Clock, MemberLogger } from './member-deps.js';
import { refusedOpError } from './refused-ops.js';
import { takeInWrite } from './write-rules.js';
import type { ZabHost } from './zab-host.js';

export interface RouterHost {
  readonly zab: ZabHost;
  /** an established leader that serves */
  readonly isLeader: boolean;
  readonly serving: boolean;
  readonly serverId: number;
  readonly tracker: SessionTracker;
  readonly preparer: RequestPreparer;
  readonly pipeline: CommitPipeline;
  readonly clock: Clock;
  readonly logger: MemberLogger;
}

const error = (err: number): TxnBody => ({ type: 'error', err });

export class EnsembleRouter {
  private nextSyncId = 1;
  private readonly syncCallbacks = new Map<number, (ok: boolean) => void>();
  /** learner: sessions touched since the last batch sent to the leader */
  private touched = new Set<bigint>();
  /**
   * leader: the member each session's client is connected to (ZooKeeper's session owner), set by
   * createSession and by a resume (revalidate) there; a write arriving through another member
   * fails SESSIONMOVED. A new leader starts empty and, as checkSession does for an owner-less
   * session, takes the first member that writes for a session as its owner.
   */
  private readonly owners = new Map<bigint, number>();

  constructor(private readonly host: RouterHost) {}

  /**
   * Routes one txn-making request of (`sessionId`, `cxid`): `done` runs when its txn is applied
   * here. `asLeader` builds the txn for the zxid the leader assigns; `envelope` is what a learner
   * forwards instead.
   */
  submit(
    sessionId: bigint,
    cxid: number,
    done: TxnDone | undefined,
    clientWrite: boolean,
    asLeader: (zxid: number) => TxnBody,
    envelope: () => ForwardEnvelope,
  ): void {
    const { pipeline, zab } = this.host;
    pipeline.expect(sessionId, cxid, done, clientWrite);
    try {
      if (this.host.isLeader) {
        if (!pipeline.propose(zab, sessionId, cxid, asLeader)) {
          throw new ConnectionLossError(undefined, { detail: 'not leading' });
        }
      } else {
        const data = encodeForward(envelope());
        zab.withPeer((p) => p.forward(data));
      }
    } catch {
      // Not serving right now: the status change that follows closes the connection.
      pipeline.cancel(sessionId, cxid);
    }
  }

  /** Leader: a txn of its own making (expiry, reaping), answered to no one. */
  proposeOwn(sessionId: bigint, build: (zxid: number) => TxnBody): void {
    if (this.host.isLeader) this.host.pipeline.propose(this.host.zab, sessionId, 0, build);
  }

  /**
   * A client write: `request` as decoded here, `frame` as it came (header + body, no length
   * prefix), which a learner forwards untouched so the leader decodes it once. `done` runs once its
   * txn is applied here.
   */
  clientWrite(conn: SessionConnection, cxid: number, request: Request, frame: Buffer, done: TxnDone): void {
    const { sessionId, authIds } = conn;
    this.submit(
      sessionId,
      cxid,
      done,
      true,
      (zxid) =>
        this.movedAway(sessionId, this.host.serverId, request)
          ? error(ErrorCode.SESSIONMOVED)
          : this.prepareClientWrite(request, { sessionId, zxid, authIds, isSuper: isSuperIds(authIds) }),
      () => ({ kind: 'write', sessionId, cxid, authIds, frame }),
    );
  }

  /**
   * A client frame whose opcode ZooKeeper accepts into its pipeline but always fails there (see
   * refusedOpError), or a write whose body does not decode: it still takes a zxid, through an error
   * txn. A learner forwards `frame` as is and the leader fails it the same way.
   */
  refusedWrite(conn: SessionConnection, cxid: number, frame: Buffer, err: number, done: TxnDone): void {
    this.submit(
      conn.sessionId,
      cxid,
      done,
      true,
      () => error(err),
      () => ({ kind: 'write', sessionId: conn.sessionId, cxid, authIds: conn.authIds, frame }),
    );
  }

  /** Leader: a request a learner forwarded. */
  onForwarded(from: number, data: Buffer): void {
    let env: ForwardEnvelope;
    try {
      env = decodeForward(data);
    } catch (err) {
      this.host.logger.error(`bad forwarded request from member ${from}`, err);
      return;
    }
    const h = this.host;
    if (!h.isLeader) return;
    const now = h.clock.now();
    const propose = (cxid: number, build: (zxid: number) => TxnBody) =>
      h.pipeline.propose(h.zab, env.kind === 'touch' ? 0n : env.sessionId, cxid, build);
    switch (env.kind) {
      case 'touch':
        for (const id of env.sessionIds) h.tracker.touch(id, now);
        return;
      case 'createSession':
        this.owners.set(env.sessionId, from);
        propose(0, () => h.preparer.prepareCreateSession(env.timeoutMs, env.passwd));
        return;
      case 'revalidate':
        this.owners.set(env.sessionId, from);
        return;
      case 'closeSession':
        h.tracker.setClosing(env.sessionId);
        propose(env.cxid, (zxid) => h.preparer.prepareCloseSession(env.sessionId, zxid));
        return;
      case 'write': {
        const refused = env.frame.length >= 8 ? refusedOpError(env.frame.readInt32BE(4)) : undefined;
        if (refused !== undefined) return void propose(env.cxid, () => error(refused));
        let request: Request;
        try {
          request = decodeRequest(env.frame).request;
        } catch {
          // A write whose body does not decode (the learner forwards those as they came): ZooKeeper's
          // leader fails it in PrepRequestProcessor, through an error txn.
          return void propose(env.cxid, () => error(ErrorCode.MARSHALLINGERROR));
        }
        if (!h.tracker.touch(env.sessionId, now)) {
          // Expired or closing by the leader's account (the client's member may not know yet): the
          // request fails as ZooKeeper's leader fails it, through an error txn.
          return void propose(env.cxid, () => error(ErrorCode.SESSIONEXPIRED));
        }
        if (this.movedAway(env.sessionId, from, request)) {
          return void propose(env.cxid, () => error(ErrorCode.SESSIONMOVED));
        }
        const { sessionId, authIds } = env;
        propose(env.cxid, (zxid) =>
          this.prepareClientWrite(request, { sessionId, zxid, authIds, isSuper: isSuperIds(authIds) }),
        );
        return;
      }
    }
  }

  /** Leader: records this member as the owner of a session it creates. */
  ownSession(sessionId: bigint): void {
    this.owners.set(sessionId, this.host.serverId);
  }

  /**
   * Leader: whether `sessionId`, used by a client connected here, is owned by another member (it
   * moved there). Apache's leader checks the owner of every request, reads and pings included
   * (PrepRequestProcessor); a learner serves reads locally and never asks.
   */
  sessionMovedAway(sessionId: bigint): boolean {
    if (!this.host.isLeader) return false;
    return this.movedAway(sessionId, this.host.serverId, { op: 'ping' });
  }

  /**
   * A client resumed `sessionId` on this member: `done(true)` once the leader records this member as
   * its owner (a learner waits for a sync round trip behind the revalidate it forwarded, so the
   * leader has seen it before the client is told), `done(false)` when no leader can be reached.
   */
  claimSession(sessionId: bigint, done: (ok: boolean) => void): void {
    if (this.host.isLeader) {
      this.owners.set(sessionId, this.host.serverId);
      return done(true);
    }
    const data = encodeForward({ kind: 'revalidate', sessionId });
    this.syncRound(done, (p) => p.forward(data));
  }

  /**
   * `sync`: `done` runs once this member has applied everything the leader had committed when the
   * sync reached it (ZabPeer.sync). A sync that fails is never answered: the connection moves on.
   */
  sync(done: () => void): void {
    this.syncRound((ok) => ok && done());
  }

  syncFinished(id: number, ok: boolean): void {
    const done = this.syncCallbacks.get(id);
    this.syncCallbacks.delete(id);
    done?.(ok);
  }

  /** A session was seen alive here: a learner tells the leader in its next batch. */
  touchedHere(sessionId: bigint): void {
    if (!this.host.isLeader) this.touched.add(sessionId);
  }

  /** Learner: sends the sessions touched since the last batch, so the leader does not expire them. */
  flushTouches(): void {
    if (this.touched.size === 0) return;
    const sessionIds = [...this.touched];
    this.touched.clear();
    // the leader's own tracker was touched directly; a non-serving member has no clients to vouch for
    if (this.host.isLeader || !this.host.serving) return;
    try {
      const data = encodeForward({ kind: 'touch', sessionIds });
      this.host.zab.withPeer((p) => p.forward(data));
    } catch {
      // not connected to a leader: the sessions' clients move elsewhere and touch from there
    }
  }

  /** Leadership changed: owners known to the old role are void. */
  roleChanged(): void {
    this.owners.clear();
  }

  /** The member stopped serving: syncs in flight will not be answered. */
  stoppedServing(): void {
    this.syncCallbacks.clear();
  }

  private syncRound(done: (ok: boolean) => void, before?: (p: ZabHost['peer']) => void): void {
    const id = this.nextSyncId++;
    this.syncCallbacks.set(id, done);
    try {
      this.host.zab.withPeer((p) => {
        before?.(p);
        p.sync(id);
      });
    } catch {
      this.syncCallbacks.delete(id);
      done(false);
    }
  }

  /**
   * Leader: true when `sessionId` is owned by another member than `via`, the member the request came
   * through. An owner-less session is claimed by `via`. reconfig is exempt: it is refused
   * (RECONFIGDISABLED) before the owner is checked.
   */
  private movedAway(sessionId: bigint, via: number, request: Request): boolean {
    if (request.op === 'reconfig') return false;
    const owner = this.owners.get(sessionId);
    if (owner === undefined) {
      this.owners.set(sessionId, via);
      return false;
    }
    return owner !== via;
  }

  /**
   * The txn for a client write. reconfig is refused, as ZooKeeper without reconfigEnabled refuses
   * it: through an error txn (RECONFIGDISABLED), so it takes a zxid like any failed write (observed).
   */
  private prepareClientWrite(request: Request, ctx: PrepContext): TxnBody {
    if (request.op === 'reconfig') return error(ErrorCode.RECONFIGDISABLED);
    const intake = takeInWrite(request);
    if ('refuse' in intake) return error(intake.refuse);
    const body = this.host.preparer.prepare(intake.request, ctx);
    if (intake.ttlMismatchAt && body.type === 'multi') {
      const failedAt = body.txns.findIndex((t) => t.type === 'error' && t.err !== ErrorCode.OK);
      if (intake.ttlMismatchAt.includes(failedAt)) return error(ErrorCode.MARSHALLINGERROR);
    }
    return body;
  }
}
