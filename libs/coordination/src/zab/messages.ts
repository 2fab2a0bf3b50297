/**
 * The messages ZAB members exchange. Names follow ZooKeeper's quorum packets where one exists
 * (FOLLOWERINFO, LEADERINFO, ACKEPOCH, NEWLEADER, UPTODATE, PROPOSAL, ACK, COMMIT, INFORM, PING,
 * REQUEST, SYNC); the sender's id travels beside the message (`ZabPeer.step(from, msg)`), as it does
 * on a quorum connection. Our NEWLEADER carries the DIFF/TRUNC entries itself, so one message
 * moves a learner to the leader's history and asks for the NEWLEADER ack. A SNAP is streamed ahead
 * of its NEWLEADER in bounded SNAP-CHUNK messages (ZooKeeper writes the serialized tree straight
 * onto the quorum socket after its SNAP packet), so no message has to hold a whole tree.
 *
 * Every message after election names the leader's epoch, and every discovery/sync message names the
 * learner's `syncId` (a fresh random nonce per connection attempt): a duplicated or delayed message
 * from an earlier attempt, or from an earlier incarnation of a member, is then recognisably stale.
 */

/** One txn in a member's history: ZAB treats the bytes as opaque. */
export interface ZabEntry {
  readonly zxid: number;
  readonly data: Buffer;
}

/**
 * A leader's snapshot of committed state, covering history up to `zxid`, for a SNAP sync. `records`
 * is the host's encoding, produced lazily (it may be fuzzy: serialized while later txns apply, which
 * replaying the txns after `zxid` repairs, as in ZooKeeper). ZAB never reads it: the leader's host
 * streams it to the learner in `snap-chunk` messages.
 */
export interface ZabSnapshot {
  readonly zxid: number;
  readonly records: Iterable<Buffer>;
}

/** Server states, with ZooKeeper's ordinals (`QuorumPeer.ServerState`). */
export const PeerState = { LOOKING: 0, FOLLOWING: 1, LEADING: 2, OBSERVING: 3 } as const;
export type PeerState = (typeof PeerState)[keyof typeof PeerState];

/** A Fast Leader Election vote: ordered by (peerEpoch, zxid, leader). */
export interface Vote {
  readonly leader: number;
  readonly zxid: number;
  readonly peerEpoch: number;
}

/** FLE notification: the sender's current vote, its state and its election round (logical clock). */
export interface VoteMessage {
  readonly type: 'vote';
  readonly state: PeerState;
  readonly round: number;
  readonly vote: Vote;
}

/** Learner -> leader: start of discovery (FOLLOWERINFO / OBSERVERINFO). */
export interface FollowerInfoMessage {
  readonly type: 'followerinfo';
  readonly syncId: number;
  readonly acceptedEpoch: number;
  readonly observer: boolean;
}

/** Leader -> learner: the proposed new epoch. `established` says a quorum already accepted it. */
export interface LeaderInfoMessage {
  readonly type: 'leaderinfo';
  readonly syncId: number;
  readonly epoch: number;
  readonly established: boolean;
}

/** Learner -> leader: acceptedEpoch is durable; here is my history's position. */
export interface AckEpochMessage {
  readonly type: 'ackepoch';
  readonly syncId: number;
  readonly epoch: number;
  readonly currentEpoch: number;
  readonly lastZxid: number;
}

/** How NEWLEADER brings a learner to the leader's history. */
export type SyncMode = 'diff' | 'trunc' | 'snap';

/**
 * Leader -> learner: synchronization plus NEWLEADER. `fromZxid` is the learner history end the
 * leader planned against; `truncTo` (trunc) drops everything after it; `snapshotZxid` (snap, else 0)
 * names the snapshot streamed just before in `snap-chunk` messages, which replaces the learner's
 * state; then `entries` follow in zxid order. `commitZxid` is what the leader knows committed.
 */
export interface NewLeaderMessage {
  readonly type: 'newleader';
  readonly syncId: number;
  readonly epoch: number;
  readonly mode: SyncMode;
  readonly fromZxid: number;
  readonly truncTo: number;
  readonly snapshotZxid: number;
  readonly entries: readonly ZabEntry[];
  readonly commitZxid: number;
}

/**
 * Leader -> learner, before a SNAP NEWLEADER: piece `seq` (from 0) of the snapshot at `zxid`, for
 * the sync attempt `syncId`; `last` marks the final piece. `data` is opaque host bytes (bounded by the
 * host, ~1 MiB). A piece out of sequence means the stream was cut: the learner starts over.
 */
export interface SnapChunkMessage {
  readonly type: 'snap-chunk';
  readonly syncId: number;
  readonly epoch: number;
  readonly zxid: number;
  readonly seq: number;
  readonly last: boolean;
  readonly data: Buffer;
}

/** Follower -> leader: the synced history up to `zxid` and currentEpoch are durable. */
export interface AckNewLeaderMessage {
  readonly type: 'ack-newleader';
  readonly syncId: number;
  readonly epoch: number;
  readonly zxid: number;
}

/** Leader -> learner: the epoch is established; start serving. */
export interface UpToDateMessage {
  readonly type: 'uptodate';
  readonly syncId: number;
  readonly epoch: number;
  readonly commitZxid: number;
}

export interface ProposalMessage {
  readonly type: 'proposal';
  readonly epoch: number;
  readonly entry: ZabEntry;
}

/** Follower -> leader: cumulative, "my log is durable up to `zxid`". */
export interface AckMessage {
  readonly type: 'ack';
  readonly epoch: number;
  readonly zxid: number;
}

/** Leader -> follower: cumulative, "everything up to `zxid` is committed". */
export interface CommitMessage {
  readonly type: 'commit';
  readonly epoch: number;
  readonly zxid: number;
}

/** Leader -> observer: newly committed txns, with their data (observers see no proposals). */
export interface InformMessage {
  readonly type: 'inform';
  readonly epoch: number;
  readonly entries: readonly ZabEntry[];
}

export interface PingMessage {
  readonly type: 'ping';
  readonly epoch: number;
  readonly commitZxid: number;
}

/**
 * Learner -> leader heartbeat reply. A follower that acked NEWLEADER repeats its durable position
 * (`ackZxid`, else 0), so an ACK lost on a lossy link is made good by the next heartbeat.
 */
export interface PongMessage {
  readonly type: 'pong';
  readonly epoch: number;
  readonly ackZxid: number;
}

/** Learner -> leader: a client request for the leader's host to prepare (opaque bytes). */
export interface RequestMessage {
  readonly type: 'request';
  readonly epoch: number;
  readonly data: Buffer;
}

/** Learner -> leader: a client `sync`. */
export interface SyncRequestMessage {
  readonly type: 'sync-request';
  readonly epoch: number;
  readonly requestId: number;
}

/** Leader -> learner: answer the sync once you have applied up to `zxid`. */
export interface SyncReplyMessage {
  readonly type: 'sync-reply';
  readonly epoch: number;
  readonly requestId: number;
  readonly zxid: number;
}

export type ZabMessage =
  | VoteMessage
  | FollowerInfoMessage
  | LeaderInfoMessage
  | AckEpochMessage
  | NewLeaderMessage
  | SnapChunkMessage
  | AckNewLeaderMessage
  | UpToDateMessage
  | ProposalMessage
  | AckMessage
  | CommitMessage
  | InformMessage
  | PingMessage
  | PongMessage
  | RequestMessage
  | SyncRequestMessage
  | SyncReplyMessage;

/** An outgoing message. */
export interface Envelope {
  readonly to: number;
  readonly msg: ZabMessage;
}
