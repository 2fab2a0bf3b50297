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
import { createHash } from 'node:crypto';
import { CONTAINER_EPHEMERAL_OWNER, ErrorCode, EventType, KeeperState } from '../protocol/constants.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import type { ACL, SetWatchesRequest, Stat, WatcherEvent } from '../protocol/records.js';
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, aclKey } from './acl.js';
import { nodeKind, ttlOf } from './node-kind.js';
import { childPath, isAtOrBelow, nodeName, parentPath } from './path.js';
import type { Txn, TxnBody } from './txn.js';
import { WatchManager, type WatchSummary } from './watch-manager.js';
import { DataSlab } from './data-slab.js';
import { ZNode, statOfNode } from './znode.js';
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

  private readonly nodes = new Map<string, ZNode>();
  /** Storage for node data (see data-slab.ts). */
  readonly slab = new DataSlab();
  private readonly ephemeralsBySession = new Map<bigint, Set<string>>();
  private readonly containers = new Set<string>();
  private readonly ttls = new Set<string>();
  private readonly aclCache = new Map<string, readonly ACL[]>();
  private dataSize = 0;

  constructor(opts: { empty?: boolean } = {}) {
    if (opts.empty) return;
    this.insert('/', Buffer.alloc(0), OPEN_ACL_UNSAFE, 0n, 0, 0, 0, 0, 0, 0, 0, 0);
    this.insert(ZK, Buffer.alloc(0), OPEN_ACL_UNSAFE, 0n, 0, 0, 0, 0, 0, 0, 0, 0);
    this.insert(QUOTA, Buffer.alloc(0), OPEN_ACL_UNSAFE, 0n, 0, 0, 0, 0, 0, 0, 0, 0);
    this.insert(CONFIG, Buffer.alloc(0), READ_ACL_UNSAFE, 0n, 0, 0, 0, 0, 0, 0, -1, 0);
  }

  // ---- structure ---------------------------------------------------------------------------

  private intern(acl: readonly ACL[]): readonly ACL[] {
    const key = aclKey(acl);
    let shared = this.aclCache.get(key);
    if (!shared) {
      shared = Object.freeze(
        acl.map((a) => Object.freeze({ perms: a.perms, id: Object.freeze({ ...a.id }) })),
      );
      this.aclCache.set(key, shared);
    }
    return shared;
  }

  /** Adds a node whose parent exists (or the root). Does not touch the parent's stat. */
  private insert(
    path: string,
    data: Buffer | null,
    acl: readonly ACL[],
    owner: bigint,
    czxid: number,
    mzxid: number,
    ctime: number,
    mtime: number,
    version: number,
    cversion: number,
    aversion: number,
    pzxid: number,
  ): ZNode {
    const node = new ZNode(
      data,
      this.intern(acl),
      owner,
      czxid,
      mzxid,
      ctime,
      mtime,
      version,
      cversion,
      aversion,
      pzxid,
    );
    if (path !== '/') {
      const parent = this.nodes.get(parentPath(path));
      if (!parent) throw new Error(`parent of ${path} missing`);
      (parent.children ??= new Set()).add(nodeName(path));
    }
    this.nodes.set(path, node);
    this.dataSize += path.length + byteLength(data);
    this.index(path, owner, true);
    return node;
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
  private remove(path: string, node: ZNode): void {
    if (node.children)
      for (const name of [...node.children]) {
        const cp = childPath(path, name);
        const c = this.nodes.get(cp);
        if (c) this.remove(cp, c);
      }
    this.nodes.delete(path);
    this.dataSize -= path.length + byteLength(node.data);
    this.index(path, node.ephemeralOwner, false);
    const parent = this.nodes.get(parentPath(path));
    if (parent?.children) {
      parent.children.delete(nodeName(path));
      if (parent.children.size === 0) parent.children = null;
    }
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
        const node = this.nodes.get(body.path);
        if (!node) return { type: 'error', err: ErrorCode.NONODE };
        this.dataSize += byteLength(body.data) - byteLength(node.data);
        node.data = this.slab.store(body.data);
        node.version = body.version;
        node.mzxid = zxid;
        node.mtime = time;
        this.notify(body.path, EventType.NodeDataChanged, notes, node.acl);
        return { type: 'setData', stat: statOfNode(node) };
      }
      case 'setACL': {
        const node = this.nodes.get(body.path);
        if (!node) return { type: 'error', err: ErrorCode.NONODE };
        node.acl = this.intern(body.acl);
        node.aversion = body.version;
        return { type: 'setACL', stat: statOfNode(node) };
      }
      case 'check': {
        const node = this.nodes.get(body.path);
        return node ? { type: 'check', stat: statOfNode(node) } : { type: 'check' };
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
    const ppath = parentPath(body.path);
    const parent = this.nodes.get(ppath);
    if (!parent) return { type: 'error', err: ErrorCode.NONODE };
    // Parent bookkeeping first and only forward (ZOOKEEPER-1046): a replayed create whose node is
    // already in a fuzzy snapshot must still bring the parent's cversion/pzxid up to date.
    if (body.parentCVersion > parent.cversion) {
      parent.cversion = body.parentCVersion;
      parent.pzxid = zxid;
    }
    if (this.nodes.has(body.path)) return { type: 'error', err: ErrorCode.NODEEXISTS };
    const node = this.insert(
      body.path,
      this.slab.store(body.data),
      body.acl,
      body.ephemeralOwner,
      zxid,
      zxid,
      time,
      time,
      0,
      0,
      0,
      zxid,
    );
    this.notify(body.path, EventType.NodeCreated, notes, node.acl);
    this.notify(ppath, EventType.NodeChildrenChanged, notes, parent.acl);
    return { type: 'create', path: body.path, stat: statOfNode(node) };
  }

  private applyDelete(path: string, zxid: number, notes: Notification<W>[]): TxnResult {
    const ppath = parentPath(path);
    const parent = this.nodes.get(ppath);
    // pzxid only moves forward; also done for a replayed delete of a node missing from a fuzzy
    // snapshot, so snapshot + replay converges with the tree that applied everything.
    if (parent && zxid > parent.pzxid) parent.pzxid = zxid;
    const node = this.nodes.get(path);
    if (!node || path === '/') return { type: 'error', err: ErrorCode.NONODE };
    this.remove(path, node);
    this.notify(path, EventType.NodeDeleted, notes, node.acl);
    if (parent) this.notify(ppath, EventType.NodeChildrenChanged, notes, parent.acl);
    return { type: 'delete' };
  }

  // ---- reads -------------------------------------------------------------------------------

  /** Whether a node exists. */
  has(path: string): boolean {
    return this.nodes.has(path);
  }

  /** The node's Stat, or undefined. */
  statOf(path: string): Stat | undefined {
    const n = this.nodes.get(path);
    return n ? statOfNode(n) : undefined;
  }

  /** Data and Stat, or undefined. The Buffer is the stored one: do not mutate it. */
  getData(path: string): { data: Buffer | null; stat: Stat } | undefined {
    const n = this.nodes.get(path);
    return n ? { data: n.data, stat: statOfNode(n) } : undefined;
  }

  /** Child names (unordered, like ZooKeeper), or undefined if the node is missing. */
  getChildren(path: string): string[] | undefined {
    const n = this.nodes.get(path);
    if (!n) return undefined;
    return n.children ? [...n.children] : [];
  }

  /** ACL (shared, frozen) and Stat, or undefined. */
  getAcl(path: string): { acl: ACL[]; stat: Stat } | undefined {
    const n = this.nodes.get(path);
    return n ? { acl: n.acl as ACL[], stat: statOfNode(n) } : undefined;
  }

  /** The node's ACL alone (no Stat built): the per-read permission check uses this. */
  aclOf(path: string): readonly ACL[] | undefined {
    return this.nodes.get(path)?.acl;
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
    const n = this.nodes.get(path);
    if (!n) return undefined;
    return {
      cversion: n.cversion,
      numChildren: n.numChildren,
      version: n.version,
      aversion: n.aversion,
      ephemeralOwner: n.ephemeralOwner,
      acl: n.acl,
      pzxid: n.pzxid,
    };
  }

  /** Number of nodes below `path` (excluding it), as getAllChildrenNumber; 0 if missing. */
  countDescendants(path: string): number {
    const n = this.nodes.get(path);
    if (!n || !n.children) return 0;
    let count = 0;
    for (const name of n.children) count += 1 + this.countDescendants(childPath(path, name));
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
   */
  digest(): string {
    const lanes = new Uint32Array(8);
    for (const [path, n] of this.nodes) {
      const h = createHash('sha256');
      h.update(path)
        .update('\u0000')
        .update(n.data === null ? '\u0001null' : n.data)
        .update(aclKey(n.acl));
      h.update(
        `${n.ephemeralOwner},${n.czxid},${n.mzxid},${n.ctime},${n.mtime},${n.version},${n.cversion},${n.aversion},${n.pzxid},${n.numChildren}`,
      );
      const d = h.digest();
      for (let i = 0; i < 8; i++) lanes[i] = (lanes[i]! + d.readUInt32BE(i * 4)) >>> 0;
    }
    return [...lanes].map((x) => x.toString(16).padStart(8, '0')).join('') + `:${this.nodes.size}`;
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
    const node = (p: string) => this.nodes.get(p === '' ? '/' : p);
    for (const p of req.dataWatches) {
      const n = node(p);
      if (!n) ev(EventType.NodeDeleted, p);
      else if (n.mzxid > relativeZxid) ev(EventType.NodeDataChanged, p);
      else this.watches.watchData(p, w);
    }
    for (const p of req.existWatches) {
      if (node(p)) ev(EventType.NodeCreated, p);
      else this.watches.watchExists(p, w);
    }
    for (const p of req.childWatches) {
      const n = node(p);
      if (!n) ev(EventType.NodeDeleted, p);
      else if (n.pzxid > relativeZxid) ev(EventType.NodeChildrenChanged, p);
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
    for (const p of this.containers) {
      const n = this.nodes.get(p);
      if (!n || n.numChildren > 0) continue;
      if (n.cversion > 0) out.push(p);
      else if (maxNeverUsedMs && now - n.mtime > maxNeverUsedMs) out.push(p);
    }
    for (const p of this.ttls) {
      const n = this.nodes.get(p);
      if (!n || n.numChildren > 0) continue;
      const ttl = ttlOf(n.ephemeralOwner);
      if (ttl !== 0 && now - n.mtime > ttl) out.push(p);
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
    const stack: string[] = ['/'];
    while (stack.length > 0) {
      const path = stack.pop()!;
      const n = this.nodes.get(path);
      if (!n) continue;
      const names = n.children ? [...n.children] : [];
      const rec = encodeNode(path, n);
      for (let i = names.length - 1; i >= 0; i--) stack.push(childPath(path, names[i]!));
      yield rec;
    }
  }

  /** Rebuilds a tree from {@link serializeNodes} output (no watches). */
  static fromNodes<W = unknown>(records: Iterable<Buffer>, lastZxid: number): DataTree<W> {
    const tree = new DataTree<W>({ empty: true });
    for (const buf of records) {
      const r = new JuteReader(buf);
      const path = r.string();
      const data = tree.slab.store(r.buffer());
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
      if (tree.nodes.has(path)) throw new Error(`duplicate node ${path} in snapshot`);
      tree.insert(path, data, acl, owner, czxid, mzxid, ctime, mtime, version, cversion, aversion, pzxid);
    }
    tree.lastProcessedZxid = lastZxid;
    return tree;
  }

  /** Iterates paths at or below `prefix` (diagnostics, tests). */
  *paths(prefix = '/'): Generator<string> {
    for (const p of this.nodes.keys()) if (isAtOrBelow(p, prefix)) yield p;
  }
}

/** Stored size of node data; null data (never set) counts as 0. */
function byteLength(data: Buffer | null): number {
  return data === null ? 0 : data.length;
}

function encodeNode(path: string, n: ZNode): Buffer {
  const w = new JuteWriter(64 + path.length * 3 + byteLength(n.data));
  w.ustring(path).buffer(n.data);
  w.int(n.acl.length);
  for (const a of n.acl) w.int(a.perms).ustring(a.id.scheme).ustring(a.id.id);
  w.long(n.ephemeralOwner).zxid(n.czxid).zxid(n.mzxid).zxid(n.ctime).zxid(n.mtime);
  w.int(n.version).int(n.cversion).int(n.aversion).zxid(n.pzxid);
  return w.toBuffer();
}

/** Marker values re-exported for callers building create txns. */
export { CONTAINER_EPHEMERAL_OWNER };
