/**
 * The znodes of a DataTree as columns indexed by a node id (struct of arrays), not one object per
 * node. The memory budget is 1,000,000 100-byte znodes in one member under 406 MiB resident; an
 * object per znode costs ~120 bytes of slots plus a 16-byte HeapNumber per zxid/time field (those
 * exceed a small integer once the epoch is above 0) plus a ~100-byte Buffer view for its data. As
 * columns, the stored stat is 72 bytes in typed arrays (outside the JS heap, never scanned by the
 * GC), the data sits in slabs (data-slab.ts), the ACL is an index into an interned table, children
 * are a Set of ids, and the path string is held once (by the path index and the `paths` column).
 *
 * `cversion` holds ZooKeeper's STORED cversion, i.e. the number of child creations, which is also
 * the sequential counter; the cversion a client sees is derived (see {@link NodeTable.stat}).
 * Ids of deleted nodes are reused: never keep an id across a txn; keep the path.
 */
import type { ACL, Stat } from '../protocol/records.js';
import { aclKey } from './acl.js';
import { DataSlab } from './data-slab.js';
import { clientEphemeralOwner } from './node-kind.js';

const INITIAL_CAPACITY = 1024;

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
  private readonly ids = new Map<string, number>();
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
  /** The node's path; the same string object is the key in the path index. */
  readonly paths: (string | undefined)[] = [];
  /** Child ids, created with the first child and dropped with the last. */
  readonly children: (Set<number> | undefined)[] = [];
  readonly data = new DataSlab(INITIAL_CAPACITY);

  /** Interned ACL lists (frozen, shared by every node that has the same list). */
  private readonly acls: (readonly ACL[])[] = [];
  private readonly aclIds = new Map<string, number>();

  get size(): number {
    return this.ids.size;
  }

  /** The id of the node at `path`, or undefined. */
  idOf(path: string): number | undefined {
    return this.ids.get(path);
  }

  /** Paths of every node, in insertion order of their current ids' creation (diagnostics). */
  allPaths(): IterableIterator<string> {
    return this.ids.keys();
  }

  /** Ids of every node. */
  allIds(): IterableIterator<number> {
    return this.ids.values();
  }

  /** Adds a node; the caller links it to its parent. */
  insert(path: string, data: Buffer | null, f: StoredFields): number {
    const id = this.freeIds.pop() ?? this.allocate();
    this.ids.set(path, id);
    this.paths[id] = path;
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

  /** Removes node `id` (the caller unlinks it from its parent and its children first). */
  remove(id: number): void {
    this.ids.delete(this.paths[id]!);
    this.paths[id] = undefined;
    this.children[id] = undefined;
    this.data.release(id);
    this.freeIds.push(id);
  }

  addChild(parent: number, child: number): void {
    let set = this.children[parent];
    if (set === undefined) this.children[parent] = set = new Set();
    set.add(child);
  }

  removeChild(parent: number, child: number): void {
    const set = this.children[parent];
    if (set === undefined) return;
    set.delete(child);
    if (set.size === 0) this.children[parent] = undefined;
  }

  numChildren(id: number): number {
    return this.children[id]?.size ?? 0;
  }

  acl(id: number): readonly ACL[] {
    return this.acls[this.aclIndex[id]!]!;
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
    }
    return i;
  }

  private allocate(): number {
    if (this.next === this.capacity) this.grow(this.capacity * 2);
    // Keep both columns dense (one slot per id ever allocated): assigning far past an array's end
    // would turn it into a slow dictionary-mode array.
    this.paths.push(undefined);
    this.children.push(undefined);
    return this.next++;
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(capacity);
      b.set(a);
      return b;
    };
    this.czxid = f64(this.czxid);
    this.mzxid = f64(this.mzxid);
    this.ctime = f64(this.ctime);
    this.mtime = f64(this.mtime);
    this.pzxid = f64(this.pzxid);
    const owner = new BigInt64Array(capacity);
    owner.set(this.owner);
    this.owner = owner;
    this.version = i32(this.version);
    this.cversion = i32(this.cversion);
    this.aversion = i32(this.aversion);
    this.aclIndex = i32(this.aclIndex);
    this.data.grow(capacity);
    this.capacity = capacity;
  }
}
