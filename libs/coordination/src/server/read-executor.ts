/**
 * Serves the requests that never become transactions: reads, watch management and whoAmI.
 * They run against the local tree of the member holding the connection, in that session's
 * request order (the connection queues them behind the session's own pending writes).
 */
import { ErrorCode, Perms, WatcherType } from '../protocol/constants.js';
import type { Id, MultiSubResult, Request, Response, SetWatchesRequest, Stat } from '../protocol/records.js';
import { CoordinationError } from '../protocol/errors.js';
import { checkAcl, isSuperIds } from '../tree/acl.js';
import { javaHashSetOrder, juteStringRecordHash } from './java-hash-order.js';
import type { DataTree, Notification } from '../tree/data-tree.js';

/**
 * ZooKeeper 3.8 does not validate paths on reads: a malformed path names no node (NONODE), and
 * the empty path is the root (its tree keys the root as ""). Observed against 3.8.0.
 */
function readPath(path: string): string {
  return path === '' ? '/' : path;
}

export interface ReadContext<W> {
  watcher: W;
  sessionId: bigint;
  authIds: Id[];
}

export interface ReadOutcome<W> {
  err: number;
  response?: Response;
  /** events a setWatches found missed while the client was away. */
  notifications?: Notification<W>[];
}

const ok = <W>(response: Response): ReadOutcome<W> => ({ err: ErrorCode.OK, response });
const fail = <W>(err: number): ReadOutcome<W> => ({ err });

/** True if `request` is served by the read executor rather than turned into a txn. */
export function isReadRequest(request: Request): boolean {
  switch (request.op) {
    case 'exists':
    case 'getData':
    case 'getChildren':
    case 'getChildren2':
    case 'getACL':
    case 'getAllChildrenNumber':
    case 'getEphemerals':
    case 'whoAmI':
    case 'checkWatches':
    case 'removeWatches':
    case 'addWatch':
    case 'setWatches':
    case 'setWatches2':
    case 'multiRead':
    case 'ping':
      return true;
    default:
      return false;
  }
}

/** Where ZooKeeper keeps the ensemble's membership (read by `getConfig`, which is getData on it). */
const CONFIG_NODE = '/zookeeper/config';

export class ReadExecutor<W> {
  /**
   * @param configData what /zookeeper/config reads as in an ensemble. Like ZooKeeper, each member
   *   fills it from its own static configuration rather than through a txn, so it is served here and
   *   not stored in the tree (tree digests stay comparable).
   */
  constructor(
    private readonly tree: DataTree<W>,
    private readonly configData: Buffer | undefined,
    /** when this member loaded that configuration (the node's mtime, as ZooKeeper reports it) */
    private readonly configLoadedAt: number,
  ) {}

  /**
   * The Stat of `path` as clients see it. In an ensemble /zookeeper/config is filled outside the
   * txn log, and ZooKeeper reports it with version -1, the config's length and load time.
   */
  private visibleStat(path: string, stat: Stat): Stat {
    if (path !== CONFIG_NODE || this.configData === undefined) return stat;
    return { ...stat, version: -1, dataLength: this.configData.length, mtime: this.configLoadedAt };
  }

  private canRead(path: string, ids: Id[]): boolean {
    const acl = this.tree.aclOf(path);
    // checkAcl lets the super user through.
    return !acl || checkAcl(acl, Perms.READ, ids);
  }

  execute(request: Request, ctx: ReadContext<W>): ReadOutcome<W> {
    try {
      return this.run(request, ctx);
    } catch (e) {
      if (e instanceof CoordinationError) return fail(e.code);
      throw e;
    }
  }

  private run(request: Request, ctx: ReadContext<W>): ReadOutcome<W> {
    const tree = this.tree;
    switch (request.op) {
      case 'ping':
        return ok({ op: 'empty' });
      case 'exists': {
        // The one read that checks its path: FinalRequestProcessor refuses a NUL in exists only.
        if (request.path.includes('\u0000')) return fail(ErrorCode.BADARGUMENTS);
        const path = readPath(request.path);
        const stat = tree.statOf(path);
        if (!stat) {
          // ZooKeeper registers an exist watch on a missing node, then answers NONODE.
          if (request.watch) tree.watchExists(path, ctx.watcher);
          return fail(ErrorCode.NONODE);
        }
        // No ACL check: ZooKeeper 3.8 answers exists for any node (observed with kazoo).
        if (request.watch) tree.watchData(path, ctx.watcher);
        return ok({ op: 'exists', stat: this.visibleStat(path, stat) });
      }
      case 'getData': {
        const path = readPath(request.path);
        const node = tree.getData(path);
        if (!node) return fail(ErrorCode.NONODE);
        if (!checkAcl(node.acl, Perms.READ, ctx.authIds)) return fail(ErrorCode.NOAUTH);
        if (request.watch) tree.watchData(path, ctx.watcher);
        const data = path === CONFIG_NODE && this.configData !== undefined ? this.configData : node.data;
        return ok({ op: 'getData', data, stat: this.visibleStat(path, node.stat) });
      }
      case 'getChildren':
      case 'getChildren2': {
        const path = readPath(request.path);
        const children = tree.getChildren(path);
        if (!children) return fail(ErrorCode.NONODE);
        if (!this.canRead(path, ctx.authIds)) return fail(ErrorCode.NOAUTH);
        if (request.watch) tree.watchChildren(path, ctx.watcher);
        if (request.op === 'getChildren') return ok({ op: 'getChildren', children });
        return ok({ op: 'getChildren2', children, stat: this.visibleStat(path, tree.statOf(path)!) });
      }
      case 'getACL': {
        const aclPath = readPath(request.path);
        const found = tree.getAcl(aclPath);
        const entry = found && { acl: found.acl, stat: this.visibleStat(aclPath, found.stat) };
        if (!entry) return fail(ErrorCode.NONODE);
        const ids = ctx.authIds;
        if (
          !isSuperIds(ids) &&
          !checkAcl(entry.acl, Perms.READ, ids) &&
          !checkAcl(entry.acl, Perms.ADMIN, ids)
        ) {
          return fail(ErrorCode.NOAUTH);
        }
        if (isSuperIds(ids) || checkAcl(entry.acl, Perms.ADMIN, ids)) {
          return ok({ op: 'getACL', acl: entry.acl, stat: entry.stat });
        }
        // A reader without ADMIN sees digest ids with the hash masked (FinalRequestProcessor:
        // id.replaceAll(":.*", ":x")), so ACLs do not leak password hashes (observed, 3.8.0).
        const acl = entry.acl.map((a) =>
          a.id.scheme === 'digest'
            ? { perms: a.perms, id: { scheme: 'digest', id: a.id.id.replace(/:.*/g, ':x') } }
            : a,
        );
        return ok({ op: 'getACL', acl, stat: entry.stat });
      }
      case 'getAllChildrenNumber': {
        const path = readPath(request.path);
        if (!tree.has(path)) return fail(ErrorCode.NONODE);
        if (!this.canRead(path, ctx.authIds)) return fail(ErrorCode.NOAUTH);
        // ZooKeeper counts the keys under `path + "/"` of a node table that holds the root twice
        // (as "" and "/"): for "" that counts "/" as well, one more than for "/" (observed).
        const extra = request.path === '' ? 1 : 0;
        return ok({ op: 'getAllChildrenNumber', totalNumber: tree.countDescendants(path) + extra });
      }
      case 'getEphemerals': {
        const prefix = request.path === '' ? '/' : request.path;
        return ok({ op: 'getEphemerals', ephemerals: tree.ephemerals(ctx.sessionId, prefix) });
      }
      case 'whoAmI': {
        // ZooKeeper keeps a connection's auth ids in a HashSet<Id> and lists it as it iterates
        // (observed, 3.8.0: the same ids in any order of addAuth list alike); digest ids show the
        // user name only, never the hash.
        const ids = javaHashSetOrder(ctx.authIds, (i) => juteStringRecordHash(i.scheme, i.id));
        return ok({
          op: 'whoAmI',
          clientInfo: ids.map((i) => ({
            authScheme: i.scheme,
            user: i.scheme === 'digest' ? i.id.slice(0, i.id.indexOf(':')) : i.id,
          })),
        });
      }
      case 'addWatch': {
        // 3.8 neither validates the path (a watch on "/a//b" or "" is kept, it just never fires)
        // nor accepts an unknown mode: AddWatchMode parsing throws, which answers MARSHALLINGERROR.
        if (request.mode !== 0 && request.mode !== 1) return fail(ErrorCode.MARSHALLINGERROR);
        tree.addPersistentWatch(request.path, ctx.watcher, request.mode === 1);
        return ok({ op: 'addWatch' });
      }
      case 'checkWatches':
      case 'removeWatches': {
        // No path validation in 3.8 (an invalid path simply holds no watcher: NOWATCHER); an
        // unknown WatcherType fails its parsing, which answers MARSHALLINGERROR.
        const type = request.type;
        if (type !== WatcherType.Children && type !== WatcherType.Data && type !== WatcherType.Any) {
          return fail(ErrorCode.MARSHALLINGERROR);
        }
        // checkWatches walks the path and its parents (PathParentIterator); a non-empty path without
        // a '/' makes that walk throw, which answers MARSHALLINGERROR (observed, 3.8.0)...
        if (request.op === 'checkWatches' && request.path !== '' && !request.path.includes('/')) {
          return fail(ErrorCode.MARSHALLINGERROR);
        }
        // ...and the walk over "" visits nothing, so nothing is ever found there.
        if (request.op === 'checkWatches' && request.path === '') return fail(ErrorCode.NOWATCHER);
        const found = tree.removeWatches(request.path, type, ctx.watcher, request.op === 'checkWatches');
        return found ? ok({ op: 'empty' }) : fail(ErrorCode.NOWATCHER);
      }
      case 'setWatches':
      case 'setWatches2': {
        const notifications = tree.setWatches(
          request.relativeZxid,
          request as SetWatchesRequest,
          ctx.watcher,
        );
        return { err: ErrorCode.OK, response: { op: 'empty' }, notifications };
      }
      case 'multiRead': {
        const results: MultiSubResult[] = request.ops.map((sub) => {
          // MultiOperationRecord rebuilds each read as Op.getData/getChildren(path): the watch
          // flag on the wire is dropped, so multiRead never sets a watch (observed, 3.8.0).
          const r = this.run({ ...sub, watch: false } as Request, ctx);
          if (r.err !== ErrorCode.OK) return { op: 'error', err: r.err };
          const res = r.response!;
          if (res.op === 'getData') return { op: 'getData', data: res.data, stat: res.stat };
          if (res.op === 'getChildren') return { op: 'getChildren', children: res.children };
          return { op: 'error', err: ErrorCode.MARSHALLINGERROR };
        });
        return ok({ op: 'multiRead', results });
      }
      default:
        return fail(ErrorCode.UNIMPLEMENTED);
    }
  }
}
