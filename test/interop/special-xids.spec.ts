/**
 * The requests ZooKeeper answers outside the ordinary request/reply path, sent as raw frames to
 * Apache ZooKeeper 3.8 and to our member: the expectations are Apache's answers (observed, and
 * read from ZooKeeperServer.processPacket / FinalRequestProcessor). The auth case is the bug that
 * started this: a client whose auth packet is not on xid -4 must still get its answer, on its xid.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorCode } from '../../libs/coordination/src/protocol/constants.js';
import { JuteWriter } from '../../libs/coordination/src/protocol/jute-writer.js';
import { encodeRequest } from '../../libs/coordination/src/protocol/request-codec.js';
import type { Ensemble } from '../support/ensemble.js';
import { RawSession, type RawReply } from '../support/raw-session.js';
import { describeEachTarget } from '../support/targets.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

/** A request frame with an exact xid, opcode and body. */
function frame(xid: number, type: number, body: (w: JuteWriter) => void = () => undefined): Buffer {
  const w = new JuteWriter(64);
  w.int(xid).int(type);
  body(w);
  return w.toFrame();
}
const authPacket = (xid: number, scheme: string, auth: string) =>
  frame(xid, 100, (w) => {
    w.int(0).ustring(scheme).buffer(Buffer.from(auth));
  });

/** Every frame up to and including the reply on `xid` (watch events before it included), in order. */
async function framesThrough(raw: RawSession, xid: number): Promise<{ xid: number; err: number }[]> {
  const out: { xid: number; err: number }[] = [];
  for (;;) {
    const f = await raw.nextFrame(5000);
    if (!f) throw new Error(`connection closed or silent before the reply on xid ${xid}`);
    out.push({ xid: f.readInt32BE(0), err: f.readInt32BE(12) });
    if (out.at(-1)!.xid === xid) return out;
  }
}

/** The next reply on `raw` that is not a watch event, or undefined (closed / timed out). */
async function replyOn(raw: RawSession): Promise<RawReply | undefined> {
  return raw.reply(5000);
}

describeEachTarget('special xids and opcodes', (target) => {
  let zk: Ensemble;
  let port: number;
  beforeAll(async () => {
    zk = await target.start({});
    port = zk.members[0]!.clientPort;
  });
  afterAll(async () => {
    await zk?.stop();
  });

  /** zxid the server reports right now (header of a read's reply). */
  async function currentZxid(raw: RawSession): Promise<number> {
    const r = await raw.call({ op: 'exists', path: '/', watch: false });
    return r!.zxid;
  }

  it('answers an auth packet sent on xid 7 on xid 7, with zxid 0, and keeps the connection', async () => {
    const { raw } = await RawSession.session(port);
    raw.send(authPacket(7, 'digest', 'alice:secret'));
    const r = await replyOn(raw);
    expect(r).toMatchObject({ xid: 7, zxid: 0, err: ErrorCode.OK });
    expect(r!.body.length).toBe(0);
    // and the auth took effect: whoAmI lists the user
    const who = await raw.call({ op: 'whoAmI' });
    expect(who!.body.toString('latin1')).toContain('alice');
    raw.close();
  });

  it('answers auth on -4 on -4, and a digest without a colon is still OK', async () => {
    const { raw } = await RawSession.session(port);
    raw.send(authPacket(-4, 'digest', 'nocolon'));
    expect(await replyOn(raw)).toMatchObject({ xid: -4, zxid: 0, err: ErrorCode.OK });
    raw.send(authPacket(0x7fffffff, 'ip', '10.1.2.3'));
    expect(await replyOn(raw)).toMatchObject({ xid: 0x7fffffff, zxid: 0, err: ErrorCode.OK });
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it('answers an unknown auth scheme with AUTHFAILED on the request xid, zxid 0, then closes', async () => {
    const { raw } = await RawSession.session(port);
    raw.send(authPacket(7, 'nope', 'x'));
    expect(await replyOn(raw)).toMatchObject({ xid: 7, zxid: 0, err: ErrorCode.AUTHFAILED });
    expect(await raw.closedWithin(3000)).toBe(true);
  });

  it('drops a connection whose auth packet does not decode, without a reply', async () => {
    const { raw } = await RawSession.session(port);
    raw.send(frame(9, 100, (w) => w.int(0)));
    expect(await replyOn(raw)).toBeUndefined();
    expect(raw.closed).toBe(true);
  });

  it('answers a ping on xid -2 whatever xid it carried, with the current zxid', async () => {
    const { raw } = await RawSession.session(port);
    const zxid = await currentZxid(raw);
    raw.send(frame(5, 11));
    expect(await replyOn(raw)).toMatchObject({ xid: -2, zxid, err: ErrorCode.OK });
    raw.close();
  });

  it('answers setWatches and setWatches2 on their own xid, after the events they fire', async () => {
    const { raw } = await RawSession.session(port);
    await raw.call({ op: 'create', path: '/special-sw', data: null, acl: OPEN, flags: 0 });
    raw.send(
      frame(6, 101, (w) => {
        w.zxid(0).stringList([]).stringList(['/special-sw']).stringList([]);
      }),
    );
    // NodeCreated first (it exists, the client thought not), then the reply on xid 6
    expect(await framesThrough(raw, 6)).toEqual([
      { xid: -1, err: 0 },
      { xid: 6, err: ErrorCode.OK },
    ]);
    raw.send(
      frame(12, 105, (w) => {
        w.zxid(0).stringList([]).stringList([]).stringList([]).stringList(['/special-sw']).stringList([]);
      }),
    );
    expect(await replyOn(raw)).toMatchObject({ xid: 12, err: ErrorCode.OK });
    raw.close();
  });

  it('answers closeSession on its xid and then closes the connection', async () => {
    const { raw } = await RawSession.session(port);
    raw.send(frame(12, -11));
    expect(await replyOn(raw)).toMatchObject({ xid: 12, err: ErrorCode.OK });
    expect(await raw.closedWithin(3000)).toBe(true);
  });

  it('answers sasl (not configured) OK with a null token on its xid, zxid 0', async () => {
    const { raw } = await RawSession.session(port);
    raw.send(frame(8, 102, (w) => w.buffer(Buffer.from('token'))));
    const r = await replyOn(raw);
    expect(r).toMatchObject({ xid: 8, zxid: 0, err: ErrorCode.OK });
    expect(r!.body.toString('hex')).toBe('ffffffff');
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it('closes a connection whose first frame is a request, not a ConnectRequest, without a reply', async () => {
    const raw = await RawSession.open(port);
    raw.send(encodeRequest(5, { op: 'getData', path: '/', watch: false }));
    expect(await raw.nextFrame(3000)).toBeUndefined();
    expect(raw.closed).toBe(true);
  });

  it('answers an unknown opcode with UNIMPLEMENTED on its xid and zxid -1, then closes', async () => {
    for (const type of [999, 10]) {
      const { raw } = await RawSession.session(port);
      raw.send(frame(3, type));
      expect(await replyOn(raw)).toMatchObject({ xid: 3, zxid: -1, err: ErrorCode.UNIMPLEMENTED });
      expect(await raw.closedWithin(3000)).toBe(true);
    }
  });

  it('fails reconfig, deleteContainer and createSession from a client through error txns', async () => {
    const { raw } = await RawSession.session(port);
    const cases: [Buffer, number][] = [
      [frame(4, 16, (w) => w.ustring(null).ustring(null).ustring(null).zxid(-1)), ErrorCode.RECONFIGDISABLED],
      [frame(4, 20, (w) => w.ustring('/special-dc')), ErrorCode.BADARGUMENTS],
      [frame(4, -10), ErrorCode.MARSHALLINGERROR],
    ];
    for (const [bytes, err] of cases) {
      const before = await currentZxid(raw);
      raw.send(bytes);
      const r = await replyOn(raw);
      expect(r).toMatchObject({ xid: 4, err });
      // an error txn takes a zxid of its own
      expect(r!.zxid).toBe(before + 1);
    }
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it('sends watch events only to watchers that may read the node', async () => {
    const { raw } = await RawSession.session(port);
    await raw.call({ op: 'exists', path: '/special-noread', watch: true });
    const noRead = [{ perms: 30, id: { scheme: 'world', id: 'anyone' } }];
    const createXid = raw.request({
      op: 'create',
      path: '/special-noread',
      data: null,
      acl: noRead,
      flags: 0,
    });
    // an event would come before the create's reply; nothing but the reply arrives
    expect(await framesThrough(raw, createXid)).toEqual([{ xid: createXid, err: ErrorCode.OK }]);
    // the watch was used up all the same: a reader's change later sends nothing either
    await raw.call({ op: 'setACL', path: '/special-noread', acl: OPEN, version: -1 });
    const setXid = raw.request({ op: 'setData', path: '/special-noread', data: null, version: -1 });
    expect(await framesThrough(raw, setXid)).toEqual([{ xid: setXid, err: ErrorCode.OK }]);
    raw.close();
  });
});

// Apache 3.8.0 itself stops on this request (see allowed-differences.ts, 'createttl-negative-ttl'):
// only our member is asked, and it must answer and keep serving.
describeEachTarget('createTTL with non-TTL flags and a negative ttl', (target) => {
  let zk: Ensemble;
  beforeAll(async () => {
    if (target.name === 'registrar') zk = await target.start({});
  });
  afterAll(async () => {
    await zk?.stop();
  });
  it.skipIf(target.name !== 'registrar')('answers BADARGUMENTS and keeps serving', async () => {
    const { raw } = await RawSession.session(zk.members[0]!.clientPort);
    const r = await raw.call({
      op: 'createTTL',
      path: '/special-ttl',
      data: null,
      acl: OPEN,
      flags: 1,
      ttl: -5,
    });
    expect(r?.err).toBe(ErrorCode.BADARGUMENTS);
    const witness = await RawSession.session(zk.members[0]!.clientPort);
    expect((await witness.raw.call({ op: 'exists', path: '/', watch: false }))?.err).toBe(0);
    witness.raw.close();
    raw.close();
  });
});
