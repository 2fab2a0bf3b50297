/**
 * Ordering and session guarantees, checked frame by frame against Apache ZooKeeper 3.8 and our
 * member with the same steps: replies in request order under pipelining, read-your-writes, a watch
 * event before any reply that reveals the change, expiry and close deleting ephemerals, and the
 * reconnect rules (password, lastZxidSeen).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JuteReader } from '../../libs/coordination/src/protocol/jute-reader.js';
import { readWatcherEvent } from '../../libs/coordination/src/protocol/record-codec.js';
import type { Request } from '../../libs/coordination/src/protocol/records.js';
import { decodeReplyBody } from '../../libs/coordination/src/protocol/response-codec.js';
import type { Ensemble } from '../support/ensemble.js';
import { RawSession, type RawReply } from '../support/raw-session.js';
import { describeEachTarget } from '../support/targets.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const create = (path: string, data = '', flags = 0): Request => ({
  op: 'create',
  path,
  data: Buffer.from(data),
  acl: OPEN,
  flags,
});
const dataOf = (r: RawReply) => {
  const res = decodeReplyBody('getData', new JuteReader(r.body));
  return res.op === 'getData' ? res.data?.toString() : undefined;
};
const eventOf = (r: RawReply) => readWatcherEvent(new JuteReader(r.body));

describeEachTarget('session semantics', (target) => {
  let zk: Ensemble;
  let port: number;
  const TICK = 200; // min session timeout 400 ms, max 4 s
  beforeAll(async () => {
    zk = await target.start({ tickTime: TICK });
    port = zk.members[0]!.clientPort;
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('answers a pipelined burst in request order and every read sees the writes before it', async () => {
    const { raw } = await RawSession.session(port);
    await raw.call(create('/burst', '0'));
    const reqs: Request[] = [];
    for (let i = 1; i <= 150; i++) {
      reqs.push({ op: 'setData', path: '/burst', data: Buffer.from(String(i)), version: -1 });
      reqs.push({ op: 'getData', path: '/burst', watch: false });
      if (i % 10 === 0) reqs.push(create(`/burst/c${i}`));
    }
    const xids = raw.burst(reqs);
    const replies: RawReply[] = [];
    for (let i = 0; i < xids.length; i++) replies.push((await raw.reply(5000))!);
    expect(replies.map((r) => r.xid)).toEqual(xids);
    let expected = 0;
    replies.forEach((r, i) => {
      expect(r.err).toBe(0);
      if (reqs[i]!.op === 'setData') expected++;
      if (reqs[i]!.op === 'getData') expect(dataOf(r)).toBe(String(expected));
    });
    // zxids in reply headers never go backwards
    for (let i = 1; i < replies.length; i++)
      expect(replies[i]!.zxid).toBeGreaterThanOrEqual(replies[i - 1]!.zxid);
    raw.close();
  });

  it('delivers the watch event before the reply of a later read that shows the change', async () => {
    const { raw } = await RawSession.session(port);
    await raw.call(create('/wbd', 'old'));
    expect((await raw.call({ op: 'getData', path: '/wbd', watch: true }))!.err).toBe(0);
    const other = await RawSession.session(port);
    const [setXid] = other.raw.burst([
      { op: 'setData', path: '/wbd', data: Buffer.from('new'), version: -1 },
    ]);
    expect((await other.raw.reply())!.xid).toBe(setXid);
    const [getXid] = raw.burst([{ op: 'getData', path: '/wbd', watch: false }]);
    const frames = await raw.collect(500);
    const eventAt = frames.findIndex((f) => f.xid === -1);
    const replyAt = frames.findIndex((f) => f.xid === getXid);
    expect(eventAt).toBeGreaterThanOrEqual(0);
    expect(eventOf(frames[eventAt]!)).toEqual({ type: 3, state: 3, path: '/wbd' });
    expect(eventAt).toBeLessThan(replyAt);
    expect(dataOf(frames[replyAt]!)).toBe('new');
    raw.close();
    other.raw.close();
  });

  it("fires its own write's watch before that write's reply", async () => {
    const { raw } = await RawSession.session(port);
    await raw.call(create('/own', 'a'));
    await raw.call({ op: 'exists', path: '/own', watch: true });
    const [setXid] = raw.burst([{ op: 'setData', path: '/own', data: Buffer.from('b'), version: -1 }]);
    const frames = await raw.collect(500);
    expect(frames.map((f) => f.xid)).toEqual([-1, setXid]);
    raw.close();
  });

  it('expires a silent session: its ephemerals go, watchers hear NodeDeleted, and it cannot resume', async () => {
    const silent = await RawSession.session(port, 400);
    expect(silent.response.timeOut).toBe(2 * TICK); // clamped to minSessionTimeout
    expect((await silent.raw.call(create('/eph', 'x', 1)))!.err).toBe(0);
    const watcher = await RawSession.session(port, 4000);
    await watcher.raw.call({ op: 'exists', path: '/eph', watch: true });
    silent.raw.socket.pause(); // send nothing, read nothing: no pings
    // Bounded wait (not a timing claim): expiry must happen, long before this bound.
    let deleted: RawReply | undefined;
    const deadline = Date.now() + 5000;
    while (!deleted && Date.now() < deadline) {
      const f = await watcher.raw.nextFrame(deadline - Date.now());
      if (f && f.readInt32BE(0) === -1) deleted = { xid: -1, zxid: 0, err: 0, body: f.subarray(16) };
    }
    expect(deleted && eventOf(deleted)).toEqual({ type: 2, state: 3, path: '/eph' });
    expect((await watcher.raw.call({ op: 'exists', path: '/eph', watch: false }))!.err).toBe(-101);
    const resumed = await RawSession.handshake(port, {
      sessionId: silent.response.sessionId,
      passwd: silent.response.passwd,
      timeOut: 400,
    });
    expect(resumed.response?.timeOut ?? 0).toBe(0);
    silent.raw.close();
    watcher.raw.close();
  });

  it('closeSession deletes ephemerals at once', async () => {
    const a = await RawSession.session(port, 4000);
    await a.raw.call(create('/closing', '', 1));
    const b = await RawSession.session(port, 4000);
    await b.raw.call({ op: 'exists', path: '/closing', watch: true });
    expect((await a.raw.call({ op: 'closeSession' }))!.err).toBe(0);
    expect(await a.raw.closedWithin(2000)).toBe(true);
    const frames = await b.raw.collect(300);
    expect(frames.some((f) => f.xid === -1 && eventOf(f).type === 2)).toBe(true);
    expect((await b.raw.call({ op: 'exists', path: '/closing', watch: false }))!.err).toBe(-101);
    b.raw.close();
  });

  it('resumes a session with the right password and refuses a wrong one', async () => {
    const a = await RawSession.session(port, 4000);
    await a.raw.call(create('/resume', '', 1));
    const wrong = await RawSession.handshake(port, {
      sessionId: a.response.sessionId,
      passwd: Buffer.alloc(16, 7),
      timeOut: 4000,
    });
    expect(wrong.response?.timeOut ?? 0).toBe(0);
    const right = await RawSession.handshake(port, {
      sessionId: a.response.sessionId,
      passwd: a.response.passwd,
      timeOut: 4000,
    });
    expect(right.response?.sessionId).toBe(a.response.sessionId);
    expect(right.response?.timeOut).toBe(4000);
    // The old connection is dropped; the ephemeral lives on under the resumed session.
    expect(await a.raw.closedWithin(2000)).toBe(true);
    expect((await right.raw.call({ op: 'exists', path: '/resume', watch: false }))!.err).toBe(0);
    right.raw.close();
  });

  it('refuses a client that has seen a newer zxid than the server', async () => {
    const { raw, response } = await RawSession.handshake(port, { lastZxidSeen: 2 ** 50 });
    expect(response).toBeUndefined();
    expect(raw.closed).toBe(true);
  });

  it('answers sync with the path', async () => {
    const { raw } = await RawSession.session(port);
    const r = await raw.call({ op: 'sync', path: '/burst' });
    expect(r!.err).toBe(0);
    expect(decodeReplyBody('sync', new JuteReader(r!.body))).toEqual({ op: 'sync', path: '/burst' });
    raw.close();
  });
});
