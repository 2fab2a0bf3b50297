/**
 * The seam between the leader's pipeline and replication. A prepared txn goes in; it comes back
 * through `commit` once it is durable on a quorum. For a one-member ensemble the quorum is this
 * member's own log, so `LocalBroadcaster` commits a txn as soon as its fsync returns; ZAB's
 * broadcaster replaces it for real ensembles without touching the pipeline around it.
 */
import type { Txn } from '../tree/txn.js';
import type { TxnLog } from '../storage/txn-log.js';

export interface Broadcaster {
  propose(txn: Txn, bytes: Buffer): void;
}

export class LocalBroadcaster implements Broadcaster {
  constructor(
    private readonly log: TxnLog,
    private readonly commit: (txn: Txn) => void,
    private readonly fatal: (err: unknown) => void,
  ) {}

  propose(txn: Txn, bytes: Buffer): void {
    // Appends resolve in append order (one fsync covers a whole batch), so commits stay in zxid order.
    this.log.append(txn.header.zxid, bytes).then(
      () => this.commit(txn),
      (err) => this.fatal(err),
    );
  }
}
