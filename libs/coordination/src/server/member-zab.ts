/**
 * How a member is wired to ZAB: the ZabPeer's configuration from zoo.cfg (a member without
 * server.N lines is the only voter of its own ensemble), the log window it reads, the quorum
 * transport, and the ZabHost that carries out its Readys against the member's storage.
 */
import type { MemberStorage } from '../storage/member-storage.js';
import type { ZabSnapshot } from '../zab/messages.js';
import { ZabPeer } from '../zab/zab-peer.js';
import type { MemberConfig } from './member-config.js';
import { unitDraw, type MemberDeps } from './member-deps.js';
import { NoPeers } from './no-peers.js';
import { PeerLinks } from './quorum/peer-links.js';
import type { Recovered } from './member-recovery.js';
import { ZabHost, type QuorumTransport, type ZabHostSink } from './zab-host.js';
import { DEFAULT_LOG_WINDOW, LogWindow } from './zab-log-window.js';

/**
 * ZAB runs on ticks shorter than tickTime so that votes are re-sent and heartbeats flow several
 * times per tickTime; initLimit/syncLimit (in tickTime units) are scaled by the same factor.
 */
export const ZAB_TICKS_PER_TICKTIME = 10;

export function zabTickMs(config: MemberConfig): number {
  return Math.max(10, Math.floor(config.tickTime / ZAB_TICKS_PER_TICKTIME));
}

export interface ZabWiring {
  config: MemberConfig;
  deps: MemberDeps;
  storage: MemberStorage;
  recovered: Recovered<unknown>;
  /** the committed database for a leader's SNAP sync */
  snapshot(): ZabSnapshot;
  /** min(applied, ZAB-committed): the window never drops entries above it */
  appliedZxid(): number;
  sink: ZabHostSink;
  fatal(err: unknown): void;
}

export async function createZabHost(w: ZabWiring): Promise<ZabHost> {
  const c = w.config;
  // ZooKeeper's zookeeper.commitLogCount: how many recent txns a leader can DIFF from (tests lower
  // it to force SNAP syncs).
  const commitLogCount = Number(c.extra['zookeeper.commitLogCount'] ?? DEFAULT_LOG_WINDOW.maxEntries);
  const { base, tail, tailCut } = w.recovered;
  const window = new LogWindow(base, w.snapshot, w.appliedZxid, {
    ...DEFAULT_LOG_WINDOW,
    maxEntries: Math.max(1, commitLogCount),
  });
  // A long replayed tail was cut to its newest entries: the window's base starts just below the
  // first one kept, so the leader never plans a DIFF from entries it does not hold.
  if (tailCut) window.reset(tail[0]!.zxid - 1);
  for (const e of tail) window.add(e);
  const alone = c.peers.length === 0;
  const peer = new ZabPeer(
    {
      id: c.myId,
      voters: alone ? [c.myId] : c.peers.filter((p) => !p.observer).map((p) => p.id),
      observers: c.peers.filter((p) => p.observer).map((p) => p.id),
      initLimitTicks: c.initLimit * ZAB_TICKS_PER_TICKTIME,
      syncLimitTicks: c.syncLimit * ZAB_TICKS_PER_TICKTIME,
      ...(c.plantedBugs ? { unsafe: c.plantedBugs } : {}),
    },
    await w.storage.epochs(),
    window,
    w.deps.rng,
  );
  return new ZabHost({
    peer,
    transport: alone ? new NoPeers() : quorumTransport(c, w.deps),
    log: w.storage.log,
    window,
    saveEpochs: (e) => w.storage.saveEpochs(e),
    tickMs: zabTickMs(c),
    clock: w.deps.clock,
    fatal: w.fatal,
    warn: (m) => w.deps.logger.warn(m),
    writeSnapshot: (zxid, records) => w.storage.snapshots.write(zxid, records),
    sink: w.sink,
  });
}

function quorumTransport(c: MemberConfig, deps: MemberDeps): QuorumTransport {
  const tcp = (): QuorumTransport =>
    new PeerLinks({
      myId: c.myId,
      peers: c.peers.map((p) => ({
        id: p.id,
        host: p.host,
        quorumPort: p.quorumPort,
        electionPort: p.electionPort,
      })),
      isElectionMessage: (m) => m.type === 'vote',
      rng: () => unitDraw(deps.rng),
      now: () => deps.clock.now(),
    });
  return deps.transport ? deps.transport(c, tcp) : tcp();
}
