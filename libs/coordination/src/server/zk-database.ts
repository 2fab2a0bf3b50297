/**
 * The replicated state of a member: the znode tree plus the session table. Both change only by
 * applying committed txns in zxid order, so every member that applied the same prefix holds the
 * same state. Also owns the snapshot layout (sessions first, then the tree's node records).
 */
import { MarshallingError } from '../protocol/errors.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { DataTree, type ApplyResult } from '../tree/data-tree.js';
import type { Txn } from '../tree/txn.js';

export interface SessionRecord {
  id: bigint;
  timeoutMs: number;
  passwd: Buffer;
}

const SNAPSHOT_MAGIC = 0x52475331; // "RGS1"

export class ZkDatabase<W = unknown> {
  readonly sessions = new Map<bigint, SessionRecord>();

  constructor(public tree: DataTree<W> = new DataTree<W>()) {}

  get lastZxid(): number {
    return this.tree.lastProcessedZxid;
  }

  /** Apply one committed txn. Session-table effects happen here; znode effects in the tree. */
  apply(txn: Txn): ApplyResult<W> {
    const body = txn.body;
    if (body.type === 'createSession') {
      this.sessions.set(txn.header.sessionId, {
        id: txn.header.sessionId,
        timeoutMs: body.timeOut,
        passwd: body.passwd,
      });
    }
    const result = this.tree.apply(txn);
    if (body.type === 'closeSession') this.sessions.delete(txn.header.sessionId);
    return result;
  }

  /**
   * Snapshot chunks. Fuzzy by design: the caller may apply txns between chunks; recovery replays
   * the log from the zxid recorded here, and replay is idempotent.
   */
  *snapshotChunks(): Generator<Buffer> {
    const w = new JuteWriter();
    w.int(SNAPSHOT_MAGIC);
    w.zxid(this.tree.lastProcessedZxid);
    w.int(this.sessions.size);
    for (const s of this.sessions.values()) {
      w.long(s.id);
      w.int(s.timeoutMs);
      w.buffer(s.passwd);
    }
    yield w.toBuffer();
    yield* this.tree.serializeNodes();
  }

  /**
   * Rebuild from snapshot chunks (the first chunk is the session header written above). Takes any
   * iterable and reads it once, so a caller can feed records lazily without materializing them.
   */
  static restore<W>(chunks: Iterable<Buffer>): ZkDatabase<W> {
    const it = chunks[Symbol.iterator]();
    const head = it.next();
    if (head.done) throw new MarshallingError(undefined, { detail: 'empty snapshot' });
    const r = new JuteReader(head.value);
    if (r.int() !== SNAPSHOT_MAGIC)
      throw new MarshallingError(undefined, { detail: 'not a registrar snapshot' });
    const lastZxid = r.zxid();
    const count = r.int();
    const rest: Iterable<Buffer> = { [Symbol.iterator]: () => it };
    const db = new ZkDatabase<W>(DataTree.fromNodes<W>(rest, lastZxid));
    for (let i = 0; i < count; i++) {
      const id = r.long();
      const timeoutMs = r.int();
      const passwd = r.bytes();
      db.sessions.set(id, { id, timeoutMs, passwd });
    }
    return db;
  }
}
