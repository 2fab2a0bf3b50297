import { ErrorCode } from '../../coordination/src/protocol/constants.js';
import { CoordinationError } from '../../coordination/src/protocol/errors.js';

/** No live (enabled) instance of the service is registered (NONODE: nothing to call). */
export class NoInstanceError extends CoordinationError {
  constructor(readonly service: string) {
    super(ErrorCode.NONODE, undefined, { detail: `no live instance of service "${service}"` });
  }
}
