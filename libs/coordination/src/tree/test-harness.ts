/**
 * Test helper (used by specs only): a single-member pipeline of preparer + tree with a zxid
 * counter and a fixed clock, mirroring what the server does per write.
 */
import { OPEN_ACL_UNSAFE } from './acl.js';
import { DataTree, type ApplyResult } from './data-tree.js';
import { RequestPreparer, type PreparerOptions } from './request-preparer.js';
import type { Id, Request } from '../protocol/records.js';
import type { Txn } from './txn.js';

export interface HarnessCaller {
  sessionId?: bigint;
  authIds?: Id[];
  isSuper?: boolean;
}

export class Harness<W = string> {
  readonly tree: DataTree<W>;
  readonly prep: RequestPreparer;
  zxid: number;
  time = 1_000;
  readonly log: Txn[] = [];

  constructor(opts: PreparerOptions & { startZxid?: number } = {}) {
    this.tree = new DataTree<W>();
    this.prep = new RequestPreparer(this.tree, opts);
    this.zxid = opts.startZxid ?? 1; // zxid 1 = the createSession on the real server
  }

  /** Prepares and applies one request; returns the apply result. */
  run(req: Request, who: HarnessCaller = {}): ApplyResult<W> {
    const zxid = ++this.zxid;
    const sessionId = who.sessionId ?? 0x100n;
    const body = this.prep.prepare(req, {
      sessionId,
      zxid,
      authIds: who.authIds ?? [],
      isSuper: who.isSuper,
    });
    const txn: Txn = { header: { sessionId, cxid: zxid, zxid, time: this.time }, body };
    this.log.push(txn);
    const r = this.tree.apply(txn);
    this.prep.applied(zxid);
    return r;
  }

  create(
    path: string,
    flags = 0,
    who: HarnessCaller = {},
    data = Buffer.alloc(0),
    acl = [...OPEN_ACL_UNSAFE],
  ) {
    return this.run({ op: 'create', path, data, acl, flags }, who).result;
  }

  delete(path: string, version = -1, who: HarnessCaller = {}) {
    return this.run({ op: 'delete', path, version }, who).result;
  }

  setData(path: string, data: Buffer, version = -1, who: HarnessCaller = {}) {
    return this.run({ op: 'setData', path, data, version }, who).result;
  }
}
