import { describe, expect, it } from 'vitest';
import type { ACL } from '../protocol/records.js';
import { DataTree } from './data-tree.js';
import { decodeTxn, encodeTxn } from './txn-codec.js';
import type { Txn, TxnBody } from './txn.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
let zxid = 0x100000000;
const txn = (body: TxnBody): Txn => ({
  header: { sessionId: 1n, cxid: 0, zxid: ++zxid, time: 1_700_000_000_000 },
  body,
});

// ZooKeeper keeps "no data" (length -1 on the wire) apart from empty data: zkCli prints `null`
// for the first and an empty line for the second, and node-zookeeper-client returns null.
describe('null data', () => {
  it('is stored, replicated and snapshotted as null, distinct from empty', () => {
    const tree = new DataTree();
    for (const body of [
      { type: 'create', path: '/none', data: null, acl: OPEN, ephemeralOwner: 0n, parentCVersion: 2 },
      {
        type: 'create',
        path: '/empty',
        data: Buffer.alloc(0),
        acl: OPEN,
        ephemeralOwner: 0n,
        parentCVersion: 3,
      },
      {
        type: 'create',
        path: '/set-null',
        data: Buffer.from('x'),
        acl: OPEN,
        ephemeralOwner: 0n,
        parentCVersion: 4,
      },
      { type: 'setData', path: '/set-null', data: null, version: 1 },
    ] satisfies TxnBody[]) {
      tree.apply(decodeTxn(encodeTxn(txn(body)))); // through the txn codec, as the log and ZAB carry it
    }
    const check = (t: DataTree) => {
      expect(t.getData('/none')!.data).toBeNull();
      expect(t.getData('/none')!.stat.dataLength).toBe(0);
      expect(t.getData('/empty')!.data).toEqual(Buffer.alloc(0));
      expect(t.getData('/set-null')!.data).toBeNull();
    };
    check(tree);
    const restored = DataTree.fromNodes([...tree.serializeNodes()], tree.lastProcessedZxid);
    check(restored);
    expect(restored.digest()).toBe(tree.digest());
  });
});
