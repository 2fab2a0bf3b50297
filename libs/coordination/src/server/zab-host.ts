/**
 * The I/O shell around one ZabPeer: feeds it ticks, quorum messages and "log durable up to Z", and
 * carries out each Ready in the order ready.ts prescribes:
 *   1. durable state first (snapshot install, log truncation, epoch files) — awaited;
 *   2. appends to the txn log (group commit; `persisted` is reported when the fsync covering an
 *      entry returns, never for appends a later truncate/snapshot voided);
 *   3. messages, only after step 1 is on disk (an ACKEPOCH promises acceptedEpoch is durable);
 *   4. committed entries to the member, in zxid order;
 *   5. status, then syncs answered/failed; 6. forwarded requests (leader) to the member;
 *   7. SNAP streams (leader): each runs on its own over many turns (snapshot-sender.ts) and reports
 *      `snapshotSent` when done.
 * Before step 1, the pieces of a snapshot being received go to the intake (snapshot-intake.ts),
 * which writes them to an unpublished file; step 1's install takes it from there.
 * Readys are handled one at a time: while step 1 awaits the disk, new inputs only accumulate inside
 * the peer and come out in the next Ready.
 */
import type { EpochUpdate } from '../storage/epoch-file.js';
import type { TxnLog } from '../storage/txn-log.js';
import type { ZabEntry, ZabMessage } from '../zab/messages.js';
import type { PeerStatus, Ready, SnapshotSend } from '../zab/ready.js';
import type { ZabPeer } from '../zab/zab-peer.js';
import type { Clock } from './member-deps.js';
import { SnapshotIntake, type ReceivedSnapshot, type SnapshotFileWriter } from './snapshot-intake.js';
import { streamSnapshot, type SnapshotSenderOptions } from './snapshot-sender.js';
import type { LogWindow } from './zab-log-window.js';

/** The quorum transport (PeerLinks' shape), narrowed to what the host uses. */
export interface QuorumTransport {
  start(): Promise<void>;
  stop(): Promise<void>;
  send(to: number, msg: ZabMessage): void;
  on(event: 'message', fn: (from: number, msg: ZabMessage) => void): unknown;
  on(event: 'linkDown', fn: (peer: number) => void): unknown;
  /** Bytes queued for `to` and not yet taken by its socket: a SNAP stream waits while this is high. */
  queuedBytes?(to: number): number;
  /** Resolves once at most `bytes` are queued for `to` (or the link closed). */
  whenQueuedAtMost?(to: number, bytes: number): Promise<void>;
}

/** What the member does for the host. */
export interface ZabHostSink {
  /**
   * SNAP: make the received snapshot the durable state (cut the log after its zxid, then
   * `snap.publish()` the file) and load it as the database.
   */
  installSnapshot(snap: ReceivedSnapshot): Promise<void>;
  /** TRUNC: the log was cut after `zxid`; rebuild the database from snapshot + log up to it. */
  truncated(zxid: number): Promise<void>;
  /** A committed entry, in zxid order. */
  applyCommitted(entry: ZabEntry): void;
  /**
   * An entry handed to the log (after this Ready's commits). Set only for the planted
   * follower-read-ahead bug (member.ts); nothing else may act on an entry before its commit.
   */
  logged?(entry: ZabEntry): void;
  statusChanged(status: PeerStatus): void;
  forwarded(from: number, data: Buffer): void;
  syncDone(requestId: number): void;
  syncFailed(requestId: number): void;
}

export interface ZabHostOptions {
  peer: ZabPeer;
  transport: QuorumTransport;
  log: TxnLog;
  window: LogWindow;
  /** persists acceptedEpoch / currentEpoch durably (MemberStorage.saveEpochs) */
  saveEpochs(update: EpochUpdate): Promise<void>;
  tickMs: number;
  /** the member's clock: stalled ticks and SNAP stream stalls are measured in it */
  clock: Clock;
  sink: ZabHostSink;
  /** writes a snapshot received from the leader (SnapshotStore.write) */
  writeSnapshot: SnapshotFileWriter;
  /** SNAP streams this member sends as leader (payload bound, back pressure); defaults suit TCP */
  snapshotSender?: SnapshotSenderOptions;
  /** an I/O failure the member cannot continue from */
  fatal(err: unknown): void;
  /** where a stalled-ticks warning goes (the member's logger) */
  warn(message: string): void;
}

function needsDisk(r: Ready): boolean {
  return (
    r.snapshot !== undefined ||
    r.truncateAfter !== undefined ||
    r.acceptedEpoch !== undefined ||
    r.currentEpoch !== undefined
  );
}

export class ZabHost {
  readonly peer: ZabPeer;
  private readonly opts: ZabHostOptions;
  /** bumped by every truncate / snapshot install: appends from an older generation are void */
  private generation = 0;
  private busy = false;
  private scheduled = false;
  private stopped = false;
  /** highest zxid made durable since the last drain (reported to the peer once per drain) */
  private durable = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly intake: SnapshotIntake;
  /** a received snapshot is being installed: the peer's clock stands still meanwhile (see start) */
  private installing = false;
  /** counters for operators */
  readonly stats = {
    readys: 0,
    appended: 0,
    messagesSent: 0,
    snapshotsInstalled: 0,
    truncations: 0,
    /** SNAP streams finished / stopped early (the learner went away or reconnected) as leader */
    snapshotsSent: 0,
    snapshotStreamsStopped: 0,
    snapshotBytesSent: 0,
  };

  constructor(opts: ZabHostOptions) {
    this.opts = opts;
    this.peer = opts.peer;
    this.intake = new SnapshotIntake(opts.writeSnapshot);
  }

  async start(): Promise<void> {
    this.opts.transport.on('message', (from, msg) => {
      if (this.stopped) return;
      this.peer.step(from, msg);
      this.kick();
    });
    this.opts.transport.on('linkDown', (peer) => {
      if (this.stopped) return;
      this.peer.linkLost(peer);
      this.kick();
    });
    await this.opts.transport.start();
    const clock = this.opts.clock;
    let lastTick = clock.now();
    this.timer = setInterval(() => {
      const now = clock.now();
      // ZAB's timeouts count ticks: a stalled event loop stretches them, and a long stall here is the
      // usual reason a healthy-looking member lost its leader or its quorum. Say so in the log.
      if (now - lastTick > 25 * this.opts.tickMs) {
        this.opts.warn(`zab: ticks stalled for ${now - lastTick} ms`);
      }
      lastTick = now;
      // A learner installing a big snapshot is busy, not silent or slow to sync: like ZooKeeper's
      // learner thread deserializing inline, its initLimit/syncLimit clocks do not run meanwhile.
      if (this.installing) return;
      this.peer.tick();
      this.kick();
    }, this.opts.tickMs);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.intake.abort();
    await this.opts.transport.stop();
  }

  /** Run `fn` against the peer (propose/forward/sync), then process what it produced. */
  withPeer<T>(fn: (peer: ZabPeer) => T): T {
    const out = fn(this.peer);
    this.kick();
    return out;
  }

  /** Schedules a drain at the end of this turn, so inputs arriving together share one Ready. */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      if (this.durable > 0) {
        const z = this.durable;
        this.durable = 0;
        this.peer.persisted(z);
      }
      while (this.peer.hasReady()) {
        const r = this.peer.ready();
        this.stats.readys++;
        for (const op of r.snapshotIntake) this.intake.apply(op);
        if (needsDisk(r)) {
          // busy stays set until the durable part is done; then the rest is dispatched and we drain again.
          this.persistThenDispatch(r).then(
            () => {
              this.busy = false;
              this.drain();
            },
            (err) => this.opts.fatal(err),
          );
          return;
        }
        this.dispatch(r);
        this.peer.recycle(r);
      }
    } catch (err) {
      this.opts.fatal(err);
    }
    this.busy = false;
  }

  private async persistThenDispatch(r: Ready): Promise<void> {
    if (r.snapshot) {
      this.generation++;
      this.durable = 0;
      this.stats.snapshotsInstalled++;
      this.installing = true;
      try {
        await this.opts.sink.installSnapshot(this.intake.take(r.snapshot.zxid));
      } finally {
        this.installing = false;
      }
      this.opts.window.reset(r.snapshot.zxid);
    }
    if (r.truncateAfter !== undefined) {
      this.generation++;
      this.durable = 0;
      this.stats.truncations++;
      await this.opts.log.truncateAfter(r.truncateAfter);
      this.opts.window.truncateAfter(r.truncateAfter);
      await this.opts.sink.truncated(r.truncateAfter);
    }
    if (r.acceptedEpoch !== undefined || r.currentEpoch !== undefined)
      await this.opts.saveEpochs({ acceptedEpoch: r.acceptedEpoch, currentEpoch: r.currentEpoch });
    if (this.stopped) return;
    this.dispatch(r);
  }

  /** Steps 2-6, everything after the durable part: append, send, apply, report, stream snapshots. */
  private dispatch(r: Ready): void {
    if (r.entries.length > 0) this.append(r.entries);
    for (const { to, msg } of r.messages) {
      this.stats.messagesSent++;
      this.opts.transport.send(to, msg);
    }
    for (const e of r.committed) this.opts.sink.applyCommitted(e);
    if (this.opts.sink.logged) for (const e of r.entries) this.opts.sink.logged(e);
    if (r.status) this.opts.sink.statusChanged(r.status);
    for (const id of r.syncsDone) this.opts.sink.syncDone(id);
    for (const id of r.syncsFailed) this.opts.sink.syncFailed(id);
    for (const f of r.forwarded) this.opts.sink.forwarded(f.from, f.data);
    for (const s of r.snapshotSends) void this.sendSnapshot(s);
  }

  /** Logs one Ready's entries; once durable they join the window and the peer hears the highest. */
  private append(entries: readonly ZabEntry[]): void {
    const gen = this.generation;
    this.stats.appended += entries.length;
    this.opts.log.appendAll(entries).then(
      () => {
        if (gen !== this.generation || this.stopped) return;
        for (const e of entries) this.opts.window.add(e);
        const last = entries[entries.length - 1]!.zxid;
        if (last > this.durable) this.durable = last;
        this.kick();
      },
      (err) => {
        if (gen === this.generation && !this.stopped) this.opts.fatal(err);
      },
    );
  }

  /** Streams one SNAP to a learner, then tells the peer, whose NEWLEADER follows the stream. */
  private async sendSnapshot(s: SnapshotSend): Promise<void> {
    const transport = this.opts.transport;
    try {
      const outcome = await streamSnapshot(
        s,
        {
          send: (msg) => {
            this.stats.snapshotBytesSent += msg.data.length;
            transport.send(s.to, msg);
          },
          backlog: () => transport.queuedBytes?.(s.to) ?? 0,
          ...(transport.whenQueuedAtMost
            ? { whenBacklogAtMost: (bytes: number) => transport.whenQueuedAtMost!(s.to, bytes) }
            : {}),
          wanted: () => !this.stopped && this.peer.snapshotStreamWanted(s.to, s.syncId),
        },
        { ...this.opts.snapshotSender, now: () => this.opts.clock.now() },
      );
      if (outcome !== 'sent') {
        this.stats.snapshotStreamsStopped++;
        if (outcome === 'stalled') this.withPeer((p) => p.snapshotFailed(s.to, s.syncId));
        return;
      }
      this.stats.snapshotsSent++;
      this.withPeer((p) => p.snapshotSent(s.to, s.syncId));
    } catch (err) {
      // Serializing our own committed state failed: nothing a retry would fix.
      if (!this.stopped) this.opts.fatal(err);
    }
  }
}
