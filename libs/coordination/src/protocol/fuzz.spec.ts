/**
 * Seeded fuzzing of everything that reads untrusted bytes. Reproduce a failure with
 * FUZZ_SEED=<printed seed> npx vitest run --project unit libs/coordination/src/protocol/fuzz
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeConnectRequest, encodeConnectRequest } from './connect-codec.js';
import { CoordinationError, FrameTooLargeError } from './errors.js';
import { FrameDecoder, encodeFrame } from './frame-decoder.js';
import type { ACL, MultiSubRequest, Request } from './records.js';
import { decodeRequest, encodeRequest } from './request-codec.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 0x7fffffff);
console.log(`protocol fuzz seed=${SEED} (rerun with FUZZ_SEED=${SEED})`);
const RUNS = 400;

// ---- arbitraries for valid requests --------------------------------------------------------------
const str = fc.string({ unit: 'binary', maxLength: 16 });
const path = str;
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const data = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
const acl: fc.Arbitrary<ACL[]> = fc.array(
  fc.record({ perms: int32, id: fc.record({ scheme: str, id: str }) }),
  { maxLength: 3 },
);
const strings = fc.array(str, { maxLength: 4 });
const zxid = fc.maxSafeInteger();

const create = fc.oneof(
  fc.record({
    op: fc.constantFrom('create', 'create2', 'createContainer') as fc.Arbitrary<'create'>,
    path,
    data,
    acl,
    flags: int32,
  }),
  fc.record({
    op: fc.constant('createTTL' as const),
    path,
    data,
    acl,
    flags: int32,
    ttl: fc.integer({ min: 0, max: 2 ** 40 }),
  }),
);
const writeSub: fc.Arbitrary<MultiSubRequest> = fc.oneof(
  create,
  fc.record({ op: fc.constant('delete' as const), path, version: int32 }),
  fc.record({ op: fc.constant('setData' as const), path, data, version: int32 }),
  fc.record({ op: fc.constant('check' as const), path, version: int32 }),
);
const readSub: fc.Arbitrary<MultiSubRequest> = fc.record({
  op: fc.constantFrom('getData', 'getChildren') as fc.Arbitrary<'getData'>,
  path,
  watch: fc.boolean(),
});

const request: fc.Arbitrary<Request> = fc.oneof(
  create,
  fc.record({ op: fc.constant('delete' as const), path, version: int32 }),
  fc.record({
    op: fc.constantFrom('exists', 'getData', 'getChildren', 'getChildren2') as fc.Arbitrary<'exists'>,
    path,
    watch: fc.boolean(),
  }),
  fc.record({ op: fc.constant('setData' as const), path, data, version: int32 }),
  fc.record({ op: fc.constant('getACL' as const), path }),
  fc.record({ op: fc.constant('setACL' as const), path, acl, version: int32 }),
  fc.record({ op: fc.constant('check' as const), path, version: int32 }),
  fc.record({
    op: fc.constantFrom('sync', 'getAllChildrenNumber', 'getEphemerals') as fc.Arbitrary<'sync'>,
    path,
  }),
  fc.record({
    op: fc.constantFrom('checkWatches', 'removeWatches') as fc.Arbitrary<'checkWatches'>,
    path,
    type: int32,
  }),
  fc.record({ op: fc.constant('addWatch' as const), path, mode: int32 }),
  fc.record({
    op: fc.constant('setWatches' as const),
    relativeZxid: zxid,
    dataWatches: strings,
    existWatches: strings,
    childWatches: strings,
    persistentWatches: fc.constant<string[]>([]),
    persistentRecursiveWatches: fc.constant<string[]>([]),
  }),
  fc.record({
    op: fc.constant('setWatches2' as const),
    relativeZxid: zxid,
    dataWatches: strings,
    existWatches: strings,
    childWatches: strings,
    persistentWatches: strings,
    persistentRecursiveWatches: strings,
  }),
  fc.record({ op: fc.constant('auth' as const), type: int32, scheme: str, auth: data }),
  fc.record({ op: fc.constant('multi' as const), ops: fc.array(writeSub, { maxLength: 4 }) }),
  fc.record({ op: fc.constant('multiRead' as const), ops: fc.array(readSub, { maxLength: 4 }) }),
  fc.record({
    op: fc.constant('reconfig' as const),
    joiningServers: fc.option(str, { nil: null }),
    leavingServers: fc.option(str, { nil: null }),
    newMembers: fc.option(str, { nil: null }),
    curConfigId: zxid,
  }),
  fc.record({ op: fc.constantFrom('ping', 'closeSession', 'whoAmI') as fc.Arbitrary<'ping'> }),
);

// ---- allocation watch: no Buffer may be allocated bigger than the input it came from ---------------
let maxAlloc = 0;
const originals = { alloc: Buffer.alloc, allocUnsafe: Buffer.allocUnsafe };
Buffer.alloc = ((size: number, ...rest: unknown[]) => {
  maxAlloc = Math.max(maxAlloc, size);
  return (originals.alloc as (...a: unknown[]) => Buffer)(size, ...rest);
}) as typeof Buffer.alloc;
Buffer.allocUnsafe = ((size: number) => {
  maxAlloc = Math.max(maxAlloc, size);
  return originals.allocUnsafe(size);
}) as typeof Buffer.allocUnsafe;
afterAll(() => {
  Buffer.alloc = originals.alloc;
  Buffer.allocUnsafe = originals.allocUnsafe;
});

/** Runs a decoder on hostile bytes: it may only fail with a CoordinationError, and allocate little. */
function expectSafeDecode(bytes: Buffer, decode: (b: Buffer) => unknown): void {
  maxAlloc = 0;
  try {
    decode(bytes);
  } catch (e) {
    if (!(e instanceof CoordinationError))
      throw new Error(`non-coordination error: ${String(e)}`, { cause: e });
  }
  expect(maxAlloc).toBeLessThanOrEqual(Math.max(bytes.length, 64));
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('huge' as const),
    at: fc.nat(),
    value: fc.constantFrom(0x7fffffff, -2, 0x10000000, -1),
  }),
);

interface Mutation {
  kind: 'flip' | 'truncate' | 'huge';
  at: number;
  value?: number;
}

function mutate(payload: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(payload);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'flip') b[at] = m.value!;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (at + 4 <= b.length) b.writeInt32BE(m.value!, at);
  }
  return b;
}

describe(`protocol fuzz (seed ${SEED})`, () => {
  it('round-trips any valid request', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), request, (xid, req) => {
        const frame = encodeRequest(xid, req);
        const decoded = decodeRequest(frame.subarray(4));
        expect(decoded.header.xid).toBe(xid);
        expect(decoded.request).toEqual(req);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decodeRequest on random bytes throws only CoordinationErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) =>
        expectSafeDecode(Buffer.from(bytes), decodeRequest),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('decodeRequest on mutated valid frames throws only CoordinationErrors and allocates nothing huge', () => {
    fc.assert(
      fc.property(request, fc.array(mutation, { minLength: 1, maxLength: 4 }), (req, muts) => {
        expectSafeDecode(mutate(encodeRequest(1, req).subarray(4), muts), decodeRequest);
      }),
      { seed: SEED, numRuns: RUNS * 2 },
    );
  });

  it('a 0x7fffffff length at every int position of every request never allocates or hangs', () => {
    const samples: Request[] = fc.sample(request, { seed: SEED, numRuns: 60 });
    for (const req of samples) {
      const payload = encodeRequest(1, req).subarray(4);
      for (let at = 0; at + 4 <= payload.length; at++) {
        const b = Buffer.from(payload);
        b.writeInt32BE(0x7fffffff, at);
        expectSafeDecode(b, decodeRequest);
      }
    }
  });

  it('decodeConnectRequest on random and mutated bytes throws only CoordinationErrors', () => {
    const valid = encodeConnectRequest({
      protocolVersion: 0,
      lastZxidSeen: 0,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.array(mutation, { maxLength: 3 }), (bytes, muts) => {
        expectSafeDecode(Buffer.from(bytes), decodeConnectRequest);
        expectSafeDecode(mutate(valid, muts), decodeConnectRequest);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('FrameDecoder on random bytes yields frames within max or throws FrameTooLargeError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.nat({ max: 100 }),
        (chunks, max) => {
          const d = new FrameDecoder(max);
          maxAlloc = 0;
          try {
            for (const c of chunks)
              for (const f of d.push(Buffer.from(c))) expect(f.length).toBeLessThanOrEqual(max);
          } catch (e) {
            expect(e).toBeInstanceOf(FrameTooLargeError);
            const len = (e as FrameTooLargeError).length;
            expect(len < 0 || len > max).toBe(true);
          }
          expect(maxAlloc).toBeLessThanOrEqual(4 + max);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('FrameDecoder yields every frame up to max and rejects the first one over it, however chunked', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 17 }),
        (max, sizes, step) => {
          const stream = Buffer.concat(sizes.map((n, i) => encodeFrame(Buffer.alloc(n, i))));
          const firstOver = sizes.findIndex((n) => n > max);
          const d = new FrameDecoder(max);
          const got: Buffer[] = [];
          let error: unknown;
          try {
            for (let i = 0; i < stream.length; i += step) got.push(...d.push(stream.subarray(i, i + step)));
          } catch (e) {
            error = e;
          }
          const accepted = firstOver < 0 ? sizes : sizes.slice(0, firstOver);
          // Frames completed in the same push() as the bad length are dropped with the throw
          // (the connection is closed anyway), so only a prefix is guaranteed on failure.
          if (firstOver < 0) expect(got.map((b) => b.length)).toEqual(accepted);
          else expect(got.map((b) => b.length)).toEqual(accepted.slice(0, got.length));
          got.forEach((b, i) => expect(b.every((x) => x === (i & 0xff))).toBe(true));
          if (firstOver < 0) expect(error).toBeUndefined();
          else expect((error as FrameTooLargeError).length).toBe(sizes[firstOver]);
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
