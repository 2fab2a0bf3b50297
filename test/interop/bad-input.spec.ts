/**
 * Bad input gets ZooKeeper's answer and costs nobody else anything. The same table runs against
 * Apache ZooKeeper 3.8 and our member (the expected codes are Apache's, observed); then a seeded
 * fuzz campaign throws random and mutated frames at our member while a witness session keeps
 * working, and the session table must drain back to the witness alone.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../libs/coordination/src/protocol/frame-decoder.js';
import { encodeConnectRequest } from '../../libs/coordination/src/protocol/connect-codec.js';
import type { CreateRequest, Request } from '../../libs/coordination/src/protocol/records.js';
import { encodeRequest } from '../../libs/coordination/src/protocol/request-codec.js';
import type { Ensemble } from '../support/ensemble.js';
import { fourLetterWord, parseMntr } from '../support/four-letter-word.js';
import { RawSession } from '../support/raw-session.js';
import { startRegistrar } from '../support/registrar-member.js';
import { describeEachTarget } from '../support/targets.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const create = (path: string, flags = 0, data = Buffer.alloc(0)): Request => ({
  op: 'create',
  path,
  data,
  acl: OPEN,
  flags,
});

// [path, create, getData, delete, create sequential] as Apache ZooKeeper 3.8.0 answers them.
const PATH_TABLE: [string, number, number, number, number][] = [
  ['', -8, 0, -8, -8],
  ['a', -8, -101, -8, -8],
  ['/a/', -101, -101, -101, -101],
  ['/a//b', -101, -101, -101, -101],
  ['/a/./b', -101, -101, -101, -101],
  ['/a/../b', -101, -101, -101, -101],
  ['/a\u0000b', -8, -101, -8, -8],
  ['/a\u0001b', -8, -101, -101, -8],
  ['/\u007fx', -8, -101, -101, -8],
  ['/\ufff0x', -8, -101, -101, -8],
  ['/zookeeper', -110, 0, -8, 0],
];

describeEachTarget('bad input', (target) => {
  let zk: Ensemble;
  let port: number;
  beforeAll(async () => {
    zk = await target.start({});
    port = zk.members[0]!.clientPort;
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('answers invalid paths with ZooKeeper error codes and keeps the connection', async () => {
    const { raw } = await RawSession.session(port);
    for (const [path, c, g, d, s] of PATH_TABLE) {
      const got = [
        (await raw.call(create(path)))?.err,
        (await raw.call({ op: 'getData', path, watch: false }))?.err,
        (await raw.call({ op: 'delete', path, version: -1 }))?.err,
        (await raw.call(create(path, 2)))?.err,
      ];
      expect(got, JSON.stringify(path)).toEqual([c, g, d, s]);
    }
    expect(raw.closed).toBe(false);
    raw.close();
  });

  it('answers a bad version with BADVERSION', async () => {
    const { raw } = await RawSession.session(port);
    expect((await raw.call({ op: 'setData', path: '/', data: Buffer.alloc(0), version: 99 }))?.err).toBe(
      -103,
    );
    expect((await raw.call({ op: 'delete', path: '/zookeeper/quota', version: 7 }))?.err).toBe(-8);
    raw.close();
  });

  it('answers an unknown opcode with UNIMPLEMENTED and closes only that connection', async () => {
    const witness = await RawSession.session(port);
    const { raw } = await RawSession.session(port);
    raw.send(encodeFrame(Buffer.from([0, 0, 0, 5, 0, 0, 0x03, 0xe7])));
    expect((await raw.reply())?.err).toBe(-6);
    expect(await raw.closedWithin(2000)).toBe(true);
    expect((await witness.raw.call(create('/after-unknown-op')))?.err).toBe(0);
    witness.raw.close();
  });

  it('drops a connection that announces a frame over jute.maxbuffer, and serves one just under it', async () => {
    const witness = await RawSession.session(port);
    const huge = await RawSession.session(port);
    huge.raw.send(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    expect(await huge.raw.closedWithin(3000)).toBe(true);

    const big = await RawSession.session(port);
    big.raw.request(create('/too-big', 0, Buffer.alloc(1_100_000)));
    expect(await big.raw.closedWithin(3000)).toBe(true);

    const near = await RawSession.session(port);
    expect((await near.raw.call(create('/near-limit', 0, Buffer.alloc(1_048_000)), 5000))?.err).toBe(0);
    expect((await witness.raw.call({ op: 'exists', path: '/too-big', watch: false }))?.err).toBe(-101);
    near.raw.close();
    witness.raw.close();
  });
});

describe('fuzzed frames against our member', () => {
  let zk: Ensemble;
  let port: number;
  beforeAll(async () => {
    // Short ticks so the fuzzers' abandoned sessions expire within the test.
    zk = await startRegistrar({ tickTime: 100 });
    port = zk.members[0]!.clientPort;
  });
  afterAll(async () => {
    await zk?.stop();
  });

  const connectFrame = encodeFrame(
    encodeConnectRequest({
      protocolVersion: 0,
      lastZxidSeen: 0,
      timeOut: 1000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    }),
  );

  const validRequest: fc.Arbitrary<Request> = fc.oneof(
    fc.string({ maxLength: 12 }).map((s) => create('/f' + s)),
    fc.string({ maxLength: 12 }).map((s): Request => ({ op: 'getData', path: '/' + s, watch: true })),
    fc
      .string({ maxLength: 12 })
      .map((s): Request => ({ op: 'setData', path: '/f' + s, data: Buffer.from(s), version: -1 })),
    fc.string({ maxLength: 12 }).map((s): Request => ({
      op: 'multi',
      ops: [create('/m' + s) as CreateRequest, { op: 'delete', path: '/m' + s, version: 0 }],
    })),
    fc.string({ maxLength: 40 }).map((s): Request => ({ op: 'getChildren2', path: s, watch: false })),
  );

  /** One hostile connection: what it sends after connecting (or instead of connecting). */
  const attack = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => [Buffer.from(b)]),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 120 }))
      .map(([b]) => [connectFrame, encodeFrame(Buffer.from(b))]),
    fc
      .tuple(
        validRequest,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      )
      .map(([req, flips]) => {
        const frame = Buffer.from(encodeRequest(7, req));
        for (const [at, v] of flips) frame[4 + (at % Math.max(1, frame.length - 4))] = v;
        return [connectFrame, frame];
      }),
    fc.tuple(validRequest, fc.nat()).map(([req, cut]) => {
      const frame = encodeRequest(7, req);
      const body = frame.subarray(4, 4 + (cut % (frame.length - 4)));
      return [connectFrame, encodeFrame(Buffer.from(body))];
    }),
    fc.integer({ min: 0x100000, max: 0x7fffffff }).map((len) => {
      const b = Buffer.alloc(8);
      b.writeInt32BE(len, 0);
      return [connectFrame, b];
    }),
    fc.integer({ min: -0x80000000, max: -1 }).map((len) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(len, 0);
      return [b];
    }),
  );

  it('keeps serving a witness session and leaks no session', async () => {
    const witness = await RawSession.session(port, 30_000);
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(
      `fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run --project interop test/interop/bad-input.spec.ts)`,
    );
    let round = 0;
    await fc.assert(
      fc.asyncProperty(attack, async (frames) => {
        const raw = await RawSession.open(port);
        for (const f of frames) raw.send(f);
        await raw.closedWithin(40);
        raw.close();
        const r = await witness.raw.call({ op: 'exists', path: '/', watch: false }, 3000);
        expect(r?.err, `witness after round ${round++}`).toBe(0);
      }),
      { seed, numRuns: 250 },
    );
    expect((await witness.raw.call(create('/witness-still-writes')))?.err).toBe(0);

    // Abandoned sessions (negotiated 1 s with tickTime 100) must all expire: only the witness stays.
    let sessions = -1;
    for (let i = 0; i < 40; i++) {
      sessions = Number(parseMntr(await fourLetterWord(port, 'mntr')).get('zk_global_sessions'));
      if (sessions === 1) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(sessions).toBe(1);
    witness.raw.close();
  });
});
