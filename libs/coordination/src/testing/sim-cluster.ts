/**
 * Deterministic simulation of a ZAB ensemble: simulated clock (discrete events), seeded network
 * (sim-network.ts), members whose durable state survives crashes while unflushed log appends do
 * not, and the invariant checks (invariants.ts) fed after every step. Hosts follow the Ready
 * contract of zab/ready.ts exactly as a real server must.
 */
import { NoLeaderError, NotLeaderError, ZabInvariantError } from '../zab/errors.js';
import type { ZabEntry } from '../zab/messages.js';
import { PeerState } from '../zab/messages.js';
import type { Ready, SnapshotSend } from '../zab/ready.js';
import { ZabPeer, type ZabConfig } from '../zab/zab-peer.js';
import { EventQueue } from './event-queue.js';
import { InvariantChecker } from './invariants.js';
import {
  MemoryZabLog,
  decodeSnapshot,
  emptyDurableState,
  encodeSnapshot,
  upperBound,
  type DurableState,
} from './memory-zab-log.js';
import { SeededRng } from './seeded-rng.js';
import { SimNetwork, type Delivery } from './sim-network.js';

export interface SimClusterOptions {
  seed: number;
  voters: number;
  observers?: number;
  /** simulated time units per tick */
  tickInterval?: number;
  initLimitTicks?: number;
  syncLimitTicks?: number;
  diskMinLatency?: number;
  diskMaxLatency?: number;
  unsafe?: ZabConfig['unsafe'];
}

type SimEvent =
  | { kind: 'deliver'; d: Delivery }
  | { kind: 'tick'; id: number; inc: number }
  | { kind: 'flush'; id: number; inc: number }
  | { kind: 'call'; fn: () => void };

/** A simulated SNAP stream is cut into pieces this big, so streams of several pieces get torn too. */
const SNAP_PIECE_BYTES = 512;
/** Simulated time a leader's host takes to stream a snapshot (it reports snapshotSent then). */
const SNAP_STREAM_TIME = 5;

export interface MemberStats {
  truncs: number;
  snaps: number;
  diffs: number;
}

export class SimMember {
  durable: DurableState = emptyDurableState();
  peer: ZabPeer | undefined;
  /** appends handed to the "disk" and not yet flushed: lost on a crash */
  pending: ZabEntry[] = [];
  flushScheduled = false;
  inc = 0;
  applied: ZabEntry[] = [];
  syncsDone: number[] = [];
  /** pieces of the snapshot being received (host memory: lost on a crash) */
  intake: Buffer[] = [];
  constructor(
    readonly id: number,
    readonly observer: boolean,
  ) {}

  get up(): boolean {
    return this.peer !== undefined;
  }

  /** the member's whole history: snapshot content, durable log, unflushed appends */
  history(): ZabEntry[] {
    return [...this.durable.baseEntries, ...this.durable.entries, ...this.pending];
  }

  isDurable(zxid: number): boolean {
    if (zxid <= this.durable.base) return true;
    const e = this.durable.entries;
    const i = upperBound(e, zxid);
    return i > 0 && e[i - 1]!.zxid === zxid;
  }
}

export class SimCluster {
  now = 0;
  readonly rng: SeededRng;
  readonly network: SimNetwork;
  readonly checker: InvariantChecker;
  readonly members = new Map<number, SimMember>();
  readonly voterIds: number[];
  readonly observerIds: number[];
  readonly stats: MemberStats = { truncs: 0, snaps: 0, diffs: 0 };
  private readonly queue = new EventQueue<SimEvent>();
  private readonly opts: Required<Omit<SimClusterOptions, 'unsafe'>> & Pick<SimClusterOptions, 'unsafe'>;
  diskCrashes = 0;
  /**
   * Chance that a Ready's durable part (snapshot install, log truncation, epoch files) is cut short
   * by a crash: a random prefix of its steps reaches the disk, then the member crashes before sending
   * anything. The real host does these as separate writes (the log cut, the snapshot's rename, one
   * file per epoch), so a crash can fall between any two; default 0 (then no random draws are made).
   */
  metadataCrashRate = 0;
  /** Crashes injected inside a durable part (see metadataCrashRate). */
  metadataCrashes = 0;
  private readonly metadataRng: SeededRng;

  constructor(options: SimClusterOptions) {
    this.opts = {
      observers: 0,
      tickInterval: 100,
      initLimitTicks: 10,
      syncLimitTicks: 5,
      diskMinLatency: 1,
      diskMaxLatency: 30,
      ...options,
    };
    this.rng = new SeededRng(options.seed);
    // Its own stream: turning metadata crashes on does not change the draws of everything else.
    this.metadataRng = new SeededRng(options.seed ^ 0x2545f491);
    this.network = new SimNetwork(this.rng.fork(), (t, d) => this.queue.push(t, { kind: 'deliver', d }));
    this.voterIds = range(1, this.opts.voters);
    this.observerIds = range(this.opts.voters + 1, this.opts.voters + this.opts.observers);
    for (const id of this.voterIds) this.members.set(id, new SimMember(id, false));
    for (const id of this.observerIds) this.members.set(id, new SimMember(id, true));
    this.checker = new InvariantChecker(this.voterIds, (id, z) => this.members.get(id)!.isDurable(z));
    for (const id of this.members.keys()) this.restart(id);
  }

  member(id: number): SimMember {
    const m = this.members.get(id);
    if (!m) throw new RangeError(`no member ${id}`);
    return m;
  }

  // ---------------------------------------------------------------- control

  crash(id: number): void {
    const m = this.member(id);
    if (!m.up) return;
    m.peer = undefined;
    m.pending = []; // not flushed: lost
    m.flushScheduled = false;
    m.inc++;
    m.applied = [];
    m.intake = [];
  }

  restart(id: number): void {
    const m = this.member(id);
    if (m.up) return;
    m.inc++;
    m.pending = [];
    m.flushScheduled = false;
    m.applied = m.durable.baseEntries.slice();
    this.checker.onStart(id, m.applied);
    const cfg: ZabConfig = {
      id,
      voters: this.voterIds,
      observers: this.observerIds,
      initLimitTicks: this.opts.initLimitTicks,
      syncLimitTicks: this.opts.syncLimitTicks,
      ...(this.opts.unsafe ? { unsafe: this.opts.unsafe } : {}),
    };
    const log = new MemoryZabLog(m.durable, () => m.applied);
    const peer = this.guard(m, () => new ZabPeer(cfg, m.durable, log, this.rng.fork()));
    if (!peer) return;
    m.peer = peer;
    this.queue.push(this.now + this.rng.between(1, this.opts.tickInterval), { kind: 'tick', id, inc: m.inc });
    this.drain(m);
  }

  /** Host-side snapshot + log compaction up to what is both applied and durable. */
  compact(id: number): void {
    const m = this.member(id);
    if (!m.up || m.applied.length === 0) return;
    const d = m.durable;
    const durableLast = d.entries.length > 0 ? d.entries[d.entries.length - 1]!.zxid : d.base;
    const upto = Math.min(m.applied[m.applied.length - 1]!.zxid, durableLast);
    if (upto <= d.base) return;
    d.baseEntries = m.applied.slice(0, upperBound(m.applied, upto));
    d.base = d.baseEntries.length > 0 ? d.baseEntries[d.baseEntries.length - 1]!.zxid : 0;
    d.entries = d.entries.slice(upperBound(d.entries, d.base));
  }

  /** Runs `fn` at simulated time `time`. */
  at(time: number, fn: () => void): void {
    this.queue.push(time, { kind: 'call', fn });
  }

  /** Processes events up to `time` (or until `stop` returns true). */
  runUntil(time: number, stop?: () => boolean): void {
    for (;;) {
      const t = this.queue.peekTime();
      if (t === undefined || t > time) break;
      const ev = this.queue.pop()!;
      this.now = ev.time;
      this.checker.now = this.now;
      this.handle(ev.value);
      if (stop?.()) return;
    }
    this.now = Math.max(this.now, time);
  }

  runFor(duration: number, stop?: () => boolean): void {
    this.runUntil(this.now + duration, stop);
  }

  /** The established leader with the highest epoch, if any. */
  leader(): SimMember | undefined {
    let best: SimMember | undefined;
    for (const m of this.members.values()) {
      if (m.peer?.isEstablishedLeader && (!best || m.peer.epoch > best.peer!.epoch)) best = m;
    }
    return best;
  }

  /** Proposes through member `id` (leader: propose; learner: forward). Returns the zxid or undefined. */
  submit(id: number, data: Buffer): number | undefined {
    const m = this.member(id);
    const p = m.peer;
    if (!p) return undefined;
    let zxid: number | undefined;
    try {
      if (p.isEstablishedLeader) zxid = p.propose(data);
      else p.forward(data);
    } catch (err) {
      if (err instanceof NotLeaderError || err instanceof NoLeaderError) return undefined;
      throw err;
    }
    this.drain(m);
    return zxid;
  }

  /** Whether every member currently up has applied `zxid`. */
  appliedEverywhere(zxid: number): boolean {
    for (const m of this.members.values()) {
      if (!m.up) return false;
      const a = m.applied;
      if (a.length === 0 || a[a.length - 1]!.zxid < zxid) return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- event handling

  private handle(ev: SimEvent): void {
    switch (ev.kind) {
      case 'deliver': {
        const { d } = ev;
        const m = this.members.get(d.to)!;
        if (!m.peer || !this.network.connected(d.from, d.to)) return;
        const peer = m.peer;
        this.guard(m, () => peer.step(d.from, d.msg));
        this.drain(m);
        return;
      }
      case 'tick': {
        const m = this.members.get(ev.id)!;
        if (!m.peer || m.inc !== ev.inc) return;
        const peer = m.peer;
        this.guard(m, () => peer.tick());
        this.drain(m);
        this.queue.push(this.now + this.opts.tickInterval, ev);
        return;
      }
      case 'flush': {
        const m = this.members.get(ev.id)!;
        if (!m.peer || m.inc !== ev.inc) return;
        m.flushScheduled = false;
        if (m.pending.length === 0) return;
        const d = m.durable;
        for (const e of m.pending) {
          const last = d.entries.length > 0 ? d.entries[d.entries.length - 1]!.zxid : d.base;
          if (e.zxid <= last)
            this.checker.violations.push({
              time: this.now,
              kind: 'log-order',
              detail: `member ${m.id} appended ${e.zxid} after ${last}`,
            });
          d.entries.push(e);
        }
        const upto = m.pending[m.pending.length - 1]!.zxid;
        m.pending = [];
        const peer = m.peer;
        this.guard(m, () => peer.persisted(upto));
        this.drain(m);
        return;
      }
      case 'call':
        ev.fn();
        return;
    }
  }

  /** Carries out every Ready of member `m` in the order zab/ready.ts prescribes. */
  drain(m: SimMember): void {
    for (let guard = 0; m.peer && m.peer.hasReady(); guard++) {
      if (guard > 1000) throw new Error('ready loop does not settle');
      const r = m.peer.ready();
      this.apply(m, r);
    }
  }

  private apply(m: SimMember, r: Ready): void {
    const d = m.durable;
    for (const op of r.snapshotIntake) {
      if (op.kind === 'abort') m.intake = [];
      else {
        if (op.seq === 0) m.intake = [];
        m.intake.push(op.data);
      }
    }
    // The durable part, step by step in the real host's order (server/member.ts installSnapshot: log
    // cut, then the snapshot published; zab-host.ts: truncation, then acceptedEpoch, then currentEpoch).
    const steps: (() => void)[] = [];
    if (r.snapshot) {
      const snap = r.snapshot;
      this.stats.snaps++;
      const content = decodeSnapshot(Buffer.concat(m.intake));
      m.intake = [];
      steps.push(() => {
        d.entries = d.entries.slice(0, upperBound(d.entries, snap.zxid));
      });
      steps.push(() => {
        d.base = snap.zxid;
        d.baseEntries = content;
        d.entries = [];
        m.pending = [];
        m.applied = content.slice();
        this.checker.onSnapshot(m.id, m.applied);
      });
    }
    if (r.truncateAfter !== undefined) {
      this.stats.truncs++;
      const t = r.truncateAfter;
      steps.push(() => {
        this.checker.onTruncate(m.id, t);
        d.entries = d.entries.slice(0, upperBound(d.entries, t));
        m.pending = m.pending.filter((e) => e.zxid <= t);
      });
    }
    const accepted = r.acceptedEpoch;
    if (accepted !== undefined) steps.push(() => void (d.acceptedEpoch = accepted));
    const current = r.currentEpoch;
    if (current !== undefined) steps.push(() => void (d.currentEpoch = current));
    let crashBefore = steps.length;
    if (this.metadataCrashRate > 0 && steps.length > 0 && this.metadataRng.chance(this.metadataCrashRate)) {
      crashBefore = this.metadataRng.int(steps.length);
    }
    for (let i = 0; i < crashBefore; i++) steps[i]!();
    if (crashBefore < steps.length) {
      // Power lost between two durable writes: nothing after them (appends, messages) happens.
      this.metadataCrashes++;
      this.crash(m.id);
      return;
    }
    if (r.entries.length > 0) {
      for (const e of r.entries) m.pending.push(e);
      if (!m.flushScheduled) {
        m.flushScheduled = true;
        const t = this.now + this.rng.between(this.opts.diskMinLatency, this.opts.diskMaxLatency);
        this.queue.push(t, { kind: 'flush', id: m.id, inc: m.inc });
      }
    }
    for (const env of r.messages) {
      if (env.msg.type === 'newleader') {
        if (env.msg.mode === 'diff') this.stats.diffs++;
      }
      this.network.send(this.now, { from: m.id, to: env.to, msg: env.msg });
    }
    for (const e of r.committed) {
      this.checker.onApply(m.id, e);
      m.applied.push(e);
    }
    for (const id of r.syncsDone) m.syncsDone.push(id);
    if (r.status && r.status.state === PeerState.LEADING && r.status.serving) {
      this.checker.onEstablished(m.id, r.status.epoch, m.history());
    }
    if (r.forwarded.length > 0 && m.peer?.isEstablishedLeader) {
      const peer = m.peer;
      for (const f of r.forwarded) {
        try {
          peer.propose(f.data);
        } catch (err) {
          if (!(err instanceof NotLeaderError)) throw err;
        }
      }
    }
    for (const s of r.snapshotSends) this.streamSnapshot(m, s);
  }

  /** The leader host's side of a SNAP: the pieces go out now, snapshotSent is reported a little later. */
  private streamSnapshot(m: SimMember, s: SnapshotSend): void {
    const bytes = Buffer.concat([...s.snapshot.records]);
    const n = Math.max(1, Math.ceil(bytes.length / SNAP_PIECE_BYTES));
    for (let seq = 0; seq < n; seq++) {
      const data = bytes.subarray(seq * SNAP_PIECE_BYTES, (seq + 1) * SNAP_PIECE_BYTES);
      this.network.send(this.now, {
        from: m.id,
        to: s.to,
        msg: {
          type: 'snap-chunk',
          syncId: s.syncId,
          epoch: s.epoch,
          zxid: s.snapshot.zxid,
          seq,
          last: seq === n - 1,
          data,
        },
      });
    }
    const inc = m.inc;
    this.queue.push(this.now + SNAP_STREAM_TIME, {
      kind: 'call',
      fn: () => {
        const peer = m.peer;
        if (!peer || m.inc !== inc) return;
        this.guard(m, () => peer.snapshotSent(s.to, s.syncId));
        this.drain(m);
      },
    });
  }

  /** Runs a peer call; a ZabInvariantError is a safety violation and stops that member. */
  private guard<T>(m: SimMember, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ZabInvariantError) {
        this.checker.violations.push({
          time: this.now,
          kind: 'peer-invariant',
          detail: `member ${m.id}: ${err.message}`,
        });
        this.crash(m.id);
        return undefined;
      }
      throw err;
    }
  }
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

export { encodeSnapshot };
