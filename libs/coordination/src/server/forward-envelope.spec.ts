import { describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest } from '../protocol/request-codec.js';
import {
  decodeForward,
  encodeForward,
  ForwardEnvelopeError,
  type ForwardEnvelope,
} from './forward-envelope.js';

describe('forward envelope', () => {
  it('round-trips every kind, including a write whose request frame the leader can decode', () => {
    const frame = encodeRequest(42, {
      op: 'setData',
      path: '/a',
      data: Buffer.from('v'),
      version: 3,
    }).subarray(4);
    const cases: ForwardEnvelope[] = [
      {
        kind: 'write',
        sessionId: -0x1234567890abcn,
        cxid: 42,
        authIds: [
          { scheme: 'ip', id: '127.0.0.1' },
          { scheme: 'digest', id: 'u:h=' },
        ],
        frame,
      },
      { kind: 'createSession', sessionId: 0x0100000000000001n, timeoutMs: 6000, passwd: Buffer.alloc(16, 7) },
      { kind: 'closeSession', sessionId: 5n, cxid: 99 },
      { kind: 'touch', sessionIds: [1n, 2n, 0x7fffffffffffffffn] },
      { kind: 'touch', sessionIds: [] },
      { kind: 'revalidate', sessionId: -0x7000000000000001n },
    ];
    for (const c of cases) expect(decodeForward(encodeForward(c))).toEqual(c);
    const w = decodeForward(encodeForward(cases[0]!));
    if (w.kind !== 'write') throw new Error('kind');
    const { header, request } = decodeRequest(w.frame);
    expect(header.xid).toBe(42);
    expect(request).toMatchObject({ op: 'setData', path: '/a', version: 3 });
  });

  it('rejects an unknown kind', () => {
    expect(() => decodeForward(Buffer.from([77]))).toThrow(ForwardEnvelopeError);
  });
});
