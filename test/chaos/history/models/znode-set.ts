import type { Operation } from '../history.js';
import type { Model, StepResult } from './model.js';

/** Inputs carry nothing beyond op name and key (the path). Outputs: exists -> boolean. */
export type ZnodeOp = Operation<unknown, boolean | undefined>;

const keep = (s: boolean): StepResult<boolean> => ({ ok: true, state: s });
const illegal = (s: boolean): StepResult<boolean> => ({ ok: false, state: s });

/**
 * Presence of one znode per key: create (ok, or fail = NODEEXISTS), delete (ok, or fail = NONODE),
 * exists (output true/false).
 *
 * @example
 * checkLinearizable(znodeSetModel(), [{ process: 1, op: 'create', key: '/a', input: null,
 *   invoke: 0, complete: 1, status: 'ok' }]);
 */
export function znodeSetModel(initiallyPresent = false): Model<boolean, unknown, boolean | undefined> {
  return {
    name: 'znode-set',
    init: () => initiallyPresent,
    hash: (s) => (s ? '1' : '0'),
    readOnly: (op) => op.op === 'exists',
    describe: (op) => `${op.process} ${op.op} ${op.key} -> ${op.status} ${JSON.stringify(op.output)}`,
    step(present, op) {
      switch (op.op) {
        case 'create':
          if (op.status === 'ok') return present ? illegal(present) : keep(true);
          if (op.status === 'fail') return present ? keep(present) : illegal(present); // NODEEXISTS
          return keep(true); // unknown: applied here, or no-op if it already existed
        case 'delete':
          if (op.status === 'ok') return present ? keep(false) : illegal(present);
          if (op.status === 'fail') return present ? illegal(present) : keep(present); // NONODE
          return keep(false);
        case 'exists':
          if (op.status !== 'ok') return keep(present);
          return op.output === present ? keep(present) : illegal(present);
        default:
          return illegal(present);
      }
    },
  };
}
