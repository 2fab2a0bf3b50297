/**
 * In-process memory of the DataTree alone: applies N create txns of 100-byte values (the same
 * shape as the coordinator bench's --memory-nodes load) and prints heap/external/RSS after a full GC.
 * Also times the digest: its first sum at once, kept through writes, and built in slices.
 * Run: node --expose-gc --import tsx bench/tree-memory.ts [nodes]
 */
import { DataTree } from '../libs/coordination/src/tree/data-tree.js';
import { OPEN_ACL_UNSAFE } from '../libs/coordination/src/tree/acl.js';
import type { Txn } from '../libs/coordination/src/tree/txn.js';

const count = Number(process.argv[2] ?? 1_000_000);
const fanout = 1000;
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number) => (b / 1048576).toFixed(1);
const usage = (label: string) => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  console.log(
    `${label}: rss ${mb(m.rss)} MiB, heapUsed ${mb(m.heapUsed)}, external ${mb(m.external)}, arrayBuffers ${mb(m.arrayBuffers)}`,
  );
  return m;
};

const base = usage('empty');
const tree = new DataTree();
let zxid = (5 * 2 ** 32) | 0;
zxid = 5 * 2 ** 32;
const txn = (body: Txn['body']): Txn => ({
  header: { sessionId: 0x1234_5678_9abcn, cxid: 1, zxid: ++zxid, time: 1_764_000_000_000 + zxid },
  body,
});
const acl = () => OPEN_ACL_UNSAFE.map((a) => ({ perms: a.perms, id: { ...a.id } }));
tree.apply(
  txn({ type: 'create', path: '/mem', data: null, acl: acl(), ephemeralOwner: 0n, parentCVersion: 1 }),
);
for (let d = 0; d < Math.ceil(count / fanout); d++)
  tree.apply(
    txn({
      type: 'create',
      path: `/mem/d${d}`,
      data: null,
      acl: acl(),
      ephemeralOwner: 0n,
      parentCVersion: d + 1,
    }),
  );
const t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  // A fresh Buffer per value, as a decoded request would bring.
  const value = Buffer.alloc(100, 0x61);
  tree.apply(
    txn({
      type: 'create',
      path: `/mem/d${Math.floor(i / fanout)}/n${i % fanout}`,
      data: value,
      acl: acl(),
      ephemeralOwner: BigInt(0),
      parentCVersion: (i % fanout) + 1,
    }),
  );
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const after = usage(`${count} znodes`);
console.log(
  `per znode: ${((after.rss - base.rss) / count).toFixed(0)} B of RSS (large columns are resizable ArrayBuffers, not counted in external); apply ${((ms / count) * 1000).toFixed(2)} us/create; nodes ${tree.nodeCount}`,
);
const msSince = (t: bigint) => (Number(process.hrtime.bigint() - t) / 1e6).toFixed(0);
// The first read hashes every node and starts the running sum (tree/digest.ts).
const d0 = process.hrtime.bigint();
const digest = tree.digest();
console.log(`digest ${digest}: first read (every node hashed) in ${msSince(d0)} ms`);
// From then on writes keep it: 10,000 rewrites, then a read that hashes only what is pending.
const w0 = process.hrtime.bigint();
for (let i = 0; i < 10_000; i++) {
  const n = (i * 7919) % count;
  tree.apply(
    txn({
      type: 'setData',
      path: `/mem/d${Math.floor(n / fanout)}/n${n % fanout}`,
      data: Buffer.alloc(100, 0x62),
      version: 1,
    }),
  );
}
const writesMs = msSince(w0);
const k0 = process.hrtime.bigint();
const kept = tree.digest();
console.log(`after 10,000 setData (${writesMs} ms): digest read in ${msSince(k0)} ms`);
// A tree restored from a snapshot of the same state must agree.
const restored = DataTree.fromNodes(tree.serializeNodes(), tree.lastProcessedZxid);
const r0 = process.hrtime.bigint();
const full = restored.digest();
console.log(
  `restored tree: digest ${full === kept ? 'equal' : `DIFFERENT ${full} vs ${kept}`}, first read in ${msSince(r0)} ms`,
);
// The same first sum built in slices, as a member answers mntr (CoordinatorServer.treeDigest: 5,000
// nodes per turn of its event loop): how long the longest slice holds the thread, and the total.
const sliced = DataTree.fromNodes(tree.serializeNodes(), tree.lastProcessedZxid);
let slices = 0;
let longest = 0;
let slicedDigest: string | undefined;
const s0 = process.hrtime.bigint();
while (slicedDigest === undefined) {
  const t = process.hrtime.bigint();
  slicedDigest = sliced.digestWithin(5_000);
  longest = Math.max(longest, Number(process.hrtime.bigint() - t) / 1e6);
  slices++;
}
console.log(
  `sliced first sum: ${slices} slices of 5,000 nodes in ${msSince(s0)} ms, longest ${longest.toFixed(1)} ms; digest ${slicedDigest === kept ? 'equal' : `DIFFERENT ${slicedDigest} vs ${kept}`}`,
);
