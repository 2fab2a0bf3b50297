import { ErrorCode } from '@registrar/coordination';
import { CoordinationError } from '@registrar/coordination';

/** No live (enabled) instance of the service is registered (NONODE: nothing to call). */
export class NoInstanceError extends CoordinationError {
  constructor(readonly service: string) {
    super(ErrorCode.NONODE, undefined, { detail: `no live instance of service "${service}"` });
  }
}
