/**
 * The znodes of a DataTree as columns indexed by a node id (struct of arrays), not one object per
 * node. The memory budget is 1,000,000 100-byte znodes in one member under 406 MiB resident; an
 * object per znode costs ~120 bytes of slots plus a 16-byte HeapNumber per zxid/time field (those
 * exceed a small integer once the epoch is above 0) plus a ~100-byte Buffer view for its data. As
 * columns, the stored stat is 72 bytes in typed arrays (outside the JS heap, never scanned by the
 * GC), the data sits in slabs (data-slab.ts), the ACL is an index into an interned table, children
 * are a doubly linked list of ids in four more int32 columns (insertion order, O(1) unlink), and
 * the path is UTF-8 bytes in slabs too (path-bytes.ts), which the path index (path-index.ts, also
 * typed arrays) compares keys against in place: no per-znode object is left in the JS heap.
 *
 * `cversion` holds ZooKeeper's STORED cversion, i.e. the number of child creations, which is also
 * the sequential counter; the cversion a client sees is derived (see {@link NodeTable.stat}).
 * Ids of deleted nodes are reused: never keep an id across a txn; keep the path.
 */
import type { ACL, Stat } from '../protocol/records.js';
import { aclKey } from './acl.js';
import { DataSlab } from './data-slab.js';
import { growColumn } from './columns.js';
import { clientEphemeralOwner } from './node-kind.js';
import { PathBytes } from './path-bytes.js';
import { PathIndex } from './path-index.js';

const INITIAL_CAPACITY = 1024;
/** "no node" in the child-link columns. */
export const NO_NODE = -1;

/** Every stored field of a node except its data and children (insert's argument). */
export interface StoredFields {
  acl: readonly ACL[];
  ephemeralOwner: bigint;
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  pzxid: number;
}

export class NodeTable {
  private capacity = INITIAL_CAPACITY;
  private readonly freeIds: number[] = [];
  private next = 0;

  czxid = new Float64Array(INITIAL_CAPACITY);
  mzxid = new Float64Array(INITIAL_CAPACITY);
  ctime = new Float64Array(INITIAL_CAPACITY);
  mtime = new Float64Array(INITIAL_CAPACITY);
  pzxid = new Float64Array(INITIAL_CAPACITY);
  owner = new BigInt64Array(INITIAL_CAPACITY);
  version = new Int32Array(INITIAL_CAPACITY);
  cversion = new Int32Array(INITIAL_CAPACITY);
  aversion = new Int32Array(INITIAL_CAPACITY);
  private aclIndex = new Int32Array(INITIAL_CAPACITY);
  /** Children as a doubly linked list: first/last child of a node, next/previous sibling. */
  firstChild = new Int32Array(INITIAL_CAPACITY).fill(NO_NODE);
  private lastChild = new Int32Array(INITIAL_CAPACITY).fill(NO_NODE);
  nextSibling = new Int32Array(INITIAL_CAPACITY).fill(NO_NODE);
  private prevSibling = new Int32Array(INITIAL_CAPACITY).fill(NO_NODE);
  private childCount = new Int32Array(INITIAL_CAPACITY);
  /** The node's path as bytes (none for a free id). */
  private readonly pathBytes = new PathBytes(INITIAL_CAPACITY);
  private readonly index = new PathIndex(this.pathBytes, INITIAL_CAPACITY);
  readonly data = new DataSlab(INITIAL_CAPACITY);

  /** Interned ACL lists (frozen, shared by every node that has the same list). */
  private readonly acls: (readonly ACL[])[] = [];
  private readonly aclIds = new Map<string, number>();
  /** Each interned list's aclKey as UTF-8 (the digest hashes it per node). */
  private readonly aclKeyBytes: Buffer[] = [];

  get size(): number {
    return this.index.size;
  }

  /** The id of the node at `path`, or undefined. */
  idOf(path: string): number | undefined {
    return this.index.get(path);
  }

  /** Node `id`'s path (decoded from its bytes: a new string per call). */
  pathOf(id: number): string {
    return this.pathBytes.pathOf(id);
  }

  /** Node `id`'s last path segment. */
  nameOf(id: number): string {
    return this.pathBytes.nameOf(id);
  }

  /** The path bytes' store (the digest reads them in place). */
  get pathStore(): DataSlab {
    return this.pathBytes.slab;
  }

  /** Paths of every node, in id order (diagnostics). */
  *allPaths(): Generator<string> {
    for (const id of this.allIds()) yield this.pathOf(id);
  }

  /** One past the highest id ever used: every live id is below it. */
  get idBound(): number {
    return this.next;
  }

  /** Ids of every node, ascending. */
  *allIds(): Generator<number> {
    for (let id = 0; id < this.next; id++) if (this.pathBytes.has(id)) yield id;
  }

  /** Whether `id` holds a node. */
  isLive(id: number): boolean {
    return this.pathBytes.has(id);
  }

  /** Adds a node; the caller links it to its parent. */
  insert(path: string, data: Buffer | null, f: StoredFields): number {
    const id = this.freeIds.pop() ?? this.allocate();
    this.index.add(id, this.pathBytes.set(id, path));
    this.czxid[id] = f.czxid;
    this.mzxid[id] = f.mzxid;
    this.ctime[id] = f.ctime;
    this.mtime[id] = f.mtime;
    this.pzxid[id] = f.pzxid;
    this.owner[id] = f.ephemeralOwner;
    this.version[id] = f.version;
    this.cversion[id] = f.cversion;
    this.aversion[id] = f.aversion;
    this.aclIndex[id] = this.intern(f.acl);
    this.data.store(id, data);
    return id;
  }

  /** Removes node `id` (the caller removes its children and unlinks it from its parent first). */
  remove(id: number): void {
    this.index.remove(id);
    this.pathBytes.release(id);
    this.firstChild[id] = this.lastChild[id] = NO_NODE;
    this.nextSibling[id] = this.prevSibling[id] = NO_NODE;
    this.childCount[id] = 0;
    this.data.release(id);
    this.freeIds.push(id);
  }

  /** Appends `child` to `parent`'s children (getChildren lists them in creation order). */
  addChild(parent: number, child: number): void {
    const last = this.lastChild[parent]!;
    this.prevSibling[child] = last;
    this.nextSibling[child] = NO_NODE;
    if (last === NO_NODE) this.firstChild[parent] = child;
    else this.nextSibling[last] = child;
    this.lastChild[parent] = child;
    this.childCount[parent]!++;
  }

  removeChild(parent: number, child: number): void {
    const prev = this.prevSibling[child]!;
    const next = this.nextSibling[child]!;
    if (prev === NO_NODE) this.firstChild[parent] = next;
    else this.nextSibling[prev] = next;
    if (next === NO_NODE) this.lastChild[parent] = prev;
    else this.prevSibling[next] = prev;
    this.prevSibling[child] = this.nextSibling[child] = NO_NODE;
    this.childCount[parent]!--;
  }

  /** Child ids in creation order (a snapshot: safe to remove children while using it). */
  childIds(id: number): number[] {
    const out: number[] = [];
    for (let c = this.firstChild[id]!; c !== NO_NODE; c = this.nextSibling[c]!) out.push(c);
    return out;
  }

  numChildren(id: number): number {
    return this.childCount[id]!;
  }

  acl(id: number): readonly ACL[] {
    return this.acls[this.aclIndex[id]!]!;
  }

  /** UTF-8 bytes of node `id`'s {@link aclKey} (shared: do not mutate). */
  aclKeyOf(id: number): Buffer {
    return this.aclKeyBytes[this.aclIndex[id]!]!;
  }

  setAcl(id: number, acl: readonly ACL[]): void {
    this.aclIndex[id] = this.intern(acl);
  }

  /**
   * The client-visible Stat of a node. Two derivations observed on Apache ZooKeeper 3.8.0:
   * - cversion = 2 * storedCversion - numChildren, so it counts child creations AND deletions
   *   (3 sequential creates -> 3; delete one -> 4; the next sequential name is still ...0003);
   *   this is also why a fresh server shows cversion -1 on "/" and -2 on "/zookeeper".
   * - ephemeralOwner is 0 for container and TTL nodes.
   */
  stat(id: number): Stat {
    const numChildren = this.numChildren(id);
    return {
      czxid: this.czxid[id]!,
      mzxid: this.mzxid[id]!,
      ctime: this.ctime[id]!,
      mtime: this.mtime[id]!,
      version: this.version[id]!,
      cversion: (2 * this.cversion[id]! - numChildren) | 0,
      aversion: this.aversion[id]!,
      ephemeralOwner: clientEphemeralOwner(this.owner[id]!),
      dataLength: this.data.length(id),
      numChildren,
      pzxid: this.pzxid[id]!,
    };
  }

  private intern(acl: readonly ACL[]): number {
    const key = aclKey(acl);
    let i = this.aclIds.get(key);
    if (i === undefined) {
      i = this.acls.length;
      this.acls.push(
        Object.freeze(acl.map((a) => Object.freeze({ perms: a.perms, id: Object.freeze({ ...a.id }) }))),
      );
      this.aclIds.set(key, i);
      this.aclKeyBytes.push(Buffer.from(key, 'utf8'));
    }
    return i;
  }

  private allocate(): number {
    if (this.next === this.capacity) this.grow(this.capacity * 2);
    return this.next++;
  }

  private grow(capacity: number): void {
    this.czxid = growColumn(this.czxid, capacity);
    this.mzxid = growColumn(this.mzxid, capacity);
    this.ctime = growColumn(this.ctime, capacity);
    this.mtime = growColumn(this.mtime, capacity);
    this.pzxid = growColumn(this.pzxid, capacity);
    this.owner = growColumn(this.owner, capacity);
    this.version = growColumn(this.version, capacity);
    this.cversion = growColumn(this.cversion, capacity);
    this.aversion = growColumn(this.aversion, capacity);
    this.aclIndex = growColumn(this.aclIndex, capacity);
    this.firstChild = growColumn(this.firstChild, capacity, NO_NODE);
    this.lastChild = growColumn(this.lastChild, capacity, NO_NODE);
    this.nextSibling = growColumn(this.nextSibling, capacity, NO_NODE);
    this.prevSibling = growColumn(this.prevSibling, capacity, NO_NODE);
    this.childCount = growColumn(this.childCount, capacity);
    this.pathBytes.grow(capacity);
    this.index.growIds(capacity);
    this.data.grow(capacity);
    this.capacity = capacity;
  }
}
