/**
 * Turns the outcome of an applied txn into the reply the client asked for: the same txn result
 * answers `create` with a path and `create2` with a path and a Stat.
 */
import { ErrorCode } from '../protocol/constants.js';
import type { MultiSubRequest, MultiSubResult, Request, Response } from '../protocol/records.js';
import { multiCreateResultOp } from '../protocol/response-codec.js';
import type { TxnResult } from '../tree/data-tree.js';

export function responseForTxnResult(
  request: Request,
  result: TxnResult,
): { err: number; response?: Response } {
  if (result.type === 'error') return { err: result.err };
  switch (request.op) {
    case 'create':
      return result.type === 'create'
        ? { err: 0, response: { op: 'create', path: result.path } }
        : mismatch();
    case 'create2':
    case 'createContainer':
    case 'createTTL':
      return result.type === 'create'
        ? { err: 0, response: { op: request.op, path: result.path, stat: result.stat } }
        : mismatch();
    case 'setData':
      return result.type === 'setData'
        ? { err: 0, response: { op: 'setData', stat: result.stat } }
        : mismatch();
    case 'setACL':
      return result.type === 'setACL'
        ? { err: 0, response: { op: 'setACL', stat: result.stat } }
        : mismatch();
    case 'check':
      return result.type === 'check' && result.stat
        ? { err: 0, response: { op: 'check', stat: result.stat } }
        : { err: 0, response: { op: 'empty' } };
    case 'multi':
      if (result.type !== 'multi') return mismatch();
      return {
        err: ErrorCode.OK,
        response: { op: 'multi', results: result.results.map((r, i) => subResult(request.ops[i], r)) },
      };
    default:
      return { err: ErrorCode.OK, response: { op: 'empty' } };
  }
}

function subResult(sub: MultiSubRequest | undefined, r: TxnResult): MultiSubResult {
  if (r.type === 'error') return { op: 'error', err: r.err };
  switch (r.type) {
    case 'create':
      // ZooKeeper 3.8 answers a create inside multi by its flags, not its opcode (observed).
      return sub && 'flags' in sub && multiCreateResultOp(sub.flags) === 'create2'
        ? { op: 'create2', path: r.path, stat: r.stat }
        : { op: 'create', path: r.path };
    case 'delete':
      return { op: 'delete' };
    case 'setData':
      return { op: 'setData', stat: r.stat };
    case 'check':
      return { op: 'check' };
    default:
      return { op: 'error', err: ErrorCode.SYSTEMERROR };
  }
}

function mismatch(): { err: number } {
  // A txn result that does not fit the request means the preparer and tree disagree: a bug, not bad input.
  return { err: ErrorCode.SYSTEMERROR };
}
