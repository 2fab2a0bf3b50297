/**
 * One znode as stored in the DataTree. Deliberately lean (memory budget: ~1M znodes in a few
 * hundred MB): no Stat object, no per-node watch maps, ACL lists interned and shared, children
 * a Set of names created only when the first child appears. `cversion` holds ZooKeeper's
 * STORED cversion, i.e. the number of child creations, which is also the sequential counter;
 * the cversion a client sees is derived (see {@link statOfNode}).
 */
import type { ACL, Stat } from '../protocol/records.js';
import { clientEphemeralOwner } from './node-kind.js';

export class ZNode {
  children: Set<string> | null = null;
  constructor(
    public data: Buffer | null,
    public acl: readonly ACL[],
    public ephemeralOwner: bigint,
    public czxid: number,
    public mzxid: number,
    public ctime: number,
    public mtime: number,
    public version: number,
    public cversion: number,
    public aversion: number,
    public pzxid: number,
  ) {}

  get numChildren(): number {
    return this.children === null ? 0 : this.children.size;
  }
}

/**
 * The client-visible Stat of a node. Two derivations observed on Apache ZooKeeper 3.8.0:
 * - cversion = 2 * storedCversion - numChildren, so it counts child creations AND deletions
 *   (3 sequential creates -> 3; delete one -> 4; the next sequential name is still ...0003);
 *   this is also why a fresh server shows cversion -1 on "/" and -2 on "/zookeeper".
 * - ephemeralOwner is 0 for container and TTL nodes.
 */
export function statOfNode(n: ZNode): Stat {
  const numChildren = n.numChildren;
  return {
    czxid: n.czxid,
    mzxid: n.mzxid,
    ctime: n.ctime,
    mtime: n.mtime,
    version: n.version,
    cversion: (2 * n.cversion - numChildren) | 0,
    aversion: n.aversion,
    ephemeralOwner: clientEphemeralOwner(n.ephemeralOwner),
    dataLength: n.data === null ? 0 : n.data.length,
    numChildren,
    pzxid: n.pzxid,
  };
}
