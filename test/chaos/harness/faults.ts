/**
 * Faults with one interface: `inject()` breaks something, `heal()` undoes exactly that. The nemesis
 * only ever sees {@link Fault}, so a scenario names the kinds it wants and never how they are made
 * (signals, proxies), and a new kind (disk stalls, clock skew) is one more case here.
 */
import type { ChaosCluster } from './chaos-cluster.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';

export const FAULT_KINDS = [
  /** kill -9 a random member, restart it on heal. */
  'kill',
  /** kill -9 the leader, restart it on heal. */
  'kill-leader',
  /** SIGSTOP a random member, SIGCONT on heal. */
  'pause',
  /** SIGSTOP the leader, SIGCONT on heal (a deposed leader that does not know it yet). */
  'pause-leader',
  /** Random halves: a majority and a minority that cannot talk. */
  'partition-halves',
  /** The leader alone on one side (it keeps clients, loses its followers). */
  'isolate-leader',
  /** The leader isolated, then killed while isolated (ZOOKEEPER-1154: it rejoins with an uncommitted tail). */
  'isolate-kill-leader',
  /** Jepsen's bridge: two groups that only talk through one member. */
  'bridge',
  /** One direction of one leader link cut (the other keeps flowing). */
  'one-way-leader',
  /** Every peer link delayed. */
  'slow-links',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  readonly kind: FaultKind;
  /** What exactly was done, e.g. "kill -9 member 2 (leader)". */
  readonly description: string;
  inject(): Promise<void>;
  heal(): Promise<void>;
}

export class UnknownFaultError extends Error {
  override readonly name = 'UnknownFaultError';
}

/** Picks the targets for one fault of `kind` now (leader faults ask the ensemble who leads). */
export async function planFault(kind: FaultKind, cluster: ChaosCluster, rng: SeededRng): Promise<Fault> {
  const ids = [...cluster.ids];
  const leaderOr = async (): Promise<{ id: number; tag: string }> => {
    const leader = await cluster.leader();
    return leader === undefined
      ? { id: rng.pick(ids), tag: 'no leader seen: random' }
      : { id: leader, tag: 'leader' };
  };
  switch (kind) {
    case 'kill':
    case 'kill-leader': {
      const t = kind === 'kill' ? { id: rng.pick(ids), tag: 'random' } : await leaderOr();
      return {
        kind,
        description: `kill -9 member ${t.id} (${t.tag})`,
        inject: () => cluster.kill(t.id),
        heal: () => cluster.restart(t.id),
      };
    }
    case 'pause':
    case 'pause-leader': {
      const t = kind === 'pause' ? { id: rng.pick(ids), tag: 'random' } : await leaderOr();
      return {
        kind,
        description: `SIGSTOP member ${t.id} (${t.tag})`,
        inject: () => cluster.pause(t.id),
        heal: () => cluster.resume(t.id),
      };
    }
    case 'partition-halves': {
      const shuffled = shuffle(ids, rng);
      const minority = shuffled.slice(0, Math.floor(ids.length / 2));
      const majority = shuffled.slice(minority.length);
      return networkFault(cluster, kind, `partition [${majority}] | [${minority}]`, () =>
        cluster.network.partition([majority, minority]),
      );
    }
    case 'isolate-leader': {
      const t = await leaderOr();
      return networkFault(cluster, kind, `isolate member ${t.id} (${t.tag})`, () =>
        cluster.network.isolate(t.id),
      );
    }
    case 'isolate-kill-leader': {
      const t = await leaderOr();
      return {
        kind,
        description: `isolate member ${t.id} (${t.tag}), then kill -9 it`,
        async inject() {
          cluster.network.isolate(t.id);
          // Long enough for the isolated leader to log proposals nobody else has.
          await sleep(300 + Math.floor(rng.next() * 400));
          await cluster.kill(t.id);
        },
        async heal() {
          cluster.network.heal();
          await cluster.restart(t.id);
        },
      };
    }
    case 'bridge': {
      const shuffled = shuffle(ids, rng);
      const bridgeId = shuffled[0]!;
      const rest = shuffled.slice(1);
      const a = rest.slice(0, Math.ceil(rest.length / 2));
      const b = rest.slice(a.length);
      return networkFault(cluster, kind, `bridge [${a}] <- ${bridgeId} -> [${b}]`, () =>
        cluster.network.bridge(a, bridgeId, b),
      );
    }
    case 'one-way-leader': {
      const t = await leaderOr();
      const other = rng.pick(ids.filter((id) => id !== t.id));
      const [from, to] = rng.next() < 0.5 ? [t.id, other] : [other, t.id];
      return networkFault(cluster, kind, `cut ${from} -> ${to} only (${t.tag} ${t.id})`, () =>
        cluster.network.cutOneWay(from, to),
      );
    }
    case 'slow-links': {
      const ms = 20 + Math.floor(rng.next() * 80);
      return networkFault(cluster, kind, `delay every peer link ${ms} ms +-${ms / 2}`, () =>
        cluster.network.slow(ms, ms / 2),
      );
    }
    default:
      throw new UnknownFaultError(`unknown fault kind "${String(kind)}" (known: ${FAULT_KINDS.join(', ')})`);
  }
}

function networkFault(cluster: ChaosCluster, kind: FaultKind, description: string, cut: () => void): Fault {
  return {
    kind,
    description,
    inject: async () => cut(),
    heal: async () => cluster.network.heal(),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function shuffle<T>(items: readonly T[], rng: SeededRng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
