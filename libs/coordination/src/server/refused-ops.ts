/**
 * Opcodes a client may send that Apache ZooKeeper 3.8 takes into its request pipeline only to
 * fail them in PrepRequestProcessor, so each failure is an error txn with a zxid of its own
 * (observed against 3.8.0 with raw frames; test/interop/special-xids.spec.ts):
 * - deleteContainer (20) is meant for the leader's container reaper. Sent by a client, 3.8 reads
 *   the whole request buffer (header bytes included) as the path, which never validates:
 *   BADARGUMENTS.
 * - createSession (-10) on an established connection carries no CreateSessionTxn body:
 *   MARSHALLINGERROR.
 */
import { ErrorCode, OpCode } from '../protocol/constants.js';

/** The error code ZooKeeper's pipeline fails `type` with, or undefined for an ordinary opcode. */
export function refusedOpError(type: number): number | undefined {
  if (type === OpCode.deleteContainer) return ErrorCode.BADARGUMENTS;
  if (type === OpCode.createSession) return ErrorCode.MARSHALLINGERROR;
  return undefined;
}
