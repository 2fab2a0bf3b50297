/**
 * One randomized simulation run: a fault phase (crashes/restarts, partitions, drops, duplicates,
 * reorders, log compaction, client load) followed by a healed phase in which a leader must be
 * established and a fresh proposal must reach every member (liveness).
 */
import type { ZabConfig } from '../zab/zab-peer.js';
import type { Violation } from './invariants.js';
import { SeededRng } from './seeded-rng.js';
import { SimCluster } from './sim-cluster.js';

export interface RandomRunOptions {
  seed: number;
  voters: number;
  observers?: number;
  faultPhase?: number;
  healedPhase?: number;
  unsafe?: ZabConfig['unsafe'];
  /** check liveness after healing (default true) */
  liveness?: boolean;
  /** SimCluster.metadataCrashRate during the fault phase (default 0: durable parts are atomic) */
  metadataCrashRate?: number;
}

export interface RandomRunResult {
  seed: number;
  violations: Violation[];
  committed: number;
  live: boolean;
  stats: SimCluster['stats'];
  /** crashes injected inside a Ready's durable part */
  metadataCrashes: number;
}

export function randomRun(o: RandomRunOptions): RandomRunResult {
  // Timing varies per seed: slow disks and latencies near the tick make timeouts race with progress.
  const shape = new SeededRng(o.seed ^ 0x5bd1e995);
  const sim = new SimCluster({
    seed: o.seed,
    voters: o.voters,
    observers: o.observers ?? 0,
    diskMaxLatency: shape.pick([5, 30, 120]),
    ...(o.unsafe ? { unsafe: o.unsafe } : {}),
  });
  sim.network.maxLatency = shape.pick([5, 20, 80]);
  sim.metadataCrashRate = o.metadataCrashRate ?? 0;
  const rng = sim.rng.fork();
  const ids = [...sim.members.keys()];
  const faultEnd = o.faultPhase ?? shape.pick([3000, 6000, 12000]);
  let payload = 0;
  const nextPayload = () => Buffer.from(`p${o.seed}-${payload++}`);

  sim.network.faults = {
    drop: rng.chance(0.5) ? rng.next() * 0.08 : 0,
    duplicate: rng.chance(0.5) ? rng.next() * 0.05 : 0,
    reorder: rng.chance(0.3) ? rng.next() * 0.05 : 0,
  };

  // Client load: throughout both phases.
  const load = () => {
    if (rng.chance(0.8)) {
      const leader = sim.leader();
      const id = leader && rng.chance(0.7) ? leader.id : ids[rng.int(ids.length)]!;
      const n = rng.between(1, 3);
      for (let i = 0; i < n; i++) sim.submit(id, nextPayload());
    }
    sim.at(sim.now + rng.between(10, 80), load);
  };
  sim.at(rng.between(0, 200), load);

  // Chaos: only in the fault phase.
  const chaos = () => {
    if (sim.now >= faultEnd) return;
    const r = rng.next();
    const victim = ids[rng.int(ids.length)]!;
    if (r < 0.2) sim.crash(victim);
    else if (r < 0.4) sim.restart(victim);
    else if (r < 0.55) {
      const shuffled = [...ids].sort(() => rng.next() - 0.5);
      const cut = rng.between(1, ids.length - 1);
      sim.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
    } else if (r < 0.7) sim.network.heal();
    else if (r < 0.8) sim.compact(victim);
    else if (r < 0.85) {
      const leader = sim.leader();
      if (leader) sim.crash(leader.id);
    }
    sim.at(sim.now + rng.between(100, 600), chaos);
  };
  sim.at(rng.between(100, 500), chaos);

  sim.runUntil(faultEnd);
  sim.metadataCrashRate = 0;

  if (o.liveness === false) {
    return {
      seed: o.seed,
      violations: sim.checker.violations,
      committed: sim.checker.chosenCount,
      live: true,
      stats: sim.stats,
      metadataCrashes: sim.metadataCrashes,
    };
  }

  // Heal everything.
  sim.network.heal();
  sim.network.faults = { drop: 0, duplicate: 0, reorder: 0 };
  for (const id of ids) sim.restart(id);

  let marker: number | undefined;
  const tryMarker = () => {
    if (marker !== undefined) return;
    const leader = sim.leader();
    if (leader) marker = sim.submit(leader.id, Buffer.from(`marker-${o.seed}`));
    sim.at(sim.now + 100, tryMarker);
  };
  sim.at(sim.now + 1, tryMarker);
  sim.runFor(o.healedPhase ?? 20000, () => marker !== undefined && sim.appliedEverywhere(marker));
  const live = marker !== undefined && sim.appliedEverywhere(marker);

  return {
    seed: o.seed,
    violations: sim.checker.violations,
    committed: sim.checker.chosenCount,
    live,
    stats: sim.stats,
    metadataCrashes: sim.metadataCrashes,
  };
}
