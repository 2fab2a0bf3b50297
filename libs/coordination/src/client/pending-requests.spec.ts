import { describe, expect, it } from 'vitest';
import { ConnectionLossError, RuntimeInconsistencyError, SessionExpiredError } from '../protocol/errors.js';
import { decodeRequest } from '../protocol/request-codec.js';
import type { Request, Response } from '../protocol/records.js';
import { PendingRequests, ReplyOutOfOrderError, type PendingRequest } from './pending-requests.js';

/** A pending request whose outcome the test can read back. */
function request(path: string, request: Request = { op: 'getData', path, watch: false }) {
  const outcome: { value?: Response | null; error?: Error } = {};
  const p: PendingRequest = {
    xid: 0,
    op: request.op,
    request,
    path,
    noNodeOk: false,
    onReply: undefined,
    resolve: (v) => (outcome.value = v),
    reject: (e) => (outcome.error = e),
  };
  return { p, outcome };
}

describe('PendingRequests', () => {
  it('numbers requests 1, 2, 3 and encodes each frame with its xid', () => {
    const pending = new PendingRequests();
    const frames = ['/a', '/b', '/c'].map((path) => pending.toSend(request(path).p));
    const decoded = frames.map((f) => decodeRequest(f.subarray(4)));
    expect(decoded.map((d) => d.header.xid)).toEqual([1, 2, 3]);
    expect(decoded.map((d) => (d.request as { path: string }).path)).toEqual(['/a', '/b', '/c']);
    expect(pending.inFlightCount).toBe(3);
  });

  it('drops the request object once encoded', () => {
    const pending = new PendingRequests();
    const { p } = request('/a');
    pending.toSend(p);
    expect(p.request).toBeUndefined();
  });

  it('matches replies in send order', () => {
    const pending = new PendingRequests();
    const sent = ['/a', '/b'].map((path) => request(path).p);
    for (const p of sent) pending.toSend(p);
    expect(pending.answer(1)).toBe(sent[0]);
    expect(pending.answer(2)).toBe(sent[1]);
    expect(pending.inFlightCount).toBe(0);
  });

  it('rejects a reply for anything but the oldest request as a protocol violation', () => {
    const pending = new PendingRequests();
    pending.toSend(request('/a').p);
    pending.toSend(request('/b').p);
    const err = (() => {
      try {
        pending.answer(2);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ReplyOutOfOrderError);
    expect(err).toBeInstanceOf(RuntimeInconsistencyError);
    expect(err).toMatchObject({ replyXid: 2, expectedXid: 1 });
  });

  it('rejects a reply when nothing is in flight', () => {
    const pending = new PendingRequests();
    expect(() => pending.answer(1)).toThrow(/reply xid 1 with nothing pending/);
  });

  it('wraps the xid after 2^31-1 back to 1, never to 0 or a negative (reserved) xid', () => {
    const pending = new PendingRequests(0x7ffffffe);
    const xids = [0, 1, 2].map(() => {
      const { p } = request('/a');
      pending.toSend(p);
      return p.xid;
    });
    expect(xids).toEqual([0x7fffffff, 1, 2]);
  });

  it('keeps matching across compaction of answered slots', () => {
    const pending = new PendingRequests();
    const n = 5000;
    const sent = Array.from({ length: n }, (_, i) => request(`/n${i}`).p);
    for (const p of sent) pending.toSend(p);
    const answered = Array.from({ length: n - 1 }, (_, i) => pending.answer(i + 1));
    expect(answered.every((p, i) => p === sent[i])).toBe(true);
    expect(pending.inFlightCount).toBe(1);
    expect(pending.answer(n)).toBe(sent[n - 1]);
  });

  it('fails everything in flight, oldest first, with errors that name each path', () => {
    const pending = new PendingRequests();
    const a = request('/a');
    const b = request('/b');
    const order: string[] = [];
    for (const r of [a, b]) {
      const reject = r.p.reject;
      r.p.reject = (e) => {
        order.push(r.p.path!);
        reject(e);
      };
      pending.toSend(r.p);
    }
    pending.failInFlight(() => new ConnectionLossError());
    expect(order).toEqual(['/a', '/b']);
    expect(a.outcome.error).toBeInstanceOf(ConnectionLossError);
    expect(a.outcome.error!.message).toContain('for /a');
    expect(b.outcome.error!.message).toContain('for /b');
    expect(pending.inFlightCount).toBe(0);
  });

  it('holds requests until a connection is usable, then hands them over in call order', () => {
    const pending = new PendingRequests();
    const held = ['/a', '/b'].map((path) => request(path).p);
    for (const p of held) pending.hold(p);
    expect(pending.waitingCount).toBe(2);
    expect(pending.takeWaiting()).toEqual(held);
    expect(pending.waitingCount).toBe(0);
  });

  it('fails waiting requests when the session ends', () => {
    const pending = new PendingRequests();
    const a = request('/a');
    pending.hold(a.p);
    pending.failWaiting(() => new SessionExpiredError());
    expect(a.outcome.error).toBeInstanceOf(SessionExpiredError);
    expect(a.outcome.error!.message).toContain('for /a');
    expect(pending.waitingCount).toBe(0);
  });
});
