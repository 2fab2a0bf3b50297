import { ErrorCode } from '../../../../libs/coordination/src/protocol/constants.js';
import type { Operation } from '../history.js';
import type { Model, StepResult } from './model.js';

/**
 * One znode's data as a register: its value and its data version (ZooKeeper's `Stat.version`,
 * incremented by every successful setData). `value: null` is a znode that does not exist.
 */
export interface RegisterState {
  value: string | null;
  version: number;
}

/** ZooKeeper's NONODE error code, as a failed op records it (`output: { code }`). */
const NONODE: number = ErrorCode.NONODE;

/** Inputs: read {}; write { value } (setData version -1); cas { value, expectedVersion }. */
export type RegisterInput = { value?: string; expectedVersion?: number };
/**
 * Outputs: read { value, version }; write/cas { version } (the new version); a failed op { code }.
 */
export type RegisterOutput = { value?: string | null; version?: number; code?: number };

export type RegisterOp = Operation<RegisterInput, RegisterOutput>;

const same = (s: RegisterState): StepResult<RegisterState> => ({ ok: true, state: s });
/**
 * NONODE is information: the znode does not exist at the op's linearization point. The scenario
 * never deletes its keys and creates each before any op on it (initial state present), so a NONODE
 * on one of them means the ensemble lost the whole znode, which must fail the check.
 */
const noNode = (op: RegisterOp): boolean => op.status === 'fail' && op.output?.code === NONODE;
const illegal = (s: RegisterState): StepResult<RegisterState> => ({ ok: false, state: s });

/**
 * Register with compare-and-set, one register per key.
 *
 * @example
 * const r = checkLinearizable(registerCasModel(), history);
 */
export function registerCasModel(
  initial: RegisterState = { value: null, version: 0 },
): Model<RegisterState, RegisterInput, RegisterOutput> {
  return {
    name: 'register-cas',
    init: () => ({ ...initial }),
    hash: (s) => `${s.version}\u0000${s.value ?? '\u0001null'}`,
    readOnly: (op) => op.op === 'read',
    describe: (op) =>
      `${op.process} ${op.op} ${JSON.stringify(op.input)} -> ${op.status} ${JSON.stringify(op.output)}`,
    step(s, op) {
      switch (op.op) {
        case 'read':
          if (noNode(op)) return s.value === null ? same(s) : illegal(s);
          if (op.status !== 'ok') return same(s); // an unanswered read tells nothing
          return op.output?.value === s.value && op.output?.version === s.version ? same(s) : illegal(s);
        case 'write': {
          // A blind setData fails only with NONODE, which must be true; any other definite failure
          // means "did not apply", which is always consistent.
          if (noNode(op)) return s.value === null ? same(s) : illegal(s);
          if (op.status === 'fail') return same(s);
          const next = { value: op.input.value ?? null, version: s.version + 1 };
          if (op.status === 'ok' && op.output?.version !== undefined && op.output.version !== next.version) {
            return illegal(s);
          }
          return { ok: true, state: next };
        }
        case 'cas': {
          if (noNode(op)) return s.value === null ? same(s) : illegal(s);
          const matches = s.version === op.input.expectedVersion;
          if (op.status === 'fail') return matches ? illegal(s) : same(s); // BADVERSION must be real
          if (op.status === 'unknown') {
            // Linearized where the version does not match, it simply had no effect.
            return matches
              ? { ok: true, state: { value: op.input.value ?? null, version: s.version + 1 } }
              : same(s);
          }
          if (!matches) return illegal(s);
          const next = { value: op.input.value ?? null, version: s.version + 1 };
          if (op.output?.version !== undefined && op.output.version !== next.version) return illegal(s);
          return { ok: true, state: next };
        }
        default:
          return illegal(s);
      }
    },
  };
}
