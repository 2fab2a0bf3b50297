import type { Operation } from '../history.js';
import type { Model, StepResult } from './model.js';

/** Who holds the lock, and the highest fencing token handed out so far. */
export interface LockState {
  holder: number | string | null;
  lastToken: number;
}

/** acquire -> { token } on ok; release -> nothing. A failed acquire means "held by someone". */
export type LockOutput = { token?: number } | undefined;
export type LockOp = Operation<unknown, LockOutput>;

const keep = (s: LockState): StepResult<LockState> => ({ ok: true, state: s });
const illegal = (s: LockState): StepResult<LockState> => ({ ok: false, state: s });

/**
 * A mutex per key with fencing tokens: at most one holder at a time (the holder is the op's
 * process), each successful acquire returns a token strictly greater than every earlier one, and
 * only the holder can release.
 *
 * Session expiry (which releases a ZooKeeper lock without a release call) is not modelled: record
 * it as a 'release' by the expired process when the scenario observes it.
 *
 * @example
 * checkLinearizable(lockModel(), history);
 */
export function lockModel(): Model<LockState, unknown, LockOutput> {
  return {
    name: 'lock',
    init: () => ({ holder: null, lastToken: Number.NEGATIVE_INFINITY }),
    hash: (s) => `${s.holder === null ? '' : typeof s.holder + ':' + String(s.holder)}|${s.lastToken}`,
    describe: (op) => `${op.process} ${op.op} ${op.key} -> ${op.status} ${JSON.stringify(op.output)}`,
    step(s, op) {
      switch (op.op) {
        case 'acquire': {
          if (op.status === 'fail')
            return s.holder !== null && s.holder !== op.process ? keep(s) : illegal(s);
          if (s.holder !== null) {
            // An unknown acquire linearized while held simply did not get the lock.
            return op.status === 'unknown' ? keep(s) : illegal(s);
          }
          if (op.status === 'unknown') {
            // Token unseen: later tokens must still exceed lastToken, the only bound we know.
            return keep({ holder: op.process, lastToken: s.lastToken });
          }
          const token = op.output?.token;
          if (typeof token !== 'number' || !(token > s.lastToken)) return illegal(s);
          return keep({ holder: op.process, lastToken: token });
        }
        case 'release':
          if (op.status === 'fail') return s.holder === op.process ? illegal(s) : keep(s);
          if (s.holder === op.process) return keep({ holder: null, lastToken: s.lastToken });
          return op.status === 'unknown' ? keep(s) : illegal(s);
        default:
          return illegal(s);
      }
    },
  };
}
