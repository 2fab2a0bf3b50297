/**
 * What a ZooKeeper session may rely on when it reads from whatever member it is connected to, without
 * sync: reads may be stale (a follower lags the leader), but a session never goes backwards. Checked
 * over a recorded history of `read` and `write` operations whose outputs carry the znode's Stat
 * (version, mzxid) and the session's lastZxidSeen after the op:
 *
 * - `monotonic-reads`: a session's read of a key never returns an older version than an earlier read
 *   of that key in the same session;
 * - `read-your-writes`: a session's read of a key after its own acknowledged write of it returns that
 *   version or a newer one;
 * - `session-time-travel`: a read never reflects a state older than a zxid the session already saw
 *   (any key, or a reply header): if a committed write of the key has mzxid <= that zxid, the read
 *   must show it or something newer. This is what the client's lastZxidSeen, sent on reconnect and
 *   refused by a member that is behind, protects when the session moves to another member;
 * - `sequential-consistency`: all sessions' observations of a key fit one total order of committed
 *   writes — the key's versions, whose zxids must increase with them — with each version's data being
 *   exactly one write's data: no version seen with two values or two mzxids, no value seen at two
 *   versions, no value nobody wrote. (That each session walks this order forwards, i.e. its versions
 *   are a subsequence of it, is the three session checks above.)
 *
 * One read is reported under the first session rule it breaks, in the order above from the most
 * specific, so one bad read is one anomaly.
 *
 * Processes are sessions: the scenario keeps one process name for a session across reconnects and
 * starts a new one with every new session, because these guarantees hold per session only.
 */
import type { Anomaly } from '../harness/scenario.js';
import { anomalyList } from '../harness/anomaly-list.js';
import { type History, type Operation, toNanos } from './history.js';

/** Output of an ok `read`: the data read, its Stat, and where the session stood. */
export interface GuaranteeReadOutput {
  value: string;
  version: number;
  mzxid: number;
  /** The client's lastZxidSeen right after the reply. */
  sessionZxid: number;
  /** The member that served it, when known (for the evidence: a move to another member). */
  member?: number;
}

/** Output of an ok `write` (setData): the new Stat. */
export interface GuaranteeWriteOutput {
  version: number;
  mzxid: number;
  sessionZxid: number;
  member?: number;
}

export interface GuaranteeWriteInput {
  value: string;
}

/** A key's state before the history starts (its create). */
export interface InitialState {
  value: string;
  version: number;
  mzxid: number;
}

export interface ClientGuaranteesResult {
  anomalies: Anomaly[];
  reads: number;
  writes: number;
  sessions: number;
  /** Reads served by a different member than the session's previous op. */
  readsAfterMove: number;
  /**
   * Reads that missed a write of their key acknowledged (to anyone) before they were sent: what a
   * linearizable store never returns and a ZooKeeper follower may (allowed; counted to show the
   * workload really read stale state).
   */
  staleReads: number;
}

interface Committed {
  value: string;
  mzxid: number;
  source: string;
}

const describe = (op: Operation): string => {
  const o = op.output as Partial<GuaranteeReadOutput> | undefined;
  const where = o?.member === undefined ? '' : ` on member ${o.member}`;
  const what =
    op.op === 'write' ? `write ${JSON.stringify((op.input as GuaranteeWriteInput).value)} -> ` : 'read ';
  return `${op.process} ${what}${op.key} v${o?.version} mzxid 0x${(o?.mzxid ?? 0).toString(16)}${where}`;
};

/**
 * Checks the history; `initial` gives each key's create (version 0 data), so reads of it are not
 * taken for invented values.
 */
export function checkClientGuarantees(
  history: History,
  initial: ReadonlyMap<string, InitialState> = new Map(),
  maxPerKind = 5,
): ClientGuaranteesResult {
  const list = anomalyList(maxPerKind);
  const ops = history.filter((o) => o.op === 'read' || o.op === 'write');
  const reads = ops.filter((o) => o.op === 'read' && o.status === 'ok');
  const writesOk = ops.filter((o) => o.op === 'write' && o.status === 'ok');

  // --- The committed order per key: version -> (value, mzxid), from acks first, then reads. ---
  const order = new Map<string, Map<number, Committed>>();
  const versionOfValue = new Map<string, { version: number; source: string }>();
  const note = (key: string, version: number, c: Committed) => {
    let versions = order.get(key);
    if (versions === undefined) order.set(key, (versions = new Map()));
    const seen = versions.get(version);
    if (seen === undefined) versions.set(version, c);
    else if (seen.value !== c.value || seen.mzxid !== c.mzxid) {
      list.push({
        kind: 'sequential-consistency',
        message: `${key} version ${version} was seen as two different writes: no single order of commits explains both`,
        evidence: [
          `${JSON.stringify(seen.value)} mzxid 0x${seen.mzxid.toString(16)} (${seen.source})`,
          `${JSON.stringify(c.value)} mzxid 0x${c.mzxid.toString(16)} (${c.source})`,
        ],
      });
      return;
    }
    const valueId = `${key}\u0000${c.value}`;
    const at = versionOfValue.get(valueId);
    if (at === undefined) versionOfValue.set(valueId, { version, source: c.source });
    else if (at.version !== version) {
      list.push({
        kind: 'sequential-consistency',
        message: `${key}: the value ${JSON.stringify(c.value)} was seen at versions ${at.version} and ${version}; each write has one place in the order`,
        evidence: [at.source, c.source],
      });
    }
  };
  for (const [key, s] of initial)
    note(key, s.version, { value: s.value, mzxid: s.mzxid, source: 'initial create' });
  for (const w of writesOk) {
    const out = w.output as GuaranteeWriteOutput;
    note(w.key, out.version, {
      value: (w.input as GuaranteeWriteInput).value,
      mzxid: out.mzxid,
      source: describe(w),
    });
  }
  // Values anyone tried to write (acknowledged or not): a read of anything else is invented state.
  const written = new Set<string>();
  for (const [key, s] of initial) written.add(`${key}\u0000${s.value}`);
  for (const w of ops) {
    if (w.op === 'write' && w.status !== 'fail')
      written.add(`${w.key}\u0000${(w.input as GuaranteeWriteInput).value}`);
  }
  for (const r of reads) {
    const out = r.output as GuaranteeReadOutput;
    if (!written.has(`${r.key}\u0000${out.value}`)) {
      list.push({
        kind: 'sequential-consistency',
        message: `${r.key}: read ${JSON.stringify(out.value)} at version ${out.version}, which no write of the history carried`,
        evidence: [describe(r)],
      });
      continue;
    }
    note(r.key, out.version, { value: out.value, mzxid: out.mzxid, source: describe(r) });
  }
  // Versions and zxids are both assigned in commit order: they must sort the key's writes alike.
  const sortedZxids = new Map<string, { version: number; mzxid: number }[]>();
  for (const [key, versions] of order) {
    const sorted = [...versions]
      .map(([version, c]) => ({ version, mzxid: c.mzxid }))
      .sort((a, b) => a.version - b.version);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.mzxid <= sorted[i - 1]!.mzxid) {
        list.push({
          kind: 'sequential-consistency',
          message: `${key}: version ${sorted[i]!.version} has an older zxid than version ${sorted[i - 1]!.version}`,
          evidence: [sorted[i - 1], sorted[i]].map(
            (s) => `v${s!.version} mzxid 0x${s!.mzxid.toString(16)} (${versions.get(s!.version)!.source})`,
          ),
        });
      }
    }
    sortedZxids.set(key, sorted);
  }
  /** The zxid of the first known committed write of `key` after `version`, if any. */
  const nextWriteZxid = (key: string, version: number): number | undefined => {
    const sorted = sortedZxids.get(key) ?? [];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.version > version) hi = mid;
      else lo = mid + 1;
    }
    return sorted[lo]?.mzxid;
  };

  // Per key, acknowledged writes by version with the earliest completion among newer versions, so
  // "was a newer write acknowledged before this read was sent?" is one binary search.
  const ackedAfter = new Map<string, { version: number; earliestComplete: bigint }[]>();
  for (const w of writesOk) {
    let list = ackedAfter.get(w.key);
    if (list === undefined) ackedAfter.set(w.key, (list = []));
    list.push({
      version: (w.output as GuaranteeWriteOutput).version,
      earliestComplete: toNanos(w.complete ?? w.invoke),
    });
  }
  for (const list of ackedAfter.values()) {
    list.sort((a, b) => a.version - b.version);
    for (let i = list.length - 2; i >= 0; i--) {
      if (list[i + 1]!.earliestComplete < list[i]!.earliestComplete)
        list[i]!.earliestComplete = list[i + 1]!.earliestComplete;
    }
  }
  const missedAckedWrite = (r: Operation): boolean => {
    const list = ackedAfter.get(r.key) ?? [];
    const version = (r.output as GuaranteeReadOutput).version;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.version > version) hi = mid;
      else lo = mid + 1;
    }
    const newer = list[lo];
    return newer !== undefined && newer.earliestComplete < toNanos(r.invoke);
  };

  // --- Per session, in the session's own order (one op at a time, so invoke order). ---
  const bySession = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.status !== 'ok') continue;
    const p = String(op.process);
    let mine = bySession.get(p);
    if (mine === undefined) bySession.set(p, (mine = []));
    mine.push(op);
  }
  let readsAfterMove = 0;
  let staleReads = 0;
  for (const [, mine] of bySession) {
    mine.sort((a, b) =>
      toNanos(a.invoke) < toNanos(b.invoke) ? -1 : toNanos(a.invoke) > toNanos(b.invoke) ? 1 : 0,
    );
    const lastRead = new Map<string, Operation>();
    const ownWrite = new Map<string, Operation>();
    let seenZxid = 0;
    let seenBy: Operation | undefined;
    let lastMember: number | undefined;
    for (const op of mine) {
      const out = op.output as GuaranteeReadOutput | GuaranteeWriteOutput;
      const moved = lastMember !== undefined && out.member !== undefined && out.member !== lastMember;
      if (op.op === 'read') {
        if (moved) readsAfterMove++;
        const next = nextWriteZxid(op.key, out.version);
        if (missedAckedWrite(op)) staleReads++;
        const mine = ownWrite.get(op.key);
        const before = lastRead.get(op.key);
        const movedNote = moved ? ` (after moving from member ${lastMember} to ${out.member})` : '';
        if (mine !== undefined && (mine.output as GuaranteeWriteOutput).version > out.version) {
          list.push({
            kind: 'read-your-writes',
            message: `${op.process} read ${op.key} at version ${out.version} after its own write made version ${(mine.output as GuaranteeWriteOutput).version}${movedNote}`,
            evidence: [describe(mine), describe(op)],
          });
        } else if (before !== undefined && (before.output as GuaranteeReadOutput).version > out.version) {
          list.push({
            kind: 'monotonic-reads',
            message: `${op.process} read ${op.key} at version ${out.version} after reading version ${(before.output as GuaranteeReadOutput).version}${movedNote}`,
            evidence: [describe(before), describe(op)],
          });
        } else if (next !== undefined && next <= seenZxid) {
          list.push({
            kind: 'session-time-travel',
            message: `${op.process} read ${op.key} at version ${out.version}, older than zxid 0x${seenZxid.toString(16)} it had already seen (the next write of ${op.key} committed at 0x${next.toString(16)})${movedNote}`,
            evidence: [
              seenBy === undefined ? `zxid 0x${seenZxid.toString(16)}` : `seen by ${describe(seenBy)}`,
              describe(op),
            ],
          });
        }
        if (before === undefined || (before.output as GuaranteeReadOutput).version <= out.version)
          lastRead.set(op.key, op);
      } else {
        const mine = ownWrite.get(op.key);
        if (mine === undefined || (mine.output as GuaranteeWriteOutput).version < out.version)
          ownWrite.set(op.key, op);
      }
      const z = Math.max(out.mzxid, out.sessionZxid);
      if (z > seenZxid) {
        seenZxid = z;
        seenBy = op;
      }
      if (out.member !== undefined) lastMember = out.member;
    }
  }
  return {
    anomalies: list.anomalies,
    reads: reads.length,
    writes: writesOk.length,
    sessions: bySession.size,
    readsAfterMove,
    staleReads,
  };
}
