/**
 * The commit side of the one write pipeline (ZooKeeper's CommitProcessor + FinalRequestProcessor):
 * committed entries arrive from ZAB in zxid order, are applied to the database, fire their
 * watches, and answer whoever on this member waits for them. A waiter is keyed by (session, cxid):
 * a learner forwards a request without knowing the zxid the leader will give it. The leader keeps
 * the txns it proposed decoded, so it never decodes its own bytes again at commit.
 */
import { RuntimeInconsistencyError } from '../protocol/errors.js';
import type { SessionTracker } from '../session/session-tracker.js';
import type { TxnResult } from '../tree/data-tree.js';
import type { RequestPreparer } from '../tree/request-preparer.js';
import { decodeTxn, encodeTxn } from '../tree/txn-codec.js';
import type { Txn, TxnBody } from '../tree/txn.js';
import type { ZabEntry } from '../zab/messages.js';
import type { Clock } from './member-deps.js';
import type { SessionConnection } from './session-connection.js';
import type { ZabHost } from './zab-host.js';
import type { ZkDatabase } from './zk-database.js';

export type TxnDone = (result: TxnResult) => void;

interface Waiter {
  done: TxnDone | undefined;
  /** a client write, as opposed to createSession or expiry (see afterSessionWrites) */
  clientWrite: boolean;
}

/**
 * What one session has in flight through this member. Kept while the session lives (a session
 * with one request in flight would otherwise build and drop it per write); dropped once idle for a
 * session the tracker no longer knows (its closeSession was applied, or it never began).
 */
interface InFlight {
  /** by cxid: a learner forwards a request without knowing the zxid the leader will give it */
  waiters: Map<number, Waiter>;
  clientWrites: number;
  /** run once clientWrites drops to 0 (a resumed session's connection waits on these) */
  whenIdle: (() => void)[];
}

interface Proposed {
  zxid: number;
  txn: Txn;
}

/** What the pipeline reads and tells around it. */
export interface PipelineHost {
  readonly db: ZkDatabase<SessionConnection>;
  readonly preparer: RequestPreparer;
  readonly tracker: SessionTracker;
  readonly clock: Clock;
  /** a closeSession was applied: end the session's connection here, if any */
  sessionClosed(sessionId: bigint): void;
  /** one txn was applied (snapshot scheduling) */
  applied(): void;
  /** leader: ms from propose to commit */
  proposalLatency?(ms: number): void;
}

export class CommitPipeline {
  private readonly inFlight = new Map<bigint, InFlight>();
  private waiters = 0;
  /** leader: txns proposed and not committed yet, in zxid order (ZAB commits them in that order) */
  private proposed: Proposed[] = [];
  private proposedHead = 0;
  /** planted follower-read-ahead only: proposals logged here and not applied yet, in zxid order */
  private readonly ahead: Txn[] = [];

  constructor(private readonly host: PipelineHost) {}

  /** Requests routed from here whose txn is not applied yet. */
  get outstanding(): number {
    return this.waiters;
  }

  /** Registers what runs once the txn of (`sessionId`, `cxid`) is applied here. */
  expect(sessionId: bigint, cxid: number, done: TxnDone | undefined, clientWrite: boolean): void {
    let f = this.inFlight.get(sessionId);
    if (!f) this.inFlight.set(sessionId, (f = { waiters: new Map(), clientWrites: 0, whenIdle: [] }));
    f.waiters.set(cxid, { done, clientWrite });
    this.waiters++;
    if (clientWrite) f.clientWrites++;
  }

  /** The request never left (no leader): forget its waiter. */
  cancel(sessionId: bigint, cxid: number): void {
    this.settle(sessionId, cxid, undefined);
  }

  /**
   * Runs `done` once every client write of `sessionId` routed through this member so far is applied
   * (or dropped), whatever connection sent it: ZooKeeper keeps a session's order across reconnects,
   * so a resumed connection holds its requests behind the writes of the old one. Returns false,
   * without calling `done`, when none is in flight.
   */
  afterSessionWrites(sessionId: bigint, done: () => void): boolean {
    const f = this.inFlight.get(sessionId);
    if (!f || f.clientWrites === 0) return false;
    f.whenIdle.push(done);
    return true;
  }

  /**
   * Leader only: takes the next zxid from ZAB (its one owner), builds the txn for it and proposes
   * it. False when this member is not an established leader with zxids left.
   */
  propose(zab: ZabHost, sessionId: bigint, cxid: number, build: (zxid: number) => TxnBody): boolean {
    const zxid = zab.peer.nextProposalZxid();
    if (zxid === undefined) return false;
    const txn: Txn = { header: { sessionId, cxid, zxid, time: this.host.clock.now() }, body: build(zxid) };
    const assigned = zab.withPeer((p) => p.propose(encodeTxn(txn)));
    if (assigned !== zxid) {
      throw new RuntimeInconsistencyError(undefined, {
        detail: `zab assigned 0x${assigned.toString(16)}, expected 0x${zxid.toString(16)}`,
      });
    }
    this.proposed.push({ zxid, txn });
    return true;
  }

  /** A committed entry, in zxid order. */
  committed(e: ZabEntry): void {
    const mine = this.takeProposed(e.zxid);
    if (mine) this.host.proposalLatency?.(this.host.clock.now() - mine.header.time);
    // Entries replayed from our own log at start-up (or read ahead) are already in the database.
    if (e.zxid > this.host.db.lastZxid) this.apply(mine ?? decodeTxn(e.data));
    if (this.ahead.length > 0) this.applyAhead();
  }

  /** The txn this leader proposed as `zxid`, if it did; proposals before it are passed over. */
  private takeProposed(zxid: number): Txn | undefined {
    const q = this.proposed;
    while (this.proposedHead < q.length && q[this.proposedHead]!.zxid < zxid) this.proposedHead++;
    let mine: Txn | undefined;
    if (this.proposedHead < q.length && q[this.proposedHead]!.zxid === zxid) {
      mine = q[this.proposedHead]!.txn;
      this.proposedHead++;
    }
    if (this.proposedHead === q.length) {
      q.length = 0;
      this.proposedHead = 0;
    } else if (this.proposedHead > 1024 && this.proposedHead * 2 > q.length) {
      this.proposed = q.slice(this.proposedHead);
      this.proposedHead = 0;
    }
    return mine;
  }

  /**
   * PLANTED BUG (REGISTRAR_PLANTED_BUGS=follower-read-ahead, chaos suite only; the member calls this
   * only then, and only as a follower): a proposal just logged here. Its data txn is applied at once
   * (reads, watches and this member's waiting client see it before any quorum acked it); a
   * createSession/closeSession, and whatever follows it, still waits for its commit, so sessions
   * stay as the leader decides them and the order of the tree is kept.
   */
  readAhead(e: ZabEntry): void {
    if (e.zxid <= this.host.db.lastZxid) return;
    this.ahead.push(decodeTxn(e.data));
    this.applyAhead();
  }

  /** The proposals read ahead are void (TRUNC, SNAP): nothing of them is applied any more. */
  dropReadAhead(): void {
    this.ahead.length = 0;
  }

  private applyAhead(): void {
    let next = 0;
    for (; next < this.ahead.length; next++) {
      const txn = this.ahead[next]!;
      if (txn.header.zxid <= this.host.db.lastZxid) continue;
      const type = txn.body.type;
      if (type === 'createSession' || type === 'closeSession') break;
      this.apply(txn);
    }
    this.ahead.splice(0, next);
  }

  private apply(txn: Txn): void {
    const h = this.host;
    const { result, notifications } = h.db.apply(txn);
    h.preparer.applied(txn.header.zxid);
    // Watch events are queued on their connections before any reply that could reveal the change.
    for (const n of notifications) n.watcher.deliver(n.event, n.acl);
    const body = txn.body;
    const { sessionId, cxid } = txn.header;
    if (body.type === 'createSession') h.tracker.add(sessionId, body.timeOut, h.clock.now());
    else if (body.type === 'closeSession') h.tracker.remove(sessionId);
    this.settle(sessionId, cxid, result);
    if (body.type === 'closeSession') h.sessionClosed(sessionId);
    h.applied();
  }

  /** Leadership changed: proposals of the old role are void (their entries decode if they commit). */
  forgetProposals(): void {
    this.proposed = [];
    this.proposedHead = 0;
  }

  /**
   * The member stopped serving: what is in flight may never commit, or commit under another leader
   * (clients retry elsewhere). Nothing waiting here will be answered.
   */
  dropWaiters(): void {
    const idle = [...this.inFlight.values()].flatMap((f) => f.whenIdle);
    this.inFlight.clear();
    this.waiters = 0;
    for (const w of idle) w();
  }

  /**
   * Forgets the waiter of (`sessionId`, `cxid`), running it with `result` if there is one (none:
   * the request was cancelled), and then whatever waited for the session's writes to end.
   */
  private settle(sessionId: bigint, cxid: number, result: TxnResult | undefined): void {
    const f = this.inFlight.get(sessionId);
    if (!f) return;
    const w = f.waiters.get(cxid);
    if (w) {
      f.waiters.delete(cxid);
      this.waiters--;
      if (result) w.done?.(result);
      if (w.clientWrite && --f.clientWrites === 0 && f.whenIdle.length > 0) {
        const idle = f.whenIdle;
        f.whenIdle = [];
        for (const run of idle) run();
      }
    }
    // The one place a record goes: once idle for a session the tracker no longer knows (after its
    // closeSession is applied, whatever member the client was on).
    if (f.waiters.size === 0 && !this.host.tracker.has(sessionId)) this.inFlight.delete(sessionId);
  }
}
