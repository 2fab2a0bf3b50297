/**
 * Prometheus metrics for a member. Gauges read the member's live state at scrape time (collect
 * callbacks), and the histograms observed per request or txn are LatencyHistograms, so the hot path
 * only bumps plain numbers.
 */
import { Gauge, Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram.js';
import type { CommandSource } from './admin-commands.js';

export class MemberMetrics {
  readonly registry = new Registry();
  /** every answered client request, by op (its count per op is zk_requests_total) */
  readonly requestLatency: LatencyHistogram;
  readonly fsyncLatency: LatencyHistogram;
  readonly proposalLatency: LatencyHistogram;
  readonly electionTime: LatencyHistogram;

  constructor(src: CommandSource) {
    const r = this.registry;
    const m = src.member;
    const latencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
    this.requestLatency = new LatencyHistogram(
      {
        name: 'zk_request_latency_seconds',
        help: 'Time from a request arriving to its reply being sent',
        buckets: latencyBuckets,
        labelName: 'op',
      },
      r,
    );
    const requestLatency = this.requestLatency;
    r.registerMetric({
      name: 'zk_requests_total',
      get: async () => ({
        name: 'zk_requests_total',
        help: 'Client requests answered, by op',
        type: 'counter',
        aggregator: 'sum',
        values: [...requestLatency.counts()].map(([op, value]) => ({ labels: { op }, value })),
      }),
      reset: () => undefined,
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    this.fsyncLatency = new LatencyHistogram(
      {
        name: 'zk_fsync_latency_seconds',
        help: 'Duration of one group-committed txn log fsync',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      },
      r,
    );
    this.proposalLatency = new LatencyHistogram(
      {
        name: 'zk_proposal_latency_seconds',
        help: 'Leader: time from proposing a txn to its commit (quorum of durable acks)',
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      },
      r,
    );
    this.electionTime = new LatencyHistogram(
      {
        name: 'zk_election_time_seconds',
        help: 'Time from leaving service (LOOKING) to serving again as leader or learner',
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      },
      r,
    );
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
