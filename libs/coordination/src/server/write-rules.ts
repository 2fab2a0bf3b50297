/**
 * How Apache ZooKeeper 3.8.0 takes a client write in before preparing it, where that differs
 * from preparing the request as sent (each rule observed with raw frames against the Debian
 * 3.8.0 server; the differential wire test in test/interop/differential keeps them honest):
 *
 * - Inside multi, each create is rebuilt from its flags (MultiOperationRecord -> Op.create):
 *   flags 4 make a createContainer and 0-3 a plain create whatever the sub-op's opcode (a
 *   createTTL or createContainer sub-op with flags 0-3 creates a plain node, its ttl ignored);
 *   TTL flags (5, 6) on anything but a createTTL sub-op fail the whole multi with
 *   MARSHALLINGERROR once preparation reaches it (the rebuilt op is not a CreateTTLRequest).
 * - A top-level createTTL with non-TTL flags and a negative ttl stops Apache 3.8.0 altogether
 *   (EphemeralType.TTL.toEphemeralOwner throws in PrepRequestProcessor and the request
 *   processor thread dies). We answer BADARGUMENTS instead: listed in
 *   test/interop/differential/allowed-differences.ts.
 */
import { CreateFlags, ErrorCode } from '../protocol/constants.js';
import type { CreateRequest, MultiSubRequest, Request } from '../protocol/records.js';

/**
 * `ttlMismatchAt`: indices of multi creates with TTL flags that are not createTTL. Apache fails
 * the whole multi with MARSHALLINGERROR when it reaches one, i.e. when every op before it passed;
 * the preparer fails such an op on its own (BADARGUMENTS), so the caller turns a multi that
 * failed exactly there into the whole-multi error.
 */
export type WriteIntake = { request: Request; ttlMismatchAt?: number[] } | { refuse: number };

const TTL_FLAGS = new Set<number>([
  CreateFlags.PERSISTENT_WITH_TTL,
  CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL,
]);

function isCreate(op: MultiSubRequest): op is CreateRequest {
  return op.op === 'create' || op.op === 'create2' || op.op === 'createContainer' || op.op === 'createTTL';
}

/** The request Apache would prepare for `request`, or the error it fails with before preparing. */
export function takeInWrite(request: Request): WriteIntake {
  if (request.op === 'createTTL' && !TTL_FLAGS.has(request.flags) && (request.ttl ?? -1) < 0) {
    if (request.flags >= 0 && request.flags <= CreateFlags.CONTAINER)
      return { refuse: ErrorCode.BADARGUMENTS };
  }
  if (request.op !== 'multi') return { request };
  const ops: MultiSubRequest[] = [];
  const ttlMismatchAt: number[] = [];
  for (const sub of request.ops) {
    if (!isCreate(sub)) {
      ops.push(sub);
      continue;
    }
    if (TTL_FLAGS.has(sub.flags)) {
      if (sub.op !== 'createTTL') ttlMismatchAt.push(ops.length);
      ops.push(sub);
    } else if (sub.flags === CreateFlags.CONTAINER) {
      ops.push({ op: 'createContainer', path: sub.path, data: sub.data, acl: sub.acl, flags: sub.flags });
    } else if (sub.flags >= 0 && sub.flags < CreateFlags.CONTAINER) {
      ops.push({
        op: sub.op === 'create2' ? 'create2' : 'create',
        path: sub.path,
        data: sub.data,
        acl: sub.acl,
        flags: sub.flags,
      });
    } else {
      ops.push(sub);
    }
  }
  return ttlMismatchAt.length > 0
    ? { request: { op: 'multi', ops }, ttlMismatchAt }
    : { request: { op: 'multi', ops } };
}
