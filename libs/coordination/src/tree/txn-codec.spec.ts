import { describe, expect, it } from 'vitest';
import { CONTAINER_EPHEMERAL_OWNER } from '../protocol/constants.js';
import { decodeTxn, encodeTxn } from './txn-codec.js';
import type { Txn, TxnBody } from './txn.js';

const hdr = { sessionId: -0x7fffffffffffffffn, cxid: -8, zxid: 0x500000007, time: 1795372557366 };
const bodies: TxnBody[] = [
  {
    type: 'create',
    path: '/a/é',
    data: Buffer.from([0, 1, 255]),
    acl: [{ perms: 31, id: { scheme: 'digest', id: 'u:x' } }],
    ephemeralOwner: CONTAINER_EPHEMERAL_OWNER,
    parentCVersion: -2147483648,
  },
  { type: 'delete', path: '/a' },
  { type: 'setData', path: '/a', data: Buffer.alloc(0), version: 7 },
  { type: 'setACL', path: '/a', acl: [], version: 2 },
  { type: 'check', path: '/a', version: -1 },
  { type: 'createSession', timeOut: 30000, passwd: Buffer.alloc(16, 7) },
  { type: 'closeSession', paths: ['/e1', '/e2'] },
  { type: 'error', err: -101 },
  {
    type: 'multi',
    txns: [
      { type: 'error', err: 0 },
      { type: 'delete', path: '/x' },
    ],
  },
  { type: 'multi', txns: [] },
];

describe('txn codec', () => {
  it.each(bodies.map((b) => [b.type, b] as const))('round-trips %s', (_t, body) => {
    const txn: Txn = { header: hdr, body };
    expect(decodeTxn(encodeTxn(txn))).toEqual(txn);
  });
  it('rejects truncation, trailing bytes, unknown tags and nested multi', () => {
    const buf = encodeTxn({ header: hdr, body: bodies[0]! });
    expect(() => decodeTxn(buf.subarray(0, buf.length - 1))).toThrow();
    expect(() => decodeTxn(Buffer.concat([buf, Buffer.alloc(1)]))).toThrow(/trailing/);
    const bad = Buffer.from(buf);
    bad[1 + 8 + 4 + 8 + 8] = 99;
    expect(() => decodeTxn(bad)).toThrow(/unknown txn tag/);
    const nested = encodeTxn({ header: hdr, body: { type: 'multi', txns: [{ type: 'multi', txns: [] }] } });
    expect(() => decodeTxn(nested)).toThrow(/nested/);
  });
});
