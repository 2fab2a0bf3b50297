import { describe, expect, it } from 'vitest';
import {
  decodeConnectRequest,
  decodeConnectResponse,
  encodeConnectRequest,
  encodeConnectResponse,
} from './connect-codec.js';
import { MarshallingError } from './errors.js';
import { FrameDecoder, encodeFrame } from './frame-decoder.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Reference §1.2: a new ZooKeeper 3.8 client's ConnectRequest frame, len = 45.
const GOLDEN_CONNECT_FRAME = hex(
  '0000002d 00000000 0000000000000000 00007530 0000000000000000 00000010' + '00'.repeat(16) + '00',
);

describe('connect codec', () => {
  it('decodes the 45-byte connect frame of a new 3.8 client', () => {
    const [payload, ...rest] = new FrameDecoder().push(GOLDEN_CONNECT_FRAME);
    expect(rest).toEqual([]);
    expect(payload!.length).toBe(45);
    expect(decodeConnectRequest(payload!)).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
  });

  it('encodes the same 45 bytes back', () => {
    const req = decodeConnectRequest(GOLDEN_CONNECT_FRAME.subarray(4));
    expect(encodeFrame(encodeConnectRequest(req))).toEqual(GOLDEN_CONNECT_FRAME);
  });

  it('treats a missing readOnly byte (node-zookeeper-client) as undefined, and round-trips it', () => {
    const req = {
      protocolVersion: 0,
      lastZxidSeen: 0x3_0000_0010,
      timeOut: 10000,
      sessionId: 0x7f00_0001_2345_6789n,
      passwd: Buffer.from('0123456789abcdef'),
      readOnly: undefined,
    };
    const payload = encodeConnectRequest(req);
    expect(payload.length).toBe(44);
    expect(decodeConnectRequest(payload)).toEqual(req);
    expect(decodeConnectRequest(encodeConnectRequest({ ...req, readOnly: true })).readOnly).toBe(true);
  });

  it('emits the readOnly byte in the response only when asked to', () => {
    const res = {
      protocolVersion: 0,
      timeOut: 4000,
      sessionId: 0x0100_0000_0000_0001n,
      passwd: Buffer.alloc(16, 7),
      readOnly: undefined,
    };
    const without = encodeConnectResponse(res);
    expect(without.length).toBe(36);
    expect(decodeConnectResponse(without)).toEqual(res);
    const withByte = encodeConnectResponse({ ...res, readOnly: false });
    expect(withByte.length).toBe(37);
    expect(withByte[36]).toBe(0);
    expect(decodeConnectResponse(withByte)).toEqual({ ...res, readOnly: false });
  });

  it('encodes the "expired" answer {0, 0, 0, 16 x 00}', () => {
    const buf = encodeConnectResponse({
      protocolVersion: 0,
      timeOut: 0,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
    expect(buf).toEqual(hex('00000000 00000000 0000000000000000 00000010' + '00'.repeat(16) + '00'));
  });

  it('rejects truncated or forged handshakes with MarshallingError', () => {
    expect(() => decodeConnectRequest(GOLDEN_CONNECT_FRAME.subarray(4, 20))).toThrow(MarshallingError);
    const forged = Buffer.from(GOLDEN_CONNECT_FRAME.subarray(4));
    forged.writeInt32BE(0x7fffffff, 24); // passwd length
    expect(() => decodeConnectRequest(forged)).toThrow(MarshallingError);
    expect(() => decodeConnectResponse(Buffer.alloc(3))).toThrow(MarshallingError);
  });
});
