/**
 * The leader's request preparer (ZooKeeper's PrepRequestProcessor): validates a write against
 * the tree PLUS the outstanding changes (writes prepared but not yet applied) and turns it into
 * an idempotent txn body, or an error txn so replies keep their order.
 *
 * Check order, confirmed against Apache ZooKeeper 3.8.0 (kazoo + raw requests):
 * - create: flags (BADARGUMENTS) -> TTL disabled (UNIMPLEMENTED) -> ttl/mode mismatch
 *   (BADARGUMENTS, e.g. createTTL ttl=0 on a missing parent is BADARGUMENTS) -> no '/' or NUL
 *   (BADARGUMENTS) -> ACL list (INVALIDACL, even when the parent is missing) -> parent (NONODE;
 *   "/q//x" gives NONODE because the parent "/q/" is missing) -> CREATE on parent (NOAUTH) ->
 *   suffix -> full path validation (BADARGUMENTS, e.g. "/q/." or "/q/" non-sequential) ->
 *   exists (NODEEXISTS, before the ephemeral-parent check) -> ephemeral parent
 *   (NOCHILDRENFOREPHEMERALS; children of container/TTL parents are fine).
 * - delete: no '/', NUL, or a special path ("/", "/zookeeper", quota, config) BADARGUMENTS ->
 *   parent NONODE -> DELETE on parent NOAUTH (even when the node is missing) -> node NONODE ->
 *   version BADVERSION (before NOTEMPTY). No full path check: delete "/q/." is NONODE.
 * - setData: path BADARGUMENTS -> NONODE -> NOAUTH (WRITE) -> BADVERSION.
 * - setACL: path -> INVALIDACL (before NONODE and NOAUTH) -> NONODE -> NOAUTH (ADMIN) -> BADVERSION.
 * - check: path -> NONODE -> NOAUTH (READ) -> BADVERSION.
 * Opcode decides container/TTL: createContainer with flags 0 made a reaped container; create
 * with flags 4 made a plain persistent node (never reaped); create/create2 with flags 5 is
 * BADARGUMENTS (no ttl). Sequential names use the parent's count of child creations: observed
 * n-0..n-2 (cversion 3), delete n-2 (cversion 4), next is n-0000000003 (cversion 5); a
 * non-sequential child in between also consumes a number (…0004, plain, then …0006).
 */
import { CONTAINER_EPHEMERAL_OWNER, ErrorCode, MAX_TTL_MS, Perms } from '../protocol/constants.js';
import {
  BadArgumentsError,
  BadVersionError,
  CoordinationError,
  MarshallingError,
  NoChildrenForEphemeralsError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
  UnimplementedError,
} from '../protocol/errors.js';
import type {
  ACL,
  CheckVersionRequest,
  CreateRequest,
  DeleteRequest,
  Id,
  MultiSubRequest,
  Request,
  SetACLRequest,
  SetDataRequest,
} from '../protocol/records.js';
import { fixupAcl, requireAcl } from './acl.js';
import { SPECIAL_PATHS, type DataTree } from './data-tree.js';
import { nodeKind, ttlEphemeralOwner } from './node-kind.js';
import { parentPath, validatePath } from './path.js';
import type { TxnBody } from './txn.js';

/** Who is asking, and the zxid/time the leader assigned to this request. */
export interface PrepContext {
  /** session issuing the request (owner of ephemerals it creates). */
  sessionId: bigint;
  /** zxid assigned to this request's txn. */
  zxid: number;
  /** the connection's auth ids (ip:…, digest:…, super:…). */
  authIds: Id[];
  /** bypass ACL checks (super user). */
  isSuper?: boolean;
}

/** Options of {@link RequestPreparer}. */
export interface PreparerOptions {
  /** TTL nodes allowed (zookeeper.extendedTypesEnabled). Default true; false -> UNIMPLEMENTED. */
  extendedTypesEnabled?: boolean;
}

/** A node as the future will see it; `exists: false` marks a pending delete. */
interface ChangeRecord {
  zxid: number;
  path: string;
  exists: boolean;
  /** stored cversion: number of child creations (the sequential counter). */
  cversion: number;
  childCount: number;
  version: number;
  aversion: number;
  ephemeralOwner: bigint;
  acl: readonly ACL[];
}

const MULTI_WRITE_OPS = new Set([
  'create',
  'create2',
  'createContainer',
  'createTTL',
  'delete',
  'setData',
  'check',
]);

/** Java's String.format("%010d", n) for an int, sign included. */
function seqSuffix(n: number): string {
  return n < 0 ? '-' + String(-n).padStart(9, '0') : String(n).padStart(10, '0');
}

/**
 * @example
 *   const prep = new RequestPreparer(tree);
 *   const body = prep.prepare({ op: 'create', path: '/a', data, acl, flags: 0 }, { sessionId, zxid, authIds });
 *   log.append({ header: { sessionId, cxid, zxid, time }, body });
 *   // ... once applied: tree.apply(txn); prep.applied(zxid);
 */
export class RequestPreparer {
  private readonly extendedTypes: boolean;
  /** latest pending record per path. */
  private readonly byPath = new Map<string, ChangeRecord>();
  /** pending records in zxid order (for applied() and closeSession). */
  private outstanding: ChangeRecord[] = [];
  /** index of the first record not yet applied (records before it are dropped lazily). */
  private head = 0;
  /** multi staging layer: records of the multi being prepared, discarded on failure. */
  private staging: Map<string, ChangeRecord> | null = null;
  /** the one map `staging` points at while a request is prepared (cleared, not rebuilt, per request) */
  private readonly stagingMap = new Map<string, ChangeRecord>();

  constructor(
    // The preparer only reads the tree, so it accepts a tree of any watcher type.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    private readonly tree: DataTree<any>,
    opts: PreparerOptions = {},
  ) {
    this.extendedTypes = opts.extendedTypesEnabled ?? true;
  }

  /** Number of pending change records (for tests and metrics). */
  get outstandingCount(): number {
    return this.outstanding.length - this.head;
  }

  /**
   * Turns a write request into a txn body; failures become `{type:'error', err}` (or, for multi,
   * a multi of error entries [0…, code, -2…]) and leave no outstanding changes behind.
   */
  prepare(request: Request, ctx: PrepContext): TxnBody {
    if (request.op === 'closeSession') return this.prepareCloseSession(ctx.sessionId, ctx.zxid);
    if (request.op === 'multi') return this.prepareMulti(request.ops, ctx);
    if (request.op !== 'setACL' && !MULTI_WRITE_OPS.has(request.op)) {
      throw new TypeError(`${request.op} is not a write request`);
    }
    this.beginStaging();
    try {
      const body =
        request.op === 'setACL'
          ? this.prepSetAcl(request, ctx)
          : this.prepareOne(request as MultiSubRequest, ctx);
      this.commitStaging(ctx.zxid);
      return body;
    } catch (e) {
      this.staging = null;
      return { type: 'error', err: errorCode(e) };
    }
  }

  private prepareMulti(ops: MultiSubRequest[], ctx: PrepContext): TxnBody {
    if (ops.some((o) => !MULTI_WRITE_OPS.has(o.op)))
      return { type: 'error', err: new MarshallingError().code };
    this.beginStaging();
    const txns: TxnBody[] = [];
    let failedAt = -1;
    let failCode = 0;
    for (let i = 0; i < ops.length; i++) {
      try {
        txns.push(this.prepareOne(ops[i]!, ctx));
      } catch (e) {
        failedAt = i;
        failCode = errorCode(e);
        break;
      }
    }
    if (failedAt < 0) {
      this.commitStaging(ctx.zxid);
      return { type: 'multi', txns };
    }
    this.staging = null;
    return {
      type: 'multi',
      txns: ops.map((_, i) => ({
        type: 'error' as const,
        err: i < failedAt ? ErrorCode.OK : i === failedAt ? failCode : ErrorCode.RUNTIMEINCONSISTENCY,
      })),
    };
  }

  private prepareOne(req: MultiSubRequest, ctx: PrepContext): TxnBody {
    switch (req.op) {
      case 'create':
      case 'create2':
      case 'createContainer':
      case 'createTTL':
        return this.prepCreate(req, ctx);
      case 'delete':
        return this.prepDelete(req, ctx);
      case 'setData':
        return this.prepSetData(req, ctx);
      case 'check':
        return this.prepCheck(req, ctx);
      default:
        throw new MarshallingError(undefined, { detail: `not a write: ${req.op}` });
    }
  }

  private ids(ctx: PrepContext): Id[] {
    return ctx.isSuper ? [...ctx.authIds, { scheme: 'super', id: '' }] : ctx.authIds;
  }

  private prepCreate(req: CreateRequest, ctx: PrepContext): TxnBody {
    const flags = req.flags;
    if (!Number.isInteger(flags) || flags < 0 || flags > 6) throw new BadArgumentsError(req.path);
    const ttlMode = flags === 5 || flags === 6;
    const sequential = flags === 2 || flags === 3 || flags === 6;
    const ttl = req.op === 'createTTL' ? (req.ttl ?? -1) : -1;
    if (ttlMode && !this.extendedTypes) throw new UnimplementedError(req.path);
    if (ttlMode ? !(ttl > 0 && ttl <= MAX_TTL_MS) : ttl >= 0) throw new BadArgumentsError(req.path);
    let path = req.path;
    const lastSlash = path.lastIndexOf('/');
    if (lastSlash < 0 || path.includes('\u0000')) throw new BadArgumentsError(path);
    const ppath = lastSlash === 0 ? '/' : path.slice(0, lastSlash);
    const ids = this.ids(ctx);
    const acl = fixupAcl(req.acl, ids, path);
    const parent = this.record(ppath);
    if (!parent) throw new NoNodeError(ppath);
    requireAcl(parent.acl, Perms.CREATE, ids, path);
    if (sequential) path += seqSuffix(parent.cversion);
    validatePath(path);
    if (this.record(path)) throw new NodeExistsError(path);
    if (nodeKind(parent.ephemeralOwner) === 'ephemeral') throw new NoChildrenForEphemeralsError(path);
    let owner: bigint;
    if (req.op === 'createContainer') owner = CONTAINER_EPHEMERAL_OWNER;
    else if (req.op === 'createTTL') owner = ttlEphemeralOwner(ttl);
    else owner = flags === 1 || flags === 3 ? ctx.sessionId : 0n;
    const newCversion = (parent.cversion + 1) | 0;
    this.stage({ ...parent, cversion: newCversion, childCount: parent.childCount + 1 });
    this.stage({
      zxid: ctx.zxid,
      path,
      exists: true,
      cversion: 0,
      childCount: 0,
      version: 0,
      aversion: 0,
      ephemeralOwner: owner,
      acl,
    });
    return {
      type: 'create',
      path,
      data: req.data,
      acl,
      ephemeralOwner: owner,
      parentCVersion: newCversion,
    };
  }

  private prepDelete(req: DeleteRequest, ctx: PrepContext): TxnBody {
    const path = req.path;
    const lastSlash = path.lastIndexOf('/');
    if (lastSlash < 0 || path.includes('\u0000') || SPECIAL_PATHS.has(path))
      throw new BadArgumentsError(path);
    const ppath = lastSlash === 0 ? '/' : path.slice(0, lastSlash);
    const parent = this.record(ppath);
    if (!parent) throw new NoNodeError(ppath);
    requireAcl(parent.acl, Perms.DELETE, this.ids(ctx), path);
    const node = this.record(path);
    if (!node) throw new NoNodeError(path);
    checkVersion(node.version, req.version, path);
    if (node.childCount > 0) throw new NotEmptyError(path);
    this.stage({ ...parent, childCount: parent.childCount - 1 });
    this.stage({ ...node, exists: false });
    return { type: 'delete', path };
  }

  private prepSetData(req: SetDataRequest, ctx: PrepContext): TxnBody {
    validatePath(req.path);
    const node = this.record(req.path);
    if (!node) throw new NoNodeError(req.path);
    requireAcl(node.acl, Perms.WRITE, this.ids(ctx), req.path);
    const version = checkVersion(node.version, req.version, req.path);
    this.stage({ ...node, version });
    return { type: 'setData', path: req.path, data: req.data, version };
  }

  /** setACL is not a multi sub-op in ZooKeeper, so it is only reachable through prepare(). */
  private prepSetAcl(req: SetACLRequest, ctx: PrepContext): TxnBody {
    validatePath(req.path);
    const ids = this.ids(ctx);
    const acl = fixupAcl(req.acl, ids, req.path);
    const node = this.record(req.path);
    if (!node) throw new NoNodeError(req.path);
    requireAcl(node.acl, Perms.ADMIN, ids, req.path);
    const version = checkVersion(node.aversion, req.version, req.path);
    this.stage({ ...node, aversion: version, acl });
    return { type: 'setACL', path: req.path, acl, version };
  }

  private prepCheck(req: CheckVersionRequest, ctx: PrepContext): TxnBody {
    validatePath(req.path);
    const node = this.record(req.path);
    if (!node) throw new NoNodeError(req.path);
    requireAcl(node.acl, Perms.READ, this.ids(ctx), req.path);
    checkVersion(node.version, req.version, req.path);
    return { type: 'check', path: req.path, version: node.version };
  }

  /** A createSession txn body (the session table lives in session/). */
  prepareCreateSession(timeOut: number, passwd: Buffer): TxnBody {
    return { type: 'createSession', timeOut, passwd };
  }

  /**
   * closeSession: lists the session's ephemerals as the future will see them (tree plus pending
   * creates, minus pending deletes), sorted, and records their deletion as outstanding.
   * @param zxid the zxid the owner of zxids assigned to this txn. Never guessed here: the pending
   *   deletions are dropped by `applied(zxid)`, so a key lower than the real zxid would forget them
   *   while the close is still in flight (a standalone member's first zxid after a restart is
   *   `epoch << 32 | 1`, and createSession txns take zxids the preparer never sees).
   */
  prepareCloseSession(sessionId: bigint, zxid: number): TxnBody {
    const paths = new Set(this.tree.ephemerals(sessionId, '/'));
    for (let k = this.head; k < this.outstanding.length; k++) {
      const r = this.outstanding[k]!;
      if (!r.exists) paths.delete(r.path);
      else if (r.ephemeralOwner === sessionId && nodeKind(sessionId) === 'ephemeral') paths.add(r.path);
    }
    const list = [...paths].filter((p) => this.record(p)?.ephemeralOwner === sessionId).sort();
    this.beginStaging();
    for (const p of list) {
      const node = this.record(p)!;
      const parent = this.record(parentPath(p));
      if (parent) this.stage({ ...parent, childCount: parent.childCount - 1 });
      this.stage({ ...node, exists: false });
    }
    this.commitStaging(zxid);
    return { type: 'closeSession', paths: list };
  }

  /**
   * Deletion of a container or TTL node by the reaper (ZooKeeper's deleteContainer): only if the
   * node still exists, is still empty, and is still a container/TTL node (we refuse a persistent
   * node recreated at the same path, where 3.8.0 would delete it). Errors become error txns.
   * @param zxid the zxid assigned to this txn (see {@link prepareCloseSession}).
   */
  prepareReap(path: string, zxid: number): TxnBody {
    try {
      const lastSlash = path.lastIndexOf('/');
      if (lastSlash < 0 || path.includes('\u0000') || SPECIAL_PATHS.has(path))
        throw new BadArgumentsError(path);
      const node = this.record(path);
      if (!node) throw new NoNodeError(path);
      if (node.childCount > 0) throw new NotEmptyError(path);
      const kind = nodeKind(node.ephemeralOwner);
      if (kind !== 'container' && kind !== 'ttl') throw new BadVersionError(path);
      const parent = this.record(lastSlash === 0 ? '/' : path.slice(0, lastSlash));
      this.beginStaging();
      if (parent) this.stage({ ...parent, childCount: parent.childCount - 1 });
      this.stage({ ...node, exists: false });
      this.commitStaging(zxid);
      return { type: 'delete', path };
    } catch (e) {
      this.staging = null;
      return { type: 'error', err: errorCode(e) };
    }
  }

  /** Drops outstanding records the tree has now applied (zxid <= `zxid`). */
  applied(zxid: number): void {
    // Advance a head index instead of copying the array on every commit (deep pipelines would
    // make that quadratic); compact once the applied prefix dominates.
    let i = this.head;
    while (i < this.outstanding.length && this.outstanding[i]!.zxid <= zxid) {
      const r = this.outstanding[i]!;
      if (this.byPath.get(r.path) === r) this.byPath.delete(r.path);
      i++;
    }
    this.head = i;
    if (this.head > 1024 && this.head * 2 > this.outstanding.length) {
      this.outstanding = this.outstanding.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets every outstanding change (leader stepped down). */
  reset(): void {
    this.byPath.clear();
    this.outstanding = [];
    this.head = 0;
    this.staging = null;
  }

  // ---- future view -------------------------------------------------------------------------

  private record(path: string): ChangeRecord | undefined {
    const r = this.staging?.get(path) ?? this.byPath.get(path);
    if (r) return r.exists ? r : undefined;
    const t = this.tree.internalRecord(path);
    if (!t) return undefined;
    return {
      zxid: 0,
      path,
      exists: true,
      cversion: t.cversion,
      childCount: t.numChildren,
      version: t.version,
      aversion: t.aversion,
      ephemeralOwner: t.ephemeralOwner,
      acl: t.acl,
    };
  }

  private stage(r: ChangeRecord): void {
    this.staging!.set(r.path, r);
  }

  private beginStaging(): void {
    this.stagingMap.clear();
    this.staging = this.stagingMap;
  }

  private commitStaging(zxid: number): void {
    const staged = this.staging;
    this.staging = null;
    if (!staged) return;
    // Every staged record is a fresh copy (see stage's callers), so it takes the zxid in place.
    for (const r of staged.values()) {
      r.zxid = zxid;
      this.byPath.set(r.path, r);
      this.outstanding.push(r);
    }
  }
}

/** checkAndIncVersion: -1 matches anything; returns the next version (int wrap-around). */
function checkVersion(current: number, expected: number, path: string): number {
  if (expected !== -1 && expected !== current) throw new BadVersionError(path);
  return (current + 1) | 0;
}

function errorCode(e: unknown): number {
  if (e instanceof CoordinationError) return e.code;
  throw e;
}
