/**
 * The learner's side of a SNAP stream: each payload the ZAB core accepts (in sequence, for the
 * current sync attempt) is written on at once to a snapshot file that stays unpublished (`.tmp`)
 * until NEWLEADER installs it; the payloads are kept as received (the tree once, compactly) so the
 * database can be rebuilt from them without reading the file back or holding a second copy of the
 * records. An aborted stream (cut link, superseded attempt, member stopping) discards the file:
 * nothing partial is ever installed or left to be found at restart.
 */
import { RuntimeInconsistencyError } from '../protocol/errors.js';
import type { SnapshotIntakeOp } from '../zab/ready.js';
import { decodeSnapshotPayload, payloadRecords } from './snapshot-payload.js';

/**
 * Writes a snapshot file (SnapshotStore.write's shape): publishes it once `records` ends, removes the
 * partial file when iterating `records` throws.
 */
export type SnapshotFileWriter = (zxid: number, records: AsyncIterable<Buffer>) => Promise<unknown>;

/** A snapshot fully received, for the member to install. */
export interface ReceivedSnapshot {
  readonly zxid: number;
  /** the records exactly as the leader sent them (decoded lazily; may be iterated more than once) */
  records(): Iterable<Buffer>;
  /** finishes the snapshot file (CRC trailer, fsync, rename into place); rejects on a disk error */
  publish(): Promise<void>;
}

/** The snapshot named by NEWLEADER is not the one received (a host bug: the core checks this). */
export class SnapshotIntakeError extends RuntimeInconsistencyError {
  constructor(detail: string) {
    super(undefined, { detail });
  }
}

/** Ends the file writer's input when a stream is abandoned. */
class SnapshotAbortedError extends Error {
  override readonly name = 'SnapshotAbortedError';
}

/** Payloads handed to the file writer as one async stream of records. */
class PayloadQueue implements AsyncIterable<Buffer> {
  private readonly payloads: Buffer[] = [];
  private next = 0;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  push(p: Buffer): void {
    this.payloads.push(p);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  fail(err: Error): void {
    this.failure = err;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.next < this.payloads.length) {
        yield* decodeSnapshotPayload(this.payloads[this.next++]!);
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

interface Incoming {
  readonly zxid: number;
  readonly payloads: Buffer[];
  readonly queue: PayloadQueue;
  readonly written: Promise<unknown>;
}

export class SnapshotIntake {
  private cur: Incoming | undefined;
  /** the newest file writer, settled or not (idle() waits for it) */
  private lastWrite: Promise<unknown> = Promise.resolve();

  constructor(private readonly writeFile: SnapshotFileWriter) {}

  /** True while a snapshot is being received. */
  get receiving(): boolean {
    return this.cur !== undefined;
  }

  /** Carries out one op of `Ready.snapshotIntake`. */
  apply(op: SnapshotIntakeOp): void {
    if (op.kind === 'abort') {
      this.abort();
      return;
    }
    if (op.seq === 0) {
      this.abort();
      const queue = new PayloadQueue();
      const written = this.writeFile(op.zxid, queue);
      // An abandoned stream rejects here by design; a real write error surfaces in publish().
      this.lastWrite = written.catch(() => undefined);
      this.cur = { zxid: op.zxid, payloads: [], queue, written };
    }
    const cur = this.cur;
    if (!cur || cur.zxid !== op.zxid)
      throw new SnapshotIntakeError(`piece ${op.seq} of a snapshot never started`);
    cur.payloads.push(op.data);
    cur.queue.push(op.data);
  }

  /** Resolves once the newest file writer is done (published, or its partial file removed). */
  async idle(): Promise<void> {
    await this.lastWrite;
  }

  /** Discards the snapshot being received, if any (its partial file is removed). */
  abort(): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = undefined;
    cur.queue.fail(new SnapshotAbortedError('snapshot stream abandoned'));
  }

  /**
   * Takes the snapshot received for `zxid` (Ready.snapshot): the intake is empty afterwards.
   * @throws SnapshotIntakeError when no such snapshot was received.
   */
  take(zxid: number): ReceivedSnapshot {
    const cur = this.cur;
    if (!cur || cur.zxid !== zxid) {
      throw new SnapshotIntakeError(
        `asked to install snapshot 0x${zxid.toString(16)}, which was not received`,
      );
    }
    this.cur = undefined;
    return {
      zxid,
      records: () => payloadRecords(cur.payloads),
      publish: async () => {
        cur.queue.end();
        await cur.written;
      },
    };
  }
}
