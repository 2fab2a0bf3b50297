/**
 * The tree digest members compare (mntr's tree_digest, the admin endpoint, recovery specs): one
 * SHA-256 per node over its path, data, ACL and every stored stat field, summed lane-wise, so it
 * is order-independent and needs no sort. The value is unchanged from the original loop over all
 * nodes; what changed is when it is computed.
 *
 * Hashing a million nodes takes seconds at ~2 us per SHA-256 call (the per-call cost of Node's
 * crypto, not the bytes), far too long to block a member for each mntr. So, as ZooKeeper's
 * DigestCalculator does, the sum is kept as the tree changes: before a node's hashed fields change
 * it is {@link TreeDigest.touch}ed (its current hash leaves the sum, once), and the touched ids
 * are hashed again in batches at the end of a txn ({@link TreeDigest.settle}) or when the value
 * is read. A node rewritten many times between settles is hashed twice, not per write.
 *
 * Keeping the sum costs writes one to two hashes each (~3 us per node touched), so it starts only
 * when the digest is first asked for, and from then on the sum is kept. A member nobody asks (a
 * standalone: mntr shows the digest only in an ensemble) and a tree being restored from a snapshot
 * pay nothing. The first sum hashes every node once: {@link TreeDigest.value} does it at once (tests,
 * in-process callers), {@link TreeDigest.valueWithin} in slices of bounded size between txns, so a
 * monitoring poll of mntr never stalls a member for seconds (3.3 s per million nodes here). While
 * a sliced build runs, ids below its cursor are in the sum and kept as they change; ids at or above
 * it are hashed, as they are then, when the cursor reaches them.
 */
import { hash } from 'node:crypto';
import type { NodeTable } from './node-table.js';

/** Touched ids hashed together once a txn ends with at least this many pending. */
const SETTLE_BATCH = 1024;
const NULL_DATA = Buffer.from('\u0001null', 'utf8');
const COMMA = 0x2c;
const MINUS = 0x2d;
const ZERO = 0x30;

export class TreeDigest {
  private readonly lanes = new Uint32Array(8);
  /** Ids whose hash is not in the sum: touched live nodes and freshly inserted ones. */
  private readonly pending = new Set<number>();
  /**
   * Ids below `kept` are in the sum (but `pending`) and kept as they change: 0 until the digest is
   * first asked for, then the cursor of the first sum, then Infinity once every id was reached.
   */
  private kept = 0;
  private scratch = Buffer.allocUnsafeSlow(1024);

  constructor(private readonly nodes: NodeTable) {}

  /** Call before changing a hashed field of live node `id` (data, ACL, stat, children) or removing it. */
  touch(id: number): void {
    if (id >= this.kept || this.pending.has(id)) return;
    this.pending.add(id);
    this.addNode(id, -1);
  }

  /** Call after a node was inserted at `id` (a free id holds no hash in the sum). */
  inserted(id: number): void {
    if (id < this.kept) this.pending.add(id);
  }

  /** Hashes the pending ids once enough have gathered; call only between txns (nodes consistent). */
  settle(): void {
    if (this.pending.size >= SETTLE_BATCH) this.flush();
  }

  /** The digest: 64 hex digits and the node count (hashing every node not yet summed, at once). */
  value(): string {
    this.advance(Infinity);
    return this.render();
  }

  /**
   * The digest, or undefined while the first sum is still being built: each call hashes at most
   * `budget` more nodes (call again, from another turn of the event loop, until it answers).
   */
  valueWithin(budget: number): string | undefined {
    return this.advance(budget) ? this.render() : undefined;
  }

  /** Moves the first sum's cursor over at most `budget` live nodes; true once the sum is whole. */
  private advance(budget: number): boolean {
    // Until the first sum starts nothing is added (no id is below a `kept` of 0): it starts from
    // empty lanes and no pending ids.
    if (this.kept !== Infinity) {
      const end = this.nodes.idBound;
      let id = this.kept;
      for (; id < end && budget > 0; id++) {
        if (!this.nodes.isLive(id)) continue;
        this.addNode(id, 1);
        budget--;
      }
      this.kept = id;
      if (id < end) return false;
      // Every id was reached: from now on an insert at any id joins the sum through `pending`.
      this.kept = Infinity;
    }
    this.flush();
    return true;
  }

  private render(): string {
    let hex = '';
    for (const x of this.lanes) hex += x.toString(16).padStart(8, '0');
    return `${hex}:${this.nodes.size}`;
  }

  private flush(): void {
    for (const id of this.pending) if (this.nodes.isLive(id)) this.addNode(id, 1);
    this.pending.clear();
  }

  /** Adds (sign 1) or subtracts (sign -1) node `id`'s hash to the lanes. */
  private addNode(id: number, sign: 1 | -1): void {
    const n = this.encode(id);
    // One-shot hash: no Hash object per node (the per-call cost dominates ~200-byte inputs).
    const d = hash('sha256', this.scratch.subarray(0, n), 'buffer');
    const lanes = this.lanes;
    for (let i = 0; i < 8; i++) lanes[i] = (lanes[i]! + sign * d.readUInt32BE(i * 4)) >>> 0;
  }

  /**
   * Node `id`'s hashed bytes into the scratch buffer: path, NUL, data (or "\u0001null"), aclKey,
   * then "owner,czxid,mzxid,ctime,mtime,version,cversion,aversion,pzxid,numChildren" in decimal,
   * exactly the bytes the original per-node updates fed the hash. Bytes are copied in place from
   * the slabs and numbers written digit by digit: no view, string or native call per field.
   */
  private encode(id: number): number {
    const t = this.nodes;
    const paths = t.pathStore;
    const acl = t.aclKeyOf(id);
    const dataLength = t.data.length(id);
    const need = paths.length(id) + dataLength + acl.length + 256;
    if (need > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(need * 2);
    const b = this.scratch;
    let at = copyBytes(paths.backing(id)!, paths.start(id), paths.length(id), b, 0);
    b[at++] = 0;
    if (t.data.isNull(id)) at = copyBytes(NULL_DATA, 0, NULL_DATA.length, b, at);
    else if (dataLength > 0) at = copyBytes(t.data.backing(id)!, t.data.start(id), dataLength, b, at);
    at = copyBytes(acl, 0, acl.length, b, at);
    const owner = t.owner[id]!;
    at = owner === 0n ? writeDecimal(b, at, 0) : at + b.write(owner.toString(), at, 'latin1');
    const stat = [
      t.czxid[id]!,
      t.mzxid[id]!,
      t.ctime[id]!,
      t.mtime[id]!,
      t.version[id]!,
      t.cversion[id]!,
      t.aversion[id]!,
      t.pzxid[id]!,
      t.numChildren(id),
    ];
    for (const x of stat) {
      b[at++] = COMMA;
      at = writeDecimal(b, at, x);
    }
    return at;
  }
}

/** Copies `len` bytes from `src` at `from` to `dst` at `at`; returns the offset after them. */
function copyBytes(src: Uint8Array, from: number, len: number, dst: Uint8Array, at: number): number {
  // A loop beats a native Buffer.copy call for the short runs here (paths, ACL keys, small values).
  if (len > 512) {
    dst.set(src.subarray(from, from + len), at);
    return at + len;
  }
  for (let i = 0; i < len; i++) dst[at + i] = src[from + i]!;
  return at + len;
}

/** Writes `x` as String(x) would, without the string; returns the offset after it. */
function writeDecimal(b: Buffer, at: number, x: number): number {
  if (!Number.isSafeInteger(x)) return at + b.write(String(x), at, 'latin1');
  if (x < 0) {
    b[at++] = MINUS;
    x = -x;
  }
  if (x <= 0x7fffffff) return writeSmall(b, at, x | 0);
  // Above int32 (zxids, times): the high part, then the low nine digits zero-padded.
  const high = Math.floor(x / 1e9);
  at = writeSmall(b, at, high);
  let low = (x - high * 1e9) | 0;
  for (let i = at + 8; i >= at; i--) {
    b[i] = ZERO + (low % 10);
    low = (low / 10) | 0;
  }
  return at + 9;
}

/** Decimal digits of a non-negative int32. */
function writeSmall(b: Uint8Array, at: number, x: number): number {
  let end = at;
  for (let v = x; v >= 10; v = (v / 10) | 0) end++;
  for (let i = end; i >= at; i--) {
    b[i] = ZERO + (x % 10);
    x = (x / 10) | 0;
  }
  return end + 1;
}
