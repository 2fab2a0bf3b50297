/**
 * Invariant checks of the `sessions` scenario over what its clients recorded: ephemerals, the
 * owners' liveness proofs, the observer's snapshots, how sessions ended and every member's final
 * children. Pure (no I/O, no clocks), so it is tested with hand-written good and bad logs.
 *
 * The checks reason with zxids rather than wall time. A reply that arrives after an observation
 * completed may still be for a write committed before it (a paused member flushes it late), so
 * "the owner got a reply later" does not prove the session was alive when the observation's state
 * was taken. A *write* on the ephemeral committed at a zxid above the observation's state does: the
 * ephemeral existed there, and an ephemeral once deleted never comes back under the same name.
 */
import { anomalyList } from '../harness/anomaly-list.js';
import type { Anomaly } from '../harness/scenario.js';

/** An ephemeral a client created and confirmed it owns (exists: ephemeralOwner = its session). */
export interface EphemeralRecord {
  /** Child name under the sessions root. */
  name: string;
  /** Owner session id, hex. */
  session: string;
  czxid: number;
}

/** A quorum write by the owner on its own ephemeral (setData) that succeeded. */
export interface LivenessProof {
  name: string;
  session: string;
  /** mzxid the write produced. */
  zxid: number;
  /** Monotonic ms, for the report only. */
  at: number;
}

/** The owner's write on its own ephemeral failed with NONODE while the session was still usable. */
export interface OwnMissing {
  name: string;
  session: string;
  at: number;
}

/** One observer read: sync('/') then getChildren2 of the sessions root on one member. */
export interface Observation {
  invokedAt: number;
  completedAt: number;
  member: string | undefined;
  /** pzxid of the root in the reply: the state read is at least this new. */
  pzxid: number;
  children: readonly string[];
}

export interface SessionEnd {
  session: string;
  how: 'closed' | 'expired';
  at: number;
}

/** One member's children at the end with their ephemeralOwner (hex). */
export interface FinalView {
  member: number;
  children: ReadonlyArray<{ name: string; owner: string }>;
}

export interface SessionsLog {
  ephemerals: readonly EphemeralRecord[];
  proofs: readonly LivenessProof[];
  ownMissing: readonly OwnMissing[];
  observations: readonly Observation[];
  ends: readonly SessionEnd[];
  /** Sessions proven alive after healing (a successful write then). */
  liveAtEnd: readonly string[];
  finalViews: readonly FinalView[];
}

export interface SessionsCheck {
  anomalies: Anomaly[];
  /** (observation, ephemeral) pairs where the first invariant had something to check. */
  checkedPairs: number;
}

/** Anomalies of one kind beyond this many are counted, not listed. */
const MAX_PER_KIND = 5;

export function checkSessions(log: SessionsLog): SessionsCheck {
  const { anomalies, push } = anomalyList(MAX_PER_KIND);

  // Highest proof zxid per ephemeral: enough, since a proof above the observation is all we need.
  const lastProof = new Map<string, LivenessProof>();
  for (const p of log.proofs) {
    const prev = lastProof.get(p.name);
    if (prev === undefined || p.zxid > prev.zxid) lastProof.set(p.name, p);
  }

  let checkedPairs = 0;
  const reported = new Set<string>();
  for (const obs of log.observations) {
    const seen = new Set(obs.children);
    for (const e of log.ephemerals) {
      if (e.czxid > obs.pzxid) continue; // the observed state may predate the create
      const proof = lastProof.get(e.name);
      if (proof === undefined || proof.zxid <= obs.pzxid) continue; // not provably alive past it
      checkedPairs++;
      if (seen.has(e.name) || reported.has(e.name)) continue;
      reported.add(e.name);
      push({
        kind: 'lost-ephemeral',
        message: `${e.name} (session ${e.session}) missing from a read at pzxid ${hex(obs.pzxid)} on ${obs.member}, yet its owner wrote it at ${hex(proof.zxid)}`,
        evidence: { ephemeral: e, observation: summarize(obs), laterWrite: proof },
      });
    }
  }

  for (const m of log.ownMissing) {
    push({
      kind: 'lost-ephemeral',
      message: `the owner of ${m.name} (session ${m.session}) got NONODE writing it while its session was usable`,
      evidence: m,
    });
  }

  const live = new Set(log.liveAtEnd);
  const ended = new Map(log.ends.map((e) => [e.session, e]));
  for (const view of log.finalViews) {
    const present = new Set(view.children.map((c) => c.name));
    for (const c of view.children) {
      if (live.has(c.owner)) continue;
      const end = ended.get(c.owner);
      push({
        kind: 'ephemeral-outlived-session',
        message: `member ${view.member} still holds ${c.name} of session ${c.owner} (${end ? end.how : 'not alive at the end'}) after healing`,
        evidence: { member: view.member, child: c, end },
      });
    }
    for (const e of log.ephemerals) {
      if (!live.has(e.session) || present.has(e.name)) continue;
      push({
        kind: 'lost-ephemeral',
        message: `member ${view.member} lacks ${e.name} although session ${e.session} was proven alive after healing`,
        evidence: { member: view.member, ephemeral: e, children: view.children.map((c) => c.name) },
      });
    }
  }
  return { anomalies, checkedPairs };
}

function summarize(obs: Observation) {
  return { ...obs, children: obs.children.length > 20 ? obs.children.length : obs.children };
}

function hex(z: number): string {
  return '0x' + z.toString(16);
}

/** How a session's end looked from its client, for the premature-expiry check. */
export interface ExpiryRecord {
  session: string;
  /** The timeout the server negotiated, ms. */
  timeoutMs: number;
  /**
   * When the client sent the latest request the server answered successfully (harness ms); the
   * server heard it no earlier, so it could not expire the session before this plus the timeout.
   */
  lastOkSentAt: number | undefined;
  /** When the client learned the session had expired (harness ms). */
  at: number;
  /** The client's state just before EXPIRED: 'CONNECTED' means it learned it while connected. */
  before: string;
  /** The harness made it expire (stopped its heartbeats); the bound holds all the same. */
  planned: boolean;
}

/**
 * How much earlier than "last answered request + timeout" a correct ensemble may still expire a
 * session, from the ensemble's tick and syncLimit: a follower that lost its leader keeps serving its
 * clients for up to syncLimit ticks while none of their touches reach the leader, and touches are
 * batched to the leader once per tick (expiry itself is rounded up to a tick, never down). One tick
 * more of slack for timer jitter on a loaded machine.
 *
 * @example expiryTolerance(200, 5) // 1600
 */
export function expiryTolerance(tickTimeMs: number, syncLimit: number): number {
  return (syncLimit + 3) * tickTimeMs;
}

/**
 * Premature expiry: a session reported expired sooner after an answered request than its negotiated
 * timeout allows (minus {@link expiryTolerance}). Learned while connected it is
 * 'expired-while-connected' (the member serving the session gave it up under its client's feet),
 * else 'premature-expiry'. Sessions with no answered request carry no bound and are skipped.
 */
export function checkExpiries(expiries: readonly ExpiryRecord[], toleranceMs: number): Anomaly[] {
  const { anomalies, push } = anomalyList(MAX_PER_KIND);
  for (const e of expiries) {
    if (e.lastOkSentAt === undefined) continue;
    const earliest = e.lastOkSentAt + e.timeoutMs - toleranceMs;
    if (e.at >= earliest) continue;
    const connected = e.before === 'CONNECTED';
    push({
      kind: connected ? 'expired-while-connected' : 'premature-expiry',
      message:
        `session ${e.session} (timeout ${e.timeoutMs} ms) reported expired ${e.at - e.lastOkSentAt} ms after ` +
        `sending a request the server answered${connected ? ', while connected' : ''}; no correct ensemble ` +
        `expires it before ${e.timeoutMs - toleranceMs} ms`,
      evidence: e,
    });
  }
  return anomalies;
}
