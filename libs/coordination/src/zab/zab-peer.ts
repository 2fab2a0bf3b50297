/**
 * One ZAB member as a pure state machine (etcd raft's `RawNode` shape). Inputs: `tick()`,
 * `step(from, msg)`, `propose(data)`, `forward(data)`, `sync(requestId)`, `persisted(zxid)`.
 * Output: `ready()` (see ready.ts for the order in which the host carries it out).
 *
 * Roles: LOOKING runs Fast Leader Election (election.ts); the elected leader runs discovery
 * (discovery.ts), synchronization (synchronization.ts) and broadcast (broadcast.ts); followers and
 * observers run the learner side of each phase. Time is ticks; randomness (the sync nonce) comes from
 * the injected `Rng`. Nothing here touches a socket, a timer or a file.
 *
 * @example
 * const peer = new ZabPeer(cfg, { acceptedEpoch, currentEpoch }, log, rng);
 * setInterval(() => { peer.tick(); drain(peer.ready()); }, tickMs);
 * link.on('message', (from, msg) => { peer.step(from, msg); drain(peer.ready()); });
 */
import { Election, voteBeats } from './election.js';
import { NoLeaderError, NotLeaderError, ZabInvariantError } from './errors.js';
import { decideEpoch, isAhead, proposeEpoch } from './discovery.js';
import { AckTracker, classifyProposal } from './broadcast.js';
import { History, type ZabLog } from './history.js';
import {
  PeerState,
  type AckEpochMessage,
  type AckNewLeaderMessage,
  type FollowerInfoMessage,
  type InformMessage,
  type LeaderInfoMessage,
  type NewLeaderMessage,
  type SnapChunkMessage,
  type SyncMode,
  type Vote,
  type VoteMessage,
  type ZabEntry,
  type ZabMessage,
} from './messages.js';
import { isQuorum } from './quorum.js';
import {
  emptyReady,
  readyHasWork,
  readySnapshot,
  readyTruncate,
  type PeerStatus,
  type Ready,
} from './ready.js';
import { checkTrunc, planSync } from './synchronization.js';
import { MAX_COUNTER, makeZxid } from './zxid.js';

/** Static configuration of one member. */
export interface ZabConfig {
  readonly id: number;
  /** participants (ids); a majority of them is a quorum */
  readonly voters: readonly number[];
  /** observers: get commits, serve clients, never vote or ack */
  readonly observers: readonly number[];
  /** ticks a learner may take to connect and sync, and a new leader to establish its epoch */
  readonly initLimitTicks: number;
  /** ticks without hearing the leader (learner) or a quorum (leader) before giving up */
  readonly syncLimitTicks: number;
  /** ticks between re-sends of this member's vote while LOOKING (default 1) */
  readonly electionTicks?: number;
  /**
   * Planted bugs, for proving the simulator's checks can fail. Never set outside tests.
   * `skipTrunc`: sync diverging learners with a DIFF. `commitWithoutQuorum`: the leader commits as
   * soon as its own log is durable. `syncWithoutQuorum`: the leader answers a sync from its own
   * commit point at once, without the ping round that proves it still leads (Apache ZooKeeper's
   * sync), so a deposed leader that has not noticed yet serves stale sync+reads. (The member's
   * `follower-read-ahead` lives in the host: server/commit-pipeline.ts.)
   */
  readonly unsafe?: {
    readonly skipTrunc?: boolean;
    readonly commitWithoutQuorum?: boolean;
    readonly syncWithoutQuorum?: boolean;
  };
}

/** The epochs the host persisted (ZooKeeper's acceptedEpoch / currentEpoch files). */
export interface PersistedEpochs {
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
}

/** Source of randomness (only the sync nonce needs it). */
export interface Rng {
  /** a uniformly random integer in [0, 2^32) */
  nextUint32(): number;
}

type LearnerStage = 'info' | 'leaderinfo-sent' | 'epoch-acked' | 'snapping' | 'syncing' | 'acked' | 'active';

/** A SNAP sync under way: the host streams the snapshot; NEWLEADER waits for `snapshotSent`. */
interface SnapInFlight {
  readonly zxid: number;
  /** the planned suffix after the snapshot (NEWLEADER's entries) */
  readonly entries: ZabEntry[];
  /** proposals made while the snapshot streams: they follow NEWLEADER, in order */
  readonly since: ZabEntry[];
}

interface Learner {
  readonly id: number;
  readonly observer: boolean;
  readonly syncId: number;
  readonly acceptedEpoch: number;
  stage: LearnerStage;
  /** ACKEPOCH showed a history ahead of ours: not part of the discovery quorum (it will be TRUNCed) */
  ahead: boolean;
  currentEpoch: number;
  lastZxid: number;
  /** set while stage is 'snapping' */
  snap: SnapInFlight | undefined;
  /** pings sent to and pongs received from this learner: pong n answers a ping numbered >= n */
  pings: number;
  pongs: number;
}

/**
 * A sync waiting on the leader for a quorum round that began after it arrived (`need`: per learner,
 * the pong count that proves it heard a ping sent after the sync; unset until the round is sent).
 * `from` is the learner that asked, or undefined for this member's own client.
 */
interface PendingSync {
  readonly from: number | undefined;
  readonly requestId: number;
  need: Map<number, { learner: Learner; pongs: number }> | undefined;
}

interface LeaderState {
  phase: 'discovery' | 'sync' | 'broadcast';
  /** the new epoch; 0 until a quorum of FOLLOWERINFO chose it */
  epoch: number;
  /** this member's history end when it started leading: all of it is committed on establishment */
  readonly initialZxid: number;
  /** currentEpoch before leading, for the "follower ahead of leader" check */
  readonly priorCurrentEpoch: number;
  readonly learners: Map<number, Learner>;
  readonly acks: AckTracker;
  readonly lastHeard: Map<number, number>;
  counter: number;
  ticks: number;
  /** the best history seen ahead of ours during discovery: our vote if we must give up */
  aheadVote: Vote | undefined;
  /** syncs waiting for proof that this member still leads (see confirmLeadership) */
  readonly syncs: PendingSync[];
  /** a ping round is due for syncs that arrived since the last one */
  syncRoundDue: boolean;
}

type LearnerPhase = 'connecting' | 'epoch-acked' | 'synced' | 'uptodate';

interface FollowerState {
  readonly leader: number;
  syncId: number;
  phase: LearnerPhase;
  epoch: number;
  ticksInPhase: number;
  ticksSinceHeard: number;
  leaderCommit: number;
  /** NEWLEADER processed: ack it once the history is durable up to this zxid */
  newLeaderAckAt: number | undefined;
  newLeaderAcked: boolean;
  /** sync requests sent to the leader, awaiting its reply */
  readonly syncRequests: Set<number>;
  /** sync replies received, waiting for the commit point to reach their zxid (ascending) */
  readonly syncWaits: { requestId: number; zxid: number }[];
  /** the snapshot being received for this attempt (SNAP), until NEWLEADER installs it */
  intake: { readonly zxid: number; next: number; complete: boolean } | undefined;
}

export class ZabPeer {
  private readonly voters: ReadonlySet<number>;
  private readonly observers: ReadonlySet<number>;
  private readonly history: History;
  private readonly isObserver: boolean;
  private acceptedEpoch: number;
  private currentEpoch: number;
  /** whom we accepted `acceptedEpoch` from in this incarnation (not persisted) */
  private acceptedFrom: number | undefined;
  private committed: number;
  private round = 0;
  private vote: Vote;
  private election: Election | undefined;
  private leading: LeaderState | undefined;
  private following: FollowerState | undefined;
  private electionTicks = 0;
  private out: Ready = emptyReady();
  /** a Ready the host is done with (see recycle) */
  private spare: Ready | undefined;
  private lastStatus: PeerStatus | undefined;

  constructor(
    private readonly cfg: ZabConfig,
    persisted: PersistedEpochs,
    log: ZabLog,
    private readonly rng: Rng,
  ) {
    this.voters = new Set(cfg.voters);
    this.observers = new Set(cfg.observers);
    this.isObserver = this.observers.has(cfg.id);
    if (!this.isObserver && !this.voters.has(cfg.id))
      throw new RangeError(`member ${cfg.id} is neither voter nor observer`);
    this.history = new History(log);
    this.acceptedEpoch = persisted.acceptedEpoch;
    this.currentEpoch = persisted.currentEpoch;
    // The host has applied its snapshot; nothing after it is known committed until a leader says so.
    this.committed = this.history.base;
    this.vote = this.ownVote();
    this.becomeLooking();
  }

  // ---------------------------------------------------------------- queries

  get id(): number {
    return this.cfg.id;
  }

  /** FLE state with ZooKeeper's ordinals. */
  get state(): PeerState {
    if (this.leading) return PeerState.LEADING;
    if (this.following) return this.isObserver ? PeerState.OBSERVING : PeerState.FOLLOWING;
    return PeerState.LOOKING;
  }

  /** The current status (what the last Ready's `status` reported, or will report). */
  get status(): PeerStatus {
    return this.computeStatus();
  }

  get lastZxid(): number {
    return this.history.last;
  }

  get committedZxid(): number {
    return this.committed;
  }

  /** True for a leader whose epoch a quorum has acknowledged (only then may it propose). */
  get isEstablishedLeader(): boolean {
    return this.leading?.phase === 'broadcast';
  }

  /**
   * Leader only: the zxid the next `propose` will assign, so the host can build a txn that names its
   * own zxid (ZooKeeper's request preparer needs it for czxid/mzxid and sequence checks).
   * `undefined` unless this member is an established leader with counter space left.
   */
  nextProposalZxid(): number | undefined {
    const l = this.leading;
    if (!l || l.phase !== 'broadcast' || l.counter >= MAX_COUNTER) return undefined;
    return makeZxid(l.epoch, l.counter + 1);
  }

  /** Leader: ids of the learners currently synced and active (followers and observers), for operators. */
  activeLearners(): { followers: number[]; observers: number[] } {
    const out = { followers: [] as number[], observers: [] as number[] };
    for (const ln of this.leading?.learners.values() ?? []) {
      if (ln.stage === 'active') (ln.observer ? out.observers : out.followers).push(ln.id);
    }
    return out;
  }

  /** The epoch being led or followed (0 when none). */
  get epoch(): number {
    return this.leading?.epoch ?? this.following?.epoch ?? 0;
  }

  // ---------------------------------------------------------------- inputs

  /** Takes everything the host must do now. The host owns the returned object. */
  ready(): Ready {
    if (this.leading?.syncRoundDue) this.sendSyncRound(this.leading);
    if (!this.statusUnchanged()) {
      const status = this.computeStatus();
      this.out.status = status;
      this.lastStatus = status;
    }
    const r = this.out;
    this.out = this.spare ?? emptyReady();
    this.spare = undefined;
    return r;
  }

  /**
   * The host is done with `r`, a Ready this peer returned (it may keep the arrays it got, such as
   * the entries of appends still in flight: a used array is replaced, not emptied): the next
   * `ready()` reuses the object and its unused arrays, so a busy leader does not build a Ready
   * and nine arrays per turn.
   */
  recycle(r: Ready): void {
    if (r === this.out || this.spare) return;
    r.acceptedEpoch = undefined;
    r.currentEpoch = undefined;
    r.snapshot = undefined;
    r.truncateAfter = undefined;
    r.status = undefined;
    // A used array is replaced rather than emptied: setting `length` is a runtime call in V8, and
    // most turns use one or two of these.
    if (r.entries.length > 0) r.entries = [];
    if (r.snapshotIntake.length > 0) r.snapshotIntake = [];
    if (r.messages.length > 0) r.messages = [];
    if (r.committed.length > 0) r.committed = [];
    if (r.forwarded.length > 0) r.forwarded = [];
    if (r.syncsDone.length > 0) r.syncsDone = [];
    if (r.syncsFailed.length > 0) r.syncsFailed = [];
    if (r.snapshotSends.length > 0) r.snapshotSends = [];
    this.spare = r;
  }

  /** Whether `ready()` would return work. */
  hasReady(): boolean {
    return readyHasWork(this.out) || this.leading?.syncRoundDue === true || !this.statusUnchanged();
  }

  /** Advances logical time by one tick. */
  tick(): void {
    if (this.leading) this.tickLeader(this.leading);
    else if (this.following) this.tickLearner(this.following);
    else {
      this.electionTicks++;
      if (this.electionTicks >= (this.cfg.electionTicks ?? 1)) {
        this.electionTicks = 0;
        this.broadcastVote();
      }
    }
  }

  /** Handles a message from member `from`. Unknown senders are ignored. */
  step(from: number, msg: ZabMessage): void {
    if (from === this.cfg.id || (!this.voters.has(from) && !this.observers.has(from))) return;
    if (msg.type === 'vote') {
      this.stepVote(from, msg);
      return;
    }
    if (msg.type === 'followerinfo' && !this.leading) {
      // `from` elected us but we are not leading (its election ended on a quorum that then moved
      // on). Tell it where we stand, so it does not wait out initLimit trying to join us.
      this.send(from, this.stateNotification());
      return;
    }
    if (this.leading) this.stepLeader(this.leading, from, msg);
    else if (this.following && from === this.following.leader) this.stepLearner(this.following, msg);
  }

  /**
   * Leader only: assigns the next zxid to an opaque txn and starts broadcasting it.
   * @throws NotLeaderError unless this member is an established leader.
   */
  propose(data: Buffer): number {
    const l = this.leading;
    if (!l || l.phase !== 'broadcast') throw new NotLeaderError(this.following?.leader);
    if (l.counter >= MAX_COUNTER) {
      // The counter would roll over into the next epoch's space: force a new election instead.
      this.becomeLooking();
      throw new NotLeaderError(undefined);
    }
    l.counter++;
    const entry: ZabEntry = { zxid: makeZxid(l.epoch, l.counter), data };
    this.history.append(entry);
    this.out.entries.push(entry);
    for (const ln of l.learners.values()) {
      if (ln.snap) ln.snap.since.push(entry);
      else if (!ln.observer && isSyncedStage(ln.stage))
        this.send(ln.id, { type: 'proposal', epoch: l.epoch, entry });
    }
    return entry.zxid;
  }

  /**
   * Learner: sends a client request to the leader, whose host receives it in `Ready.forwarded`.
   * On the leader itself the request is handed straight back through `Ready.forwarded`.
   * @throws NoLeaderError when not an up-to-date learner or an established leader.
   */
  forward(data: Buffer): void {
    if (this.leading?.phase === 'broadcast') {
      this.out.forwarded.push({ from: this.cfg.id, data });
      return;
    }
    const f = this.following;
    if (!f || f.phase !== 'uptodate') throw new NoLeaderError();
    this.send(f.leader, { type: 'request', epoch: f.epoch, data });
  }

  /**
   * A client `sync`: `requestId` appears in `Ready.syncsDone` once this member has applied
   * everything the leader had committed when the request reached it, and the leader has confirmed
   * it still leads (a quorum answered a ping sent after the sync arrived), so a read after the
   * sync is linearizable: an old leader cut off from its quorum never answers one.
   * @throws NoLeaderError when not an up-to-date learner or an established leader.
   */
  sync(requestId: number): void {
    if (this.leading?.phase === 'broadcast') {
      this.confirmLeadership(this.leading, undefined, requestId);
      return;
    }
    const f = this.following;
    if (!f || f.phase !== 'uptodate') throw new NoLeaderError();
    f.syncRequests.add(requestId);
    this.send(f.leader, { type: 'sync-request', epoch: f.epoch, requestId });
  }

  /**
   * The host's connection to `peer` broke. A learner whose leader that is starts a new election at
   * once, as ZooKeeper's follower does when its leader socket fails, instead of waiting syncLimit
   * ticks of silence. (Always safe: going LOOKING never commits anything.)
   */
  linkLost(peer: number): void {
    if (this.following && this.following.leader === peer) this.becomeLooking();
    // A SNAP stream on a broken link is torn (what was in the dead socket is gone): give it up.
    const ln = this.leading?.learners.get(peer);
    if (ln?.stage === 'snapping') this.snapshotFailed(peer, ln.syncId);
  }

  /** The host reports that its log is durable up to `zxid` (covering every earlier entry). */
  persisted(zxid: number): void {
    if (!this.history.markStable(zxid)) return;
    if (this.leading) {
      if (this.leading.phase === 'broadcast') this.advanceLeaderCommit(this.leading);
      else this.tryEstablish(this.leading);
    } else if (this.following) {
      this.learnerPersisted(this.following);
    }
  }

  /**
   * Leader: the host finished streaming the snapshot of `Ready.snapshotSends` to learner `to` for
   * attempt `syncId`. NEWLEADER follows (with the planned suffix), then the proposals made while the
   * snapshot streamed, in zxid order: ZAB's SNAP, then everything after the snapshot's zxid.
   * Ignored when that attempt is over (the learner reconnected, or we stopped leading).
   */
  snapshotSent(to: number, syncId: number): void {
    const l = this.leading;
    const ln = l?.learners.get(to);
    if (!l || !ln || ln.syncId !== syncId || ln.stage !== 'snapping' || !ln.snap) return;
    const { zxid, entries, since } = ln.snap;
    ln.snap = undefined;
    if (ln.observer) {
      // Observers take no proposals: everything after the snapshot rides in NEWLEADER.
      this.sendNewLeader(l, ln, 'snap', 0, zxid, entries.concat(since));
      return;
    }
    this.sendNewLeader(l, ln, 'snap', 0, zxid, entries);
    for (const entry of since) this.send(ln.id, { type: 'proposal', epoch: l.epoch, entry });
  }

  /**
   * Leader: the host gave up streaming to `to` for attempt `syncId` (its link stayed full too long).
   * That attempt is forgotten, freeing the proposals kept for it; the learner, hearing nothing more,
   * starts a fresh attempt once its initLimit runs out.
   */
  snapshotFailed(to: number, syncId: number): void {
    const ln = this.leading?.learners.get(to);
    if (!ln || ln.syncId !== syncId || ln.stage !== 'snapping') return;
    this.leading!.learners.delete(to);
  }

  /** Leader: whether a snapshot stream to `to` for attempt `syncId` is still of use (else stop it). */
  snapshotStreamWanted(to: number, syncId: number): boolean {
    const ln = this.leading?.learners.get(to);
    return ln !== undefined && ln.syncId === syncId && ln.stage === 'snapping';
  }

  // ---------------------------------------------------------------- election

  private ownVote(): Vote {
    return { leader: this.cfg.id, zxid: this.history.last, peerEpoch: this.currentEpoch };
  }

  /** Starts a new election round; `hint` is a better history we know of, to vote for it at once. */
  private becomeLooking(hint?: Vote): void {
    // Syncs of this member's own clients fail; a learner's fail on its side when it loses us.
    for (const s of this.leading?.syncs ?? [])
      if (s.from === undefined) this.out.syncsFailed.push(s.requestId);
    if (this.following) {
      this.failSyncs(this.following);
      this.dropIntake(this.following);
    }
    this.leading = undefined;
    this.following = undefined;
    this.round++;
    const own = this.ownVote();
    this.election = new Election(this.cfg.id, this.voters, this.round, own);
    if (hint && voteBeats(hint, own)) this.election.vote = hint;
    this.vote = this.election.vote;
    this.electionTicks = 0;
    const alone = this.election.decideAlone();
    if (alone) {
      this.decide(alone);
      return;
    }
    this.broadcastVote();
  }

  private broadcastVote(): void {
    const e = this.election;
    if (!e) return;
    const n = e.notification();
    for (const v of this.voters) if (v !== this.cfg.id) this.send(v, n);
  }

  private stepVote(from: number, n: VoteMessage): void {
    const e = this.election;
    if (!e) {
      // In an ensemble already: tell a LOOKING member whom we follow so it can join.
      if (n.state === PeerState.LOOKING) {
        this.send(from, this.stateNotification());
        return;
      }
      // The member we are trying to join follows someone else: our election result is stale.
      const f = this.following;
      if (
        f &&
        from === f.leader &&
        f.phase === 'connecting' &&
        (n.state === PeerState.FOLLOWING || n.state === PeerState.OBSERVING)
      ) {
        this.becomeLooking();
      }
      return;
    }
    const outcome = e.receive(from, n);
    this.round = e.round;
    if (outcome.decided) {
      this.decide(outcome.decided);
      return;
    }
    if (outcome.broadcast) this.broadcastVote();
    if (outcome.replyToSender) this.send(from, e.notification());
  }

  /** This member's vote as an out-of-election notification (or its LOOKING vote). */
  private stateNotification(): VoteMessage {
    if (this.election) return this.election.notification();
    // Claim the epoch we are in (not the vote that elected us, which differs between members
    // that joined at different times), so a quorum of claims agrees.
    const leader = this.leading ? this.cfg.id : this.following!.leader;
    const vote: Vote = { leader, zxid: this.history.last, peerEpoch: this.epoch };
    return { type: 'vote', state: this.state, round: this.round, vote };
  }

  private decide(vote: Vote): void {
    this.election = undefined;
    this.vote = vote;
    if (vote.leader === this.cfg.id) this.becomeLeader();
    else this.becomeLearner(vote.leader);
  }

  // ---------------------------------------------------------------- leader

  private becomeLeader(): void {
    const l: LeaderState = {
      phase: 'discovery',
      epoch: 0,
      initialZxid: this.history.last,
      priorCurrentEpoch: this.currentEpoch,
      learners: new Map(),
      acks: new AckTracker(this.voters),
      lastHeard: new Map(),
      counter: 0,
      ticks: 0,
      aheadVote: undefined,
      syncs: [],
      syncRoundDue: false,
    };
    this.leading = l;
    this.maybeChooseEpoch(l);
  }

  private tickLeader(l: LeaderState): void {
    l.ticks++;
    if (l.phase !== 'broadcast') {
      if (l.ticks > this.cfg.initLimitTicks) this.becomeLooking(l.aheadVote);
      return;
    }
    // Step down when a quorum has been silent for syncLimit ticks: a partitioned (or paused) old
    // leader must stop acting as leader; it could not commit anyway, but it must not keep serving.
    const live = [this.cfg.id];
    for (const ln of l.learners.values()) {
      if (ln.observer || ln.stage !== 'active') continue;
      if (l.ticks - (l.lastHeard.get(ln.id) ?? -Infinity) <= this.cfg.syncLimitTicks) live.push(ln.id);
    }
    if (!isQuorum(live, this.voters)) {
      this.becomeLooking();
      return;
    }
    this.sendPings(l);
  }

  private sendPings(l: LeaderState): void {
    for (const ln of l.learners.values()) {
      if (!isSyncedStage(ln.stage)) continue;
      ln.pings++;
      this.send(ln.id, { type: 'ping', epoch: l.epoch, commitZxid: this.committed });
    }
  }

  /**
   * Leader: answers sync `requestId` (from learner `from`, or this member's own when undefined) once
   * a quorum proves this member still leads: each of its voters answered a ping sent after the sync
   * arrived (links keep order, so the pong that answers such a ping is the one counted past `need`).
   * Syncs arriving in one turn share one ping round, sent with the next Ready.
   */
  private confirmLeadership(l: LeaderState, from: number | undefined, requestId: number): void {
    const s: PendingSync = { from, requestId, need: undefined };
    // PLANTED BUG (sync-without-quorum, chaos suite only): no proof that we still lead.
    if (this.cfg.unsafe?.syncWithoutQuorum === true) return this.answerSync(l, s);
    if (this.leadershipConfirmed(l, s)) return this.answerSync(l, s);
    l.syncs.push(s);
    l.syncRoundDue = true;
  }

  private sendSyncRound(l: LeaderState): void {
    l.syncRoundDue = false;
    for (const s of l.syncs) {
      if (s.need) continue;
      s.need = new Map();
      for (const ln of l.learners.values()) s.need.set(ln.id, { learner: ln, pongs: ln.pings + 1 });
    }
    this.sendPings(l);
  }

  private leadershipConfirmed(l: LeaderState, s: PendingSync): boolean {
    const ids = [this.cfg.id];
    if (isQuorum(ids, this.voters)) return true;
    if (!s.need) return false;
    for (const ln of l.learners.values()) {
      if (ln.observer) continue;
      const need = s.need.get(ln.id);
      // A learner that (re)joined after the round was planned heard only pings sent after the sync.
      const pongs = need && need.learner === ln ? need.pongs : 1;
      if (ln.pongs >= pongs) ids.push(ln.id);
    }
    return isQuorum(ids, this.voters);
  }

  private answerSync(l: LeaderState, s: PendingSync): void {
    if (s.from === undefined) this.out.syncsDone.push(s.requestId);
    else
      this.send(s.from, { type: 'sync-reply', epoch: l.epoch, requestId: s.requestId, zxid: this.committed });
  }

  private onPong(l: LeaderState, from: number): void {
    const ln = l.learners.get(from);
    if (!ln) return;
    ln.pongs++;
    if (l.syncs.length === 0) return;
    let kept = 0;
    for (const s of l.syncs) {
      if (this.leadershipConfirmed(l, s)) this.answerSync(l, s);
      else l.syncs[kept++] = s;
    }
    l.syncs.length = kept;
  }

  private stepLeader(l: LeaderState, from: number, msg: ZabMessage): void {
    if ('epoch' in msg && msg.epoch === l.epoch && l.epoch !== 0) l.lastHeard.set(from, l.ticks);
    switch (msg.type) {
      case 'followerinfo':
        return this.onFollowerInfo(l, from, msg);
      case 'ackepoch':
        return this.onAckEpoch(l, from, msg);
      case 'ack-newleader':
        return this.onAckNewLeader(l, from, msg);
      case 'ack':
      case 'pong': {
        if (msg.type === 'pong' && msg.epoch === l.epoch) this.onPong(l, from);
        const zxid = msg.type === 'ack' ? msg.zxid : msg.ackZxid;
        if (msg.epoch !== l.epoch || this.observers.has(from) || zxid === 0) return;
        l.acks.ack(from, zxid);
        if (l.phase === 'broadcast') this.advanceLeaderCommit(l);
        return;
      }
      case 'request':
        if (msg.epoch === l.epoch && l.phase === 'broadcast')
          this.out.forwarded.push({ from, data: msg.data });
        return;
      case 'sync-request':
        if (msg.epoch === l.epoch && l.phase === 'broadcast') this.confirmLeadership(l, from, msg.requestId);
        return;
      default:
        return;
    }
  }

  private onFollowerInfo(l: LeaderState, from: number, msg: FollowerInfoMessage): void {
    if (msg.observer !== this.observers.has(from)) return;
    const known = l.learners.get(from);
    if (known && known.syncId === msg.syncId) {
      // A re-sent FOLLOWERINFO: our LEADERINFO may have been lost.
      if (known.stage === 'leaderinfo-sent') this.sendLeaderInfo(l, known);
      return;
    }
    if (!msg.observer && l.epoch !== 0 && msg.acceptedEpoch > l.epoch) {
      // This voter accepted a newer epoch (from a leader that then failed) and will refuse ours.
      // Without it we may keep a quorum, but it could never rejoin: re-elect so that discovery
      // proposes an epoch above everyone's.
      this.becomeLooking();
      return;
    }
    const ln: Learner = {
      id: from,
      observer: msg.observer,
      syncId: msg.syncId,
      acceptedEpoch: msg.acceptedEpoch,
      stage: 'info',
      ahead: false,
      currentEpoch: 0,
      lastZxid: 0,
      snap: undefined,
      pings: 0,
      pongs: 0,
    };
    l.learners.set(from, ln);
    if (l.epoch !== 0) this.sendLeaderInfo(l, ln);
    else this.maybeChooseEpoch(l);
  }

  private maybeChooseEpoch(l: LeaderState): void {
    if (l.epoch !== 0) return;
    const ids = [this.cfg.id];
    for (const ln of l.learners.values()) if (!ln.observer) ids.push(ln.id);
    if (!isQuorum(ids, this.voters)) return;
    const epochs = [this.acceptedEpoch];
    for (const ln of l.learners.values()) epochs.push(ln.acceptedEpoch);
    l.epoch = proposeEpoch(epochs);
    this.acceptedEpoch = l.epoch;
    this.acceptedFrom = this.cfg.id;
    this.out.acceptedEpoch = l.epoch;
    for (const ln of l.learners.values()) this.sendLeaderInfo(l, ln);
    this.maybeFinishDiscovery(l);
  }

  private sendLeaderInfo(l: LeaderState, ln: Learner): void {
    ln.stage = 'leaderinfo-sent';
    this.send(ln.id, {
      type: 'leaderinfo',
      syncId: ln.syncId,
      epoch: l.epoch,
      established: l.phase === 'broadcast',
    });
  }

  private onAckEpoch(l: LeaderState, from: number, msg: AckEpochMessage): void {
    const ln = l.learners.get(from);
    if (!ln || ln.syncId !== msg.syncId || msg.epoch !== l.epoch || ln.stage !== 'leaderinfo-sent') return;
    ln.stage = 'epoch-acked';
    ln.currentEpoch = msg.currentEpoch;
    ln.lastZxid = msg.lastZxid;
    if (l.phase === 'discovery') {
      const mine = { currentEpoch: l.priorCurrentEpoch, lastZxid: l.initialZxid };
      if (!ln.observer && isAhead(msg, mine)) {
        // Our election votes were stale: this follower may hold committed txns we lack, so it cannot
        // vouch for our history. Leave it out of the discovery quorum (a quorum of members not ahead
        // of us is as good as Zab's "most up-to-date of the quorum"); it is TRUNCed once we proceed.
        // If we time out instead, we vote for it in the next election.
        ln.ahead = true;
        const v: Vote = { leader: ln.id, zxid: msg.lastZxid, peerEpoch: msg.currentEpoch };
        if (!l.aheadVote || voteBeats(v, l.aheadVote)) l.aheadVote = v;
        return;
      }
      this.maybeFinishDiscovery(l);
      return;
    }
    if (!ln.observer || l.phase === 'broadcast') this.syncLearner(l, ln);
  }

  private maybeFinishDiscovery(l: LeaderState): void {
    if (l.phase !== 'discovery' || l.epoch === 0) return;
    const ids = [this.cfg.id];
    for (const ln of l.learners.values())
      if (!ln.observer && !ln.ahead && ln.stage === 'epoch-acked') ids.push(ln.id);
    if (!isQuorum(ids, this.voters)) return;
    l.phase = 'sync';
    // The leader's history is now the epoch's initial history; from here we vote with the new epoch.
    this.currentEpoch = l.epoch;
    this.out.currentEpoch = l.epoch;
    for (const ln of l.learners.values())
      if (!ln.observer && ln.stage === 'epoch-acked') this.syncLearner(l, ln);
    this.tryEstablish(l);
  }

  private syncLearner(l: LeaderState, ln: Learner): void {
    const plan = planSync(this.history, ln.lastZxid, this.cfg.unsafe?.skipTrunc === true);
    if (!plan) return; // the host can serve neither the log range nor a snapshot; the learner times out
    if (plan.snapshot) {
      // The host streams the snapshot over as many turns as it takes; NEWLEADER waits for it
      // (snapshotSent), and proposals made meanwhile are kept to follow it.
      ln.stage = 'snapping';
      ln.snap = { zxid: plan.snapshot.zxid, entries: plan.entries, since: [] };
      this.out.snapshotSends.push({ to: ln.id, syncId: ln.syncId, epoch: l.epoch, snapshot: plan.snapshot });
      return;
    }
    this.sendNewLeader(l, ln, plan.mode, plan.truncTo, 0, plan.entries);
  }

  private sendNewLeader(
    l: LeaderState,
    ln: Learner,
    mode: SyncMode,
    truncTo: number,
    snapshotZxid: number,
    entries: ZabEntry[],
  ): void {
    ln.stage = 'syncing';
    const msg: NewLeaderMessage = {
      type: 'newleader',
      syncId: ln.syncId,
      epoch: l.epoch,
      mode,
      fromZxid: ln.lastZxid,
      truncTo,
      snapshotZxid,
      entries,
      commitZxid: this.committed,
    };
    this.send(ln.id, msg);
    if (ln.observer) {
      // Observers take no part in establishing the epoch: they serve as soon as they are synced.
      ln.stage = 'active';
      l.lastHeard.set(ln.id, l.ticks);
    }
  }

  private onAckNewLeader(l: LeaderState, from: number, msg: AckNewLeaderMessage): void {
    const ln = l.learners.get(from);
    if (!ln || ln.observer || ln.syncId !== msg.syncId || msg.epoch !== l.epoch || ln.stage !== 'syncing')
      return;
    ln.stage = 'acked';
    l.acks.ack(from, msg.zxid);
    if (l.phase === 'broadcast') {
      this.sendUpToDate(l, ln);
      this.advanceLeaderCommit(l);
    } else {
      this.tryEstablish(l);
    }
  }

  private sendUpToDate(l: LeaderState, ln: Learner): void {
    ln.stage = 'active';
    l.lastHeard.set(ln.id, l.ticks);
    this.send(ln.id, { type: 'uptodate', syncId: ln.syncId, epoch: l.epoch, commitZxid: this.committed });
  }

  /** NEWLEADER quorum: the epoch is established and its initial history committed. */
  private tryEstablish(l: LeaderState): void {
    if (l.phase !== 'sync' || this.history.stableZxid < l.initialZxid) return;
    const ids = [this.cfg.id];
    for (const ln of l.learners.values()) if (!ln.observer && ln.stage === 'acked') ids.push(ln.id);
    if (!isQuorum(ids, this.voters)) return;
    l.phase = 'broadcast';
    this.advanceLeaderCommit(l);
    if (this.committed < l.initialZxid) {
      throw new ZabInvariantError('established without committing the initial history');
    }
    for (const ln of l.learners.values()) {
      if (ln.stage === 'acked') this.sendUpToDate(l, ln);
      else if (ln.observer && ln.stage === 'epoch-acked') this.syncLearner(l, ln);
    }
  }

  private advanceLeaderCommit(l: LeaderState): void {
    l.acks.ack(this.cfg.id, this.history.stableZxid);
    const target = this.cfg.unsafe?.commitWithoutQuorum ? this.history.stableZxid : l.acks.quorumZxid();
    if (target <= this.committed) return;
    const entries = this.commitTo(target);
    for (const ln of l.learners.values()) {
      if (!isSyncedStage(ln.stage)) continue;
      if (ln.observer) this.send(ln.id, { type: 'inform', epoch: l.epoch, entries });
      else this.send(ln.id, { type: 'commit', epoch: l.epoch, zxid: target });
    }
  }

  /** Marks history up to `zxid` committed and hands the newly committed entries to the host. */
  private commitTo(zxid: number): ZabEntry[] {
    const entries = this.history.slice(this.committed, zxid);
    if (entries === undefined) throw new ZabInvariantError('committed entries are no longer available');
    for (const e of entries) this.out.committed.push(e);
    this.committed = zxid;
    return entries;
  }

  // ---------------------------------------------------------------- learner (follower / observer)

  private becomeLearner(leader: number): void {
    this.following = {
      leader,
      syncId: 0,
      phase: 'connecting',
      epoch: 0,
      ticksInPhase: 0,
      ticksSinceHeard: 0,
      leaderCommit: 0,
      newLeaderAckAt: undefined,
      newLeaderAcked: false,
      syncRequests: new Set(),
      syncWaits: [],
      intake: undefined,
    };
    this.connect(this.following);
  }

  /** (Re)starts discovery with the leader under a fresh nonce. */
  private connect(f: FollowerState): void {
    this.failSyncs(f);
    this.dropIntake(f);
    f.syncId = this.rng.nextUint32();
    f.phase = 'connecting';
    f.ticksInPhase = 0;
    f.newLeaderAckAt = undefined;
    f.newLeaderAcked = false;
    this.sendFollowerInfo(f);
  }

  private sendFollowerInfo(f: FollowerState): void {
    this.send(f.leader, {
      type: 'followerinfo',
      syncId: f.syncId,
      acceptedEpoch: this.acceptedEpoch,
      observer: this.isObserver,
    });
  }

  private tickLearner(f: FollowerState): void {
    f.ticksInPhase++;
    f.ticksSinceHeard++;
    if (f.phase === 'uptodate') {
      if (f.ticksSinceHeard > this.cfg.syncLimitTicks) this.becomeLooking();
      return;
    }
    if (f.ticksInPhase > this.cfg.initLimitTicks) {
      this.becomeLooking();
      return;
    }
    if (f.phase === 'connecting') this.sendFollowerInfo(f);
  }

  private stepLearner(f: FollowerState, msg: ZabMessage): void {
    if (msg.type === 'leaderinfo') {
      this.onLeaderInfo(f, msg);
      return;
    }
    if (!('epoch' in msg) || msg.epoch !== f.epoch || f.phase === 'connecting') return;
    f.ticksSinceHeard = 0;
    const synced = f.phase === 'synced' || f.phase === 'uptodate';
    switch (msg.type) {
      case 'snap-chunk':
        if (f.phase === 'epoch-acked' && msg.syncId === f.syncId) this.onSnapChunk(f, msg);
        return;
      case 'newleader':
        if (f.phase === 'epoch-acked' && msg.syncId === f.syncId) this.onNewLeader(f, msg);
        return;
      case 'uptodate':
        if (f.phase === 'synced' && msg.syncId === f.syncId && f.newLeaderAcked) {
          f.phase = 'uptodate';
          this.learnCommit(f, msg.commitZxid);
        }
        return;
      case 'proposal': {
        if (!synced || this.isObserver) return;
        const fit = classifyProposal(this.history.last, f.epoch, msg.entry.zxid);
        if (fit === 'next') {
          this.history.append(msg.entry);
          this.out.entries.push(msg.entry);
        } else if (fit === 'gap') {
          this.connect(f);
        }
        return;
      }
      case 'commit':
        if (synced) this.learnCommit(f, msg.zxid);
        return;
      case 'inform':
        if (synced && this.isObserver) this.onInform(f, msg);
        return;
      case 'ping':
        this.send(f.leader, {
          type: 'pong',
          epoch: f.epoch,
          ackZxid: f.newLeaderAcked && !this.isObserver ? this.history.stableZxid : 0,
        });
        if (synced) this.learnCommit(f, msg.commitZxid);
        return;
      case 'sync-reply':
        if (f.syncRequests.delete(msg.requestId)) {
          f.syncWaits.push({ requestId: msg.requestId, zxid: msg.zxid });
          f.syncWaits.sort((a, b) => a.zxid - b.zxid);
          this.releaseSyncs(f);
        }
        return;
      default:
        return;
    }
  }

  private onLeaderInfo(f: FollowerState, msg: LeaderInfoMessage): void {
    if (f.phase !== 'connecting' || msg.syncId !== f.syncId) return;
    const decision = decideEpoch({
      epoch: msg.epoch,
      leader: f.leader,
      established: msg.established,
      acceptedEpoch: this.acceptedEpoch,
      acceptedFrom: this.acceptedFrom,
      observer: this.isObserver,
    });
    if (decision === 'reject') {
      this.becomeLooking();
      return;
    }
    if (decision === 'accept-new') {
      this.acceptedEpoch = msg.epoch;
      this.out.acceptedEpoch = msg.epoch;
    }
    this.acceptedFrom = f.leader;
    f.epoch = msg.epoch;
    f.phase = 'epoch-acked';
    f.ticksSinceHeard = 0;
    this.send(f.leader, {
      type: 'ackepoch',
      syncId: f.syncId,
      epoch: msg.epoch,
      currentEpoch: this.currentEpoch,
      lastZxid: this.history.last,
    });
  }

  private onNewLeader(f: FollowerState, msg: NewLeaderMessage): void {
    if (msg.fromZxid !== this.history.last) {
      // Planned against a history we no longer have: start over rather than guess.
      this.connect(f);
      return;
    }
    if (msg.mode === 'snap') {
      const zxid = msg.snapshotZxid;
      const got = f.intake;
      if (!got || !got.complete || got.zxid !== zxid || zxid < this.committed) {
        // Not the whole snapshot (the stream was cut: never install part of a tree), or one that lags
        // what we already applied (it would move our state backwards): start a fresh attempt.
        this.connect(f);
        return;
      }
      f.intake = undefined;
      readySnapshot(this.out, { zxid });
      this.history.installSnapshot(zxid);
      this.committed = zxid;
      // Installing a big snapshot takes a while; the time allowed to finish syncing starts now.
      f.ticksInPhase = 0;
    } else if (msg.mode === 'trunc') {
      checkTrunc(this.history, msg.truncTo, this.committed);
      this.history.truncateAfter(msg.truncTo);
      readyTruncate(this.out, msg.truncTo);
    }
    for (const e of msg.entries) {
      if (e.zxid <= this.history.last) continue;
      this.history.append(e);
      this.out.entries.push(e);
    }
    if (this.isObserver) {
      if (f.epoch > this.acceptedEpoch) {
        this.acceptedEpoch = f.epoch;
        this.out.acceptedEpoch = f.epoch;
      }
      f.phase = 'uptodate';
      f.ticksSinceHeard = 0;
    } else {
      f.phase = 'synced';
      f.newLeaderAckAt = this.history.last;
    }
    this.learnCommit(f, msg.commitZxid);
    this.learnerPersisted(f);
  }

  /** A piece of the SNAP stream: in sequence it is stored, out of sequence the attempt starts over. */
  private onSnapChunk(f: FollowerState, msg: SnapChunkMessage): void {
    const got = f.intake;
    if (got && msg.zxid === got.zxid && msg.seq < got.next) return; // a duplicate
    if (msg.seq === 0 && !got) f.intake = { zxid: msg.zxid, next: 0, complete: false };
    const cur = f.intake;
    if (!cur || cur.complete || msg.zxid !== cur.zxid || msg.seq !== cur.next) {
      // A piece went missing (the link was cut and redialled mid-stream, or its queue overflowed).
      this.connect(f);
      return;
    }
    cur.next++;
    cur.complete = msg.last;
    // Progress: a long transfer is not a silent leader.
    f.ticksInPhase = 0;
    this.out.snapshotIntake.push({ kind: 'chunk', zxid: msg.zxid, seq: msg.seq, data: msg.data });
  }

  /** Abandons a snapshot being received (its pieces are discarded by the host). */
  private dropIntake(f: FollowerState): void {
    if (!f.intake) return;
    f.intake = undefined;
    this.out.snapshotIntake.push({ kind: 'abort' });
  }

  private onInform(f: FollowerState, msg: InformMessage): void {
    for (const e of msg.entries) {
      const fit = classifyProposal(this.history.last, f.epoch, e.zxid);
      if (fit === 'duplicate') continue;
      if (fit === 'gap') {
        this.connect(f);
        return;
      }
      this.history.append(e);
      this.out.entries.push(e);
    }
    const n = msg.entries.length;
    if (n > 0) this.learnCommit(f, msg.entries[n - 1]!.zxid);
  }

  /** Commit facts from the leader apply to our history only once it is the leader's prefix. */
  private learnCommit(f: FollowerState, zxid: number): void {
    if (zxid > f.leaderCommit) f.leaderCommit = zxid;
    const target = Math.min(f.leaderCommit, this.history.last);
    if (target > this.committed) this.commitTo(target);
    this.releaseSyncs(f);
  }

  private learnerPersisted(f: FollowerState): void {
    if (this.isObserver || (f.phase !== 'synced' && f.phase !== 'uptodate')) return;
    if (!f.newLeaderAcked) {
      if (f.newLeaderAckAt === undefined || this.history.stableZxid < f.newLeaderAckAt) return;
      // Synced history is durable: adopt the epoch (durably, before the ack leaves) and ack NEWLEADER.
      f.newLeaderAcked = true;
      if (this.currentEpoch !== f.epoch) {
        this.currentEpoch = f.epoch;
        this.out.currentEpoch = f.epoch;
      }
      this.send(f.leader, {
        type: 'ack-newleader',
        syncId: f.syncId,
        epoch: f.epoch,
        zxid: this.history.stableZxid,
      });
      return;
    }
    this.send(f.leader, { type: 'ack', epoch: f.epoch, zxid: this.history.stableZxid });
  }

  private releaseSyncs(f: FollowerState): void {
    while (f.syncWaits.length > 0 && f.syncWaits[0]!.zxid <= this.committed) {
      this.out.syncsDone.push(f.syncWaits.shift()!.requestId);
    }
  }

  private failSyncs(f: FollowerState): void {
    for (const id of f.syncRequests) this.out.syncsFailed.push(id);
    for (const w of f.syncWaits) this.out.syncsFailed.push(w.requestId);
    f.syncRequests.clear();
    f.syncWaits.length = 0;
  }

  // ---------------------------------------------------------------- helpers

  private send(to: number, msg: ZabMessage): void {
    this.out.messages.push({ to, msg });
  }

  /** Whether computeStatus() equals the status last reported. */
  private statusUnchanged(): boolean {
    return this.lastStatus !== undefined && sameStatus(this.computeStatus(), this.lastStatus);
  }

  private computeStatus(): PeerStatus {
    if (this.leading) {
      const l = this.leading;
      return {
        state: PeerState.LEADING,
        leader: this.cfg.id,
        epoch: l.epoch,
        serving: l.phase === 'broadcast',
      };
    }
    if (this.following) {
      const f = this.following;
      return {
        state: this.isObserver ? PeerState.OBSERVING : PeerState.FOLLOWING,
        leader: f.leader,
        epoch: f.epoch,
        serving: f.phase === 'uptodate',
      };
    }
    return { state: PeerState.LOOKING, leader: undefined, epoch: this.currentEpoch, serving: false };
  }
}

function isSyncedStage(s: LearnerStage): boolean {
  return s === 'syncing' || s === 'acked' || s === 'active';
}

function sameStatus(a: PeerStatus, b: PeerStatus): boolean {
  return a.state === b.state && a.leader === b.leader && a.epoch === b.epoch && a.serving === b.serving;
}
