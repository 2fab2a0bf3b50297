/**
 * The znode tree: applies committed txns deterministically, tracks ephemerals/containers/TTLs,
 * fires watches, and serializes itself for fuzzy snapshots. Pure: no clock, no I/O.
 *
 * Initial contents and Stat rules were checked against Apache ZooKeeper 3.8.0 (Debian) with kazoo:
 * "/" shows cversion -1 (1 child), "/zookeeper" cversion -2 (2 children), "/zookeeper/quota"
 * all zero, "/zookeeper/config" aversion -1 and ACL world:anyone:r; all other fields 0, data empty.
 * These fall out of storing cversion as "child creations" (0 for all four) and deriving the
 * visible cversion as 2*stored - numChildren; config's aversion is literally stored as -1.
 *
 * Watch notifications are NOT filtered by ACL here: 3.8.0 delivers events regardless of the
 * znode's READ ACL (the filter arrived with CVE-2024-23944 in 3.8.4); a server that wants it can
 * filter with `getAcl(path)` (for deletes, the ACL is gone: deliver).
 */
import { CONTAINER_EPHEMERAL_OWNER, ErrorCode, EventType, KeeperState } from '../protocol/constants.js';
import { DataInconsistencyError } from '../protocol/errors.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import type { ACL, SetWatchesRequest, Stat, WatcherEvent } from '../protocol/records.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from './acl.js';
import { TreeDigest } from './digest.js';
import { nodeKind, ttlOf } from './node-kind.js';
import { isAtOrBelow, parentPath } from './path.js';
import type { Txn, TxnBody } from './txn.js';
import { WatchManager, type WatchSummary } from './watch-manager.js';
import { NO_NODE, NodeTable, type StoredFields } from './node-table.js';
import type { WatcherType } from '../protocol/constants.js';

/** A watch event for one watcher. */
export interface Notification<W> {
  watcher: W;
  event: WatcherEvent;
  /**
   * ACL of the node the event is about, as it stood when the change applied. Apache ZooKeeper 3.8
   * (Debian's 3.8.0 with the CVE-2024-23944 fix) delivers an event only to a watcher that may READ
   * that node; the watch is consumed either way. The connection filters on it.
   */
  acl?: readonly ACL[];
}

/** Outcome of applying one txn (or one sub-txn of a multi). */
export type TxnResult =
  | { type: 'create'; path: string; stat: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'setACL'; stat: Stat }
  | { type: 'check'; stat?: Stat }
  | { type: 'createSession' }
  | { type: 'closeSession' }
  | { type: 'error'; err: number }
  | { type: 'multi'; results: TxnResult[] };

/** What {@link DataTree.apply} returns. */
export interface ApplyResult<W> {
  result: TxnResult;
  notifications: Notification<W>[];
}

const ZK = '/zookeeper';
const QUOTA = '/zookeeper/quota';
const CONFIG = '/zookeeper/config';

/** Paths that can never be deleted (ZKDatabase.isSpecialPath). */
export const SPECIAL_PATHS: ReadonlySet<string> = new Set(['/', ZK, QUOTA, CONFIG]);

/**
 * @example
 *   const tree = new DataTree<Conn>();
 *   const { result, notifications } = tree.apply(txn);
 *   for (const n of notifications) n.watcher.send(n.event);
 */
export class DataTree<W = unknown> {
  /** zxid of the last txn applied (or of the snapshot the tree was rebuilt from). */
  lastProcessedZxid = 0;
  /** Watch tables; the server may also use the convenience methods below. */
  readonly watches = new WatchManager<W>();

  /** The nodes, as columns by node id (see node-table.ts for why not an object per node). */
  private readonly nodes = new NodeTable();
  /** The running digest; every change to a node's hashed fields touches it first. */
  private readonly hash: TreeDigest;
  private readonly ephemeralsBySession = new Map<bigint, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private dataSize = 0;

  constructor(opts: { empty?: boolean } = {}) {
    this.hash = new TreeDigest(this.nodes);
    if (opts.empty) return;
    const fields = (acl: readonly ACL[], aversion = 0): StoredFields => ({
      acl,
      ephemeralOwner: 0n,
      czxid: 0,
      mzxid: 0,
      ctime: 0,
      mtime: 0,
      version: 0,
      cversion: 0,
      aversion,
      pzxid: 0,
    });
    this.insert('/', EMPTY, fields(OPEN_ACL_UNSAFE));
    this.insert(ZK, EMPTY, fields(OPEN_ACL_UNSAFE));
    this.insert(QUOTA, EMPTY, fields(OPEN_ACL_UNSAFE));
    this.insert(CONFIG, EMPTY, fields(READ_ACL_UNSAFE, -1));
  }

  // ---- structure ---------------------------------------------------------------------------

  /** Adds a node whose parent exists (or the root). Does not touch the parent's stat. */
  private insert(path: string, data: Buffer | null, f: StoredFields): number {
    let parent: number | undefined;
    if (path !== '/') {
      parent = this.nodes.idOf(parentPath(path));
      // The preparer checked the parent, and a snapshot lists parents first: a miss is corruption.
      if (parent === undefined) throw new DataInconsistencyError(path, { detail: 'parent missing' });
    }
    const id = this.nodes.insert(path, data, f);
    this.hash.inserted(id);
    if (parent !== undefined) {
      this.hash.touch(parent);
      this.nodes.addChild(parent, id);
    }
    this.dataSize += path.length + byteLength(data);
    this.index(path, f.ephemeralOwner, true);
    return id;
  }

  private index(path: string, owner: bigint, add: boolean): void {
    switch (nodeKind(owner)) {
      case 'ephemeral': {
        let set = this.ephemeralsBySession.get(owner);
        if (add) {
          if (!set) this.ephemeralsBySession.set(owner, (set = new Set()));
          set.add(path);
        } else if (set) {
          set.delete(path);
          if (set.size === 0) this.ephemeralsBySession.delete(owner);
        }
        break;
      }
      case 'container':
        if (add) this.containers.add(path);
        else this.containers.delete(path);
        break;
      case 'ttl':
        if (add) this.ttls.add(path);
        else this.ttls.delete(path);
        break;
      default:
        break;
    }
  }

  /** Removes a node and (defensively, for replays only) anything still below it. */
  private remove(path: string, id: number): void {
    if (this.nodes.numChildren(id) > 0)
      for (const c of this.nodes.childIds(id)) this.remove(this.nodes.pathOf(c), c);
    this.dataSize -= path.length + this.nodes.data.length(id);
    this.index(path, this.nodes.owner[id]!, false);
    const parent = this.nodes.idOf(parentPath(path));
    this.hash.touch(id);
    if (parent !== undefined) {
      this.hash.touch(parent);
      this.nodes.removeChild(parent, id);
    }
    this.nodes.remove(id);
  }

  // ---- apply -------------------------------------------------------------------------------

  /**
   * Applies a committed txn. Replays are tolerated (create of an existing node, delete of a
   * missing one, ...): they leave the tree as a first application would have, report an error
   * code in the result, and never throw.
   */
  apply(txn: Txn): ApplyResult<W> {
    const notes: Notification<W>[] = [];
    const result = this.applyBody(txn.body, txn.header.zxid, txn.header.time, txn.header.sessionId, notes);
    this.lastProcessedZxid = txn.header.zxid;
    this.hash.settle();
    return { result, notifications: notes };
  }

  private notify(
    path: string,
    type: EventType,
    notes: Notification<W>[],
    acl: readonly ACL[] | undefined,
  ): void {
    const watchers = this.watches.trigger(path, type);
    for (const watcher of watchers) {
      notes.push({ watcher, event: { type, state: KeeperState.SyncConnected, path }, acl });
    }
  }

  private applyBody(
    body: TxnBody,
    zxid: number,
    time: number,
    sessionId: bigint,
    notes: Notification<W>[],
  ): TxnResult {
    switch (body.type) {
      case 'create':
        return this.applyCreate(body, zxid, time, notes);
      case 'delete':
        return this.applyDelete(body.path, zxid, notes);
      case 'setData': {
        const t = this.nodes;
        const id = t.idOf(body.path);
        if (id === undefined) return { type: 'error', err: ErrorCode.NONODE };
        this.dataSize += byteLength(body.data) - t.data.length(id);
        this.hash.touch(id);
        t.data.store(id, body.data);
        t.version[id] = body.version;
        t.mzxid[id] = zxid;
        t.mtime[id] = time;
        this.notify(body.path, EventType.NodeDataChanged, notes, t.acl(id));
        return { type: 'setData', stat: t.stat(id) };
      }
      case 'setACL': {
        const id = this.nodes.idOf(body.path);
        if (id === undefined) return { type: 'error', err: ErrorCode.NONODE };
        this.hash.touch(id);
        this.nodes.setAcl(id, body.acl);
        this.nodes.aversion[id] = body.version;
        return { type: 'setACL', stat: this.nodes.stat(id) };
      }
      case 'check': {
        const id = this.nodes.idOf(body.path);
        return id !== undefined ? { type: 'check', stat: this.nodes.stat(id) } : { type: 'check' };
      }
      case 'createSession':
        return { type: 'createSession' };
      case 'closeSession': {
        // header.sessionId is the session being closed (as in ZooKeeper's txn header).
        for (const p of body.paths) this.applyDelete(p, zxid, notes);
        // Anything the txn did not list but the session still owns (only possible after a bug
        // or a replay race) goes too, so members converge on "a closed session owns nothing".
        const rest = this.ephemeralsBySession.get(sessionId);
        if (rest && sessionId !== 0n) for (const p of [...rest].sort()) this.applyDelete(p, zxid, notes);
        return { type: 'closeSession' };
      }
      case 'error':
        return { type: 'error', err: body.err };
      case 'multi': {
        // A failed multi carries only error entries and changes nothing.
        const results = body.txns.map((t) => this.applyBody(t, zxid, time, sessionId, notes));
        return { type: 'multi', results };
      }
      default:
        return { type: 'error', err: ErrorCode.UNIMPLEMENTED };
    }
  }

  private applyCreate(
    body: Extract<TxnBody, { type: 'create' }>,
    zxid: number,
    time: number,
    notes: Notification<W>[],
  ): TxnResult {
    const t = this.nodes;
    const ppath = parentPath(body.path);
    const parent = t.idOf(ppath);
    if (parent === undefined) return { type: 'error', err: ErrorCode.NONODE };
    // Parent bookkeeping first and only forward (ZOOKEEPER-1046): a replayed create whose node is
    // already in a fuzzy snapshot must still bring the parent's cversion/pzxid up to date.
    if (body.parentCVersion > t.cversion[parent]!) {
      this.hash.touch(parent);
      t.cversion[parent] = body.parentCVersion;
      t.pzxid[parent] = zxid;
    }
    if (t.idOf(body.path) !== undefined) return { type: 'error', err: ErrorCode.NODEEXISTS };
    const id = this.insert(body.path, body.data, {
      acl: body.acl,
      ephemeralOwner: body.ephemeralOwner,
      czxid: zxid,
      mzxid: zxid,
      ctime: time,
      mtime: time,
      version: 0,
      cversion: 0,
      aversion: 0,
      pzxid: zxid,
    });
    this.notify(body.path, EventType.NodeCreated, notes, t.acl(id));
    this.notify(ppath, EventType.NodeChildrenChanged, notes, t.acl(parent));
    return { type: 'create', path: body.path, stat: t.stat(id) };
  }

  private applyDelete(path: string, zxid: number, notes: Notification<W>[]): TxnResult {
    const t = this.nodes;
    const ppath = parentPath(path);
    const parent = t.idOf(ppath);
    // pzxid only moves forward; also done for a replayed delete of a node missing from a fuzzy
    // snapshot, so snapshot + replay converges with the tree that applied everything.
    if (parent !== undefined && zxid > t.pzxid[parent]!) {
      this.hash.touch(parent);
      t.pzxid[parent] = zxid;
    }
    const id = t.idOf(path);
    if (id === undefined || path === '/') return { type: 'error', err: ErrorCode.NONODE };
    const acl = t.acl(id);
    this.remove(path, id);
    this.notify(path, EventType.NodeDeleted, notes, acl);
    if (parent !== undefined) this.notify(ppath, EventType.NodeChildrenChanged, notes, t.acl(parent));
    return { type: 'delete' };
  }

  // ---- reads -------------------------------------------------------------------------------

  /** Whether a node exists. */
  has(path: string): boolean {
    return this.nodes.idOf(path) !== undefined;
  }

  /** The node's Stat, or undefined. */
  statOf(path: string): Stat | undefined {
    const id = this.nodes.idOf(path);
    return id !== undefined ? this.nodes.stat(id) : undefined;
  }

  /** Data and Stat, or undefined. The Buffer is a view of the stored bytes: do not mutate it. */
  getData(path: string): { data: Buffer | null; stat: Stat; acl: readonly ACL[] } | undefined {
    const id = this.nodes.idOf(path);
    if (id === undefined) return undefined;
    // The ACL comes along so that a read finds its node once, not again for the permission check.
    return { data: this.nodes.data.view(id), stat: this.nodes.stat(id), acl: this.nodes.acl(id) };
  }

  /** Child names (unordered, like ZooKeeper), or undefined if the node is missing. */
  getChildren(path: string): string[] | undefined {
    const id = this.nodes.idOf(path);
    if (id === undefined) return undefined;
    const t = this.nodes;
    const names: string[] = [];
    for (let c = t.firstChild[id]!; c !== NO_NODE; c = t.nextSibling[c]!) names.push(t.nameOf(c));
    return names;
  }

  /** ACL (shared, frozen) and Stat, or undefined. */
  getAcl(path: string): { acl: ACL[]; stat: Stat } | undefined {
    const id = this.nodes.idOf(path);
    return id !== undefined ? { acl: this.nodes.acl(id) as ACL[], stat: this.nodes.stat(id) } : undefined;
  }

  /** The node's ACL alone (no Stat built): the per-read permission check uses this. */
  aclOf(path: string): readonly ACL[] | undefined {
    const id = this.nodes.idOf(path);
    return id !== undefined ? this.nodes.acl(id) : undefined;
  }

  /** Stored (not client-visible) fields the preparer needs. */
  internalRecord(path: string):
    | {
        cversion: number;
        numChildren: number;
        version: number;
        aversion: number;
        ephemeralOwner: bigint;
        acl: readonly ACL[];
        pzxid: number;
      }
    | undefined {
    const t = this.nodes;
    const id = t.idOf(path);
    if (id === undefined) return undefined;
    return {
      cversion: t.cversion[id]!,
      numChildren: t.numChildren(id),
      version: t.version[id]!,
      aversion: t.aversion[id]!,
      ephemeralOwner: t.owner[id]!,
      acl: t.acl(id),
      pzxid: t.pzxid[id]!,
    };
  }

  /** Number of nodes below `path` (excluding it), as getAllChildrenNumber; 0 if missing. */
  countDescendants(path: string): number {
    const id = this.nodes.idOf(path);
    return id === undefined ? 0 : this.descendantsOf(id);
  }

  private descendantsOf(id: number): number {
    const t = this.nodes;
    let count = 0;
    for (let c = t.firstChild[id]!; c !== NO_NODE; c = t.nextSibling[c]!) count += 1 + this.descendantsOf(c);
    return count;
  }

  /** A session's ephemeral paths under `prefix` ("" or "/" = all), sorted. */
  ephemerals(sessionId: bigint, prefix = '/'): string[] {
    const set = this.ephemeralsBySession.get(sessionId);
    if (!set) return [];
    const all = prefix === '' || prefix === '/';
    return [...set].filter((p) => all || p.startsWith(prefix)).sort();
  }

  /** Sessions that own ephemerals (for `dump`). */
  sessionsWithEphemerals(): bigint[] {
    return [...this.ephemeralsBySession.keys()];
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  /** Sum of path lengths and data lengths, like ZooKeeper's approximateDataSize. */
  get approximateDataSize(): number {
    return this.dataSize;
  }

  get ephemeralCount(): number {
    let n = 0;
    for (const s of this.ephemeralsBySession.values()) n += s.size;
    return n;
  }

  /**
   * A hash of the whole tree (paths, data, ACLs, every stored stat field). Order-independent
   * (per-node SHA-256 summed lane-wise), so it needs no sort: equal on members with equal trees.
   * The first read hashes every node; from then on the sum is kept as txns apply (digest.ts), so
   * a later read costs at most one batch of hashes.
   */
  digest(): string {
    return this.hash.value();
  }

  /**
   * The digest, or undefined while its first sum is being built, `budget` nodes per call: a server
   * calls it again from later turns of its event loop, so no read blocks it for long.
   */
  digestWithin(budget: number): string | undefined {
    return this.hash.valueWithin(budget);
  }

  // ---- watches -----------------------------------------------------------------------------

  watchData(path: string, w: W): void {
    this.watches.watchData(path, w);
  }
  watchExists(path: string, w: W): void {
    this.watches.watchExists(path, w);
  }
  watchChildren(path: string, w: W): void {
    this.watches.watchChildren(path, w);
  }
  addPersistentWatch(path: string, w: W, recursive: boolean): void {
    this.watches.addPersistentWatch(path, w, recursive);
  }
  removeWatches(path: string, type: WatcherType | number, w: W, dryRun: boolean): boolean {
    return this.watches.removeWatches(path, type, w, dryRun);
  }
  dropWatcher(w: W): void {
    this.watches.dropWatcher(w);
  }
  get watchCount(): number {
    return this.watches.watchCount;
  }
  watchSummary(): WatchSummary {
    return this.watches.watchSummary();
  }
  watchesByPath(): Map<string, W[]> {
    return this.watches.watchesByPath();
  }

  /**
   * SetWatches/SetWatches2 after a reconnect (DataTree.setWatches): events the client missed
   * since `relativeZxid` fire now; the rest are re-armed. Data: missing -> NodeDeleted, mzxid newer
   * -> NodeDataChanged. Exist: present -> NodeCreated. Child: missing -> NodeDeleted, pzxid newer
   * -> NodeChildrenChanged. Persistent/recursive: re-added silently.
   */
  setWatches(relativeZxid: number, req: SetWatchesRequest, w: W): Notification<W>[] {
    const out: Notification<W>[] = [];
    const ev = (type: EventType, path: string): void => {
      out.push({ watcher: w, event: { type, state: KeeperState.SyncConnected, path } });
    };
    // ZooKeeper's node table also keys the root as "": a watch path "" finds the root (the event
    // keeps the path as sent; the watch itself, kept under "", never fires). Observed, 3.8.0.
    const node = (p: string) => this.nodes.idOf(p === '' ? '/' : p);
    for (const p of req.dataWatches) {
      const id = node(p);
      if (id === undefined) ev(EventType.NodeDeleted, p);
      else if (this.nodes.mzxid[id]! > relativeZxid) ev(EventType.NodeDataChanged, p);
      else this.watches.watchData(p, w);
    }
    for (const p of req.existWatches) {
      if (node(p) !== undefined) ev(EventType.NodeCreated, p);
      else this.watches.watchExists(p, w);
    }
    for (const p of req.childWatches) {
      const id = node(p);
      if (id === undefined) ev(EventType.NodeDeleted, p);
      else if (this.nodes.pzxid[id]! > relativeZxid) ev(EventType.NodeChildrenChanged, p);
      else this.watches.watchChildren(p, w);
    }
    for (const p of req.persistentWatches ?? []) this.watches.addPersistentWatch(p, w, false);
    for (const p of req.persistentRecursiveWatches ?? []) this.watches.addPersistentWatch(p, w, true);
    return out;
  }

  // ---- containers / TTL --------------------------------------------------------------------

  /**
   * Containers and TTL nodes due for reaping at `now` (ContainerManager.getCandidates):
   * containers with no children that once had one (stored cversion > 0), or never-used ones whose
   * mtime is older than `maxNeverUsedMs` (0/undefined = never); TTL nodes with no children and
   * `now - mtime > ttl`. Observed on 3.8.0: ttl 1000 reaped within ~2 s; a setData refreshes it.
   */
  expiredContainersAndTtls(now: number, maxNeverUsedMs?: number): string[] {
    const out: string[] = [];
    const t = this.nodes;
    for (const p of this.containers) {
      const id = t.idOf(p);
      if (id === undefined || t.numChildren(id) > 0) continue;
      if (t.cversion[id]! > 0) out.push(p);
      else if (maxNeverUsedMs && now - t.mtime[id]! > maxNeverUsedMs) out.push(p);
    }
    for (const p of this.ttls) {
      const id = t.idOf(p);
      if (id === undefined || t.numChildren(id) > 0) continue;
      const ttl = ttlOf(t.owner[id]!);
      if (ttl !== 0 && now - t.mtime[id]! > ttl) out.push(p);
    }
    return out;
  }

  // ---- snapshots ---------------------------------------------------------------------------

  /**
   * Encoded node records, parents before children. Fuzzy: the caller may apply txns between
   * yields; nodes deleted meanwhile are skipped and ones created under an already-visited parent
   * are missed — replaying the txns after the snapshot's start zxid repairs both.
   */
  *serializeNodes(): Generator<Buffer> {
    // Paths, not ids, on the stack: an id freed by a delete between yields may be reused.
    const t = this.nodes;
    const stack: string[] = ['/'];
    while (stack.length > 0) {
      const path = stack.pop()!;
      const id = t.idOf(path);
      if (id === undefined) continue;
      const rec = encodeNode(t, path, id);
      if (t.numChildren(id) > 0) {
        const below = t.childIds(id);
        for (let i = below.length - 1; i >= 0; i--) stack.push(t.pathOf(below[i]!));
      }
      yield rec;
    }
  }

  /** Rebuilds a tree from {@link serializeNodes} output (no watches). */
  static fromNodes<W = unknown>(records: Iterable<Buffer>, lastZxid: number): DataTree<W> {
    const tree = new DataTree<W>({ empty: true });
    for (const buf of records) {
      const r = new JuteReader(buf);
      const path = r.string();
      const data = r.buffer();
      const acl = r.list((rr) => ({ perms: rr.int(), id: { scheme: rr.string(), id: rr.string() } }), 12);
      const owner = r.long();
      const czxid = r.zxid();
      const mzxid = r.zxid();
      const ctime = r.zxid();
      const mtime = r.zxid();
      const version = r.int();
      const cversion = r.int();
      const aversion = r.int();
      const pzxid = r.zxid();
      if (tree.nodes.idOf(path) !== undefined) {
        throw new DataInconsistencyError(path, { detail: 'duplicate node in snapshot' });
      }
      tree.insert(path, data, {
        acl,
        ephemeralOwner: owner,
        czxid,
        mzxid,
        ctime,
        mtime,
        version,
        cversion,
        aversion,
        pzxid,
      });
    }
    tree.lastProcessedZxid = lastZxid;
    return tree;
  }

  /** Iterates paths at or below `prefix` (diagnostics, tests). */
  *paths(prefix = '/'): Generator<string> {
    for (const p of this.nodes.allPaths()) if (isAtOrBelow(p, prefix)) yield p;
  }
}

/** Stored size of node data; null data (never set) counts as 0. */
function byteLength(data: Buffer | null): number {
  return data === null ? 0 : data.length;
}

function encodeNode(t: NodeTable, path: string, id: number): Buffer {
  const data = t.data.view(id);
  const acl = t.acl(id);
  const w = new JuteWriter(64 + path.length * 3 + byteLength(data));
  w.ustring(path).buffer(data);
  w.int(acl.length);
  for (const a of acl) w.int(a.perms).ustring(a.id.scheme).ustring(a.id.id);
  w.long(t.owner[id]!).zxid(t.czxid[id]!).zxid(t.mzxid[id]!).zxid(t.ctime[id]!).zxid(t.mtime[id]!);
  w.int(t.version[id]!).int(t.cversion[id]!).int(t.aversion[id]!).zxid(t.pzxid[id]!);
  return w.toBuffer();
}

const EMPTY = Buffer.alloc(0);

/** Marker values re-exported for callers building create txns. */
export { CONTAINER_EPHEMERAL_OWNER };
