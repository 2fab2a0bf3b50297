/**
 * Prometheus metrics for a member. Gauges read the member's live state at scrape time (collect
 * callbacks), so the hot path only bumps plain counters.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandSource } from './admin-commands.js';

export class MemberMetrics {
  readonly registry = new Registry();
  readonly requestLatency: Histogram<'op'>;
  readonly requests: Counter<'op'>;
  readonly fsyncLatency: Histogram;
  readonly proposalLatency: Histogram;
  readonly electionTime: Histogram;

  constructor(src: CommandSource) {
    const r = this.registry;
    const m = src.member;
    this.requests = new Counter({
      name: 'zk_requests_total',
      help: 'Client requests by op',
      labelNames: ['op'],
      registers: [r],
    });
    this.requestLatency = new Histogram({
      name: 'zk_request_latency_seconds',
      help: 'Time from a request arriving to its reply being sent',
      labelNames: ['op'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [r],
    });
    this.fsyncLatency = new Histogram({
      name: 'zk_fsync_latency_seconds',
      help: 'Duration of one group-committed txn log fsync',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [r],
    });
    this.proposalLatency = new Histogram({
      name: 'zk_proposal_latency_seconds',
      help: 'Leader: time from proposing a txn to its commit (quorum of durable acks)',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [r],
    });
    this.electionTime = new Histogram({
      name: 'zk_election_time_seconds',
      help: 'Time from leaving service (LOOKING) to serving again as leader or learner',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [r],
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [r],
        collect() {
          this.set(read());
        },
      });
    gauge('zk_znode_count', 'Znodes in the tree', () => m.db.tree.nodeCount);
    gauge('zk_watch_count', 'Registered watches', () => m.db.tree.watchCount);
    gauge('zk_ephemerals_count', 'Ephemeral znodes', () => m.db.tree.ephemeralCount);
    gauge('zk_approximate_data_size', 'Bytes of znode data and paths', () => m.db.tree.approximateDataSize);
    gauge('zk_global_sessions', 'Live sessions', () => m.db.sessions.size);
    gauge('zk_num_alive_connections', 'Open client connections', () => src.connections().length);
    gauge('zk_outstanding_requests', 'Proposed txns not yet committed', () => m.stats.outstanding);
    gauge('zk_last_zxid', 'Last applied zxid', () => m.lastZxid);
    gauge('zk_current_epoch', 'Current epoch', () => m.currentEpoch);
    gauge('zk_txns_committed_total', 'Committed txns since start', () => m.stats.txnsCommitted);
    gauge('zk_fsync_total', 'Txn log fsyncs since start', () => m.log.stats.fsyncs);
    gauge('zk_snapshots_total', 'Snapshots taken since start', () => m.stats.snapshotsTaken);
    gauge('zk_is_leader', '1 when this member leads', () =>
      ['leader', 'standalone'].includes(src.mode()) ? 1 : 0,
    );
    gauge('zk_is_serving', '1 when this member serves clients', () => (m.isServing ? 1 : 0));
  }
}
