/**
 * What the member needs from a client connection (ClientConnection in production, fakes in specs).
 */
import type { ACL, Id, WatcherEvent } from '../protocol/records.js';

export interface SessionConnection {
  readonly sessionId: bigint;
  readonly authIds: Id[];
  /** `acl`: of the node the event is about; the event reaches only a watcher that may read it. */
  deliver(event: WatcherEvent, acl?: readonly ACL[]): void;
  /** the session ended (closed or expired): drop the socket. */
  sessionEnded(): void;
}
