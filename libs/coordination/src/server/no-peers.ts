/**
 * The quorum transport of a member without peers (no server.N lines): a one-voter ensemble sends
 * nothing and hears nothing, so every method is a no-op.
 */
import type { ZabMessage } from '../zab/messages.js';
import type { QuorumTransport } from './zab-host.js';

export class NoPeers implements QuorumTransport {
  start(): Promise<void> {
    return Promise.resolve();
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  send(_to: number, _msg: ZabMessage): void {}
  on(): this {
    return this;
  }
}
