/**
 * The session handshake: the first frame of a connection is a ConnectRequest with no
 * RequestHeader, answered by a ConnectResponse with no ReplyHeader (reference §1.2).
 * The trailing readOnly byte is optional on both sides: node-zookeeper-client omits it, and
 * ZooKeeper echoes it only to clients that sent it, so we model it as `boolean | undefined`.
 */
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';
import { MarshallingError, CoordinationError } from './errors.js';
import type { ConnectRequest, ConnectResponse } from './records.js';

function wrap<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof CoordinationError) throw e;
    throw new MarshallingError(undefined, { detail: String(e), cause: e });
  }
}

/**
 * Decodes a ConnectRequest payload (a frame without its length prefix, as FrameDecoder yields).
 * @throws MarshallingError when the bytes do not hold a ConnectRequest.
 */
export function decodeConnectRequest(frame: Buffer): ConnectRequest {
  return wrap(() => {
    const r = new JuteReader(frame);
    const protocolVersion = r.int();
    const lastZxidSeen = r.zxid();
    const timeOut = r.int();
    const sessionId = r.long();
    const passwd = r.bytes();
    const readOnly = r.remaining > 0 ? r.bool() : undefined;
    return { protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly };
  });
}

/** Encodes a ConnectRequest payload (no length prefix; see encodeFrame). */
export function encodeConnectRequest(req: ConnectRequest): Buffer {
  const w = new JuteWriter(48);
  w.int(req.protocolVersion);
  w.zxid(req.lastZxidSeen);
  w.int(req.timeOut);
  w.long(req.sessionId);
  w.buffer(req.passwd);
  if (req.readOnly !== undefined) w.bool(req.readOnly);
  return w.toBuffer();
}

/** Decodes a ConnectResponse payload (frame without its length prefix). */
export function decodeConnectResponse(frame: Buffer): ConnectResponse {
  return wrap(() => {
    const r = new JuteReader(frame);
    const protocolVersion = r.int();
    const timeOut = r.int();
    const sessionId = r.long();
    const passwd = r.bytes();
    const readOnly = r.remaining > 0 ? r.bool() : undefined;
    return { protocolVersion, timeOut, sessionId, passwd, readOnly };
  });
}

/**
 * Encodes a ConnectResponse payload (no length prefix; see encodeFrame). The readOnly byte is
 * emitted only when `res.readOnly !== undefined`, i.e. when the request carried it.
 */
export function encodeConnectResponse(res: ConnectResponse): Buffer {
  const w = new JuteWriter(40);
  w.int(res.protocolVersion);
  w.int(res.timeOut);
  w.long(res.sessionId);
  w.buffer(res.passwd);
  if (res.readOnly !== undefined) w.bool(res.readOnly);
  return w.toBuffer();
}
