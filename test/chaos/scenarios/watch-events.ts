/**
 * Invariant checks of the `watches` scenario over what the writer and the watchers recorded. Pure
 * (no I/O, no clocks), tested with hand-written good and bad logs.
 *
 * A watcher's log is the order in which its client handled things: reads (with the version and
 * value returned), notifications, reconnects of its session, and session starts. For a one-shot
 * watcher every read arms the next watch, so "armed at v" is the version of the last read before a
 * notification; for a persistent watcher it is the newest state the client had read when the
 * notification came. In both modes a notification is recorded as soon as its frame is handled,
 * while a read is recorded when its promise continuation runs, which is never earlier; so the
 * "last read before" can only be older than the truth, which weakens the check but never makes it
 * fail on correct behaviour.
 */
import { anomalyList } from '../harness/anomaly-list.js';
import type { Anomaly } from '../harness/scenario.js';

export type WatcherRecord =
  | { type: 'session'; session: string; at: number }
  | { type: 'read'; session: string; version: number; value: string; at: number }
  | { type: 'notify'; session: string; at: number }
  /** The session reconnected (same id) while a watch was armed: SetWatches re-armed it. */
  | { type: 'reconnect'; session: string; at: number };

export interface WatcherLog {
  watcher: string;
  key: string;
  mode: 'one-shot' | 'persistent';
  records: readonly WatcherRecord[];
}

/** One acknowledged setData of the writer. */
export interface WriterAck {
  key: string;
  version: number;
  value: string;
  at: number;
}

export interface WatchesLog {
  acks: readonly WriterAck[];
  watchers: readonly WatcherLog[];
  /** Version of each key read (after sync) once healed and the writer stopped. */
  finalVersions: Readonly<Record<string, number>>;
}

export interface WatchesCheck {
  anomalies: Anomaly[];
  notifications: number;
  rearmsAfterReconnect: number;
  /** Longest time from the ack of the first change after arming to its notification, ms. */
  maxLagMs: number;
  /** Notifications whose following read was checked against the armed version. */
  checkedNotifications: number;
}

const MAX_PER_KIND = 5;

export function checkWatches(log: WatchesLog): WatchesCheck {
  const { anomalies, push } = anomalyList(MAX_PER_KIND);

  // Writer sanity, and the version -> value map reads are compared with.
  const ackAt = new Map<string, Map<number, WriterAck>>();
  const lastAck = new Map<string, WriterAck>();
  for (const a of log.acks) {
    const prev = lastAck.get(a.key);
    if (prev !== undefined && a.version <= prev.version) {
      push({
        kind: 'writer-version-regressed',
        message: `writer acks on ${a.key} went from version ${prev.version} to ${a.version}`,
        evidence: { previous: prev, ack: a },
      });
    }
    lastAck.set(a.key, a);
    let byVersion = ackAt.get(a.key);
    if (byVersion === undefined) ackAt.set(a.key, (byVersion = new Map()));
    byVersion.set(a.version, a);
  }

  let notifications = 0;
  let rearmsAfterReconnect = 0;
  let maxLagMs = 0;
  let checkedNotifications = 0;
  for (const w of log.watchers) {
    const acks = ackAt.get(w.key) ?? new Map<number, WriterAck>();
    let last: Extract<WatcherRecord, { type: 'read' }> | undefined;
    let lastInSession: typeof last;
    /** Notifications waiting for the next read of the same session: the version armed at. */
    let waiting: Array<{ armed: number; at: number }> = [];
    let maxSeen = -1;
    for (const r of w.records) {
      switch (r.type) {
        case 'session':
          lastInSession = undefined;
          waiting = [];
          break;
        case 'reconnect':
          rearmsAfterReconnect++;
          break;
        case 'notify': {
          notifications++;
          if (lastInSession === undefined) break;
          waiting.push({ armed: lastInSession.version, at: r.at });
          const next = acks.get(lastInSession.version + 1);
          if (next !== undefined) maxLagMs = Math.max(maxLagMs, r.at - next.at);
          break;
        }
        case 'read': {
          // A new session starts with sync, so it too must not read older than its predecessor.
          if (last !== undefined && r.version < last.version) {
            push({
              kind: 'version-regressed',
              message: `${w.watcher} read ${w.key} at version ${r.version} after version ${last.version}${last.session === r.session ? '' : ' (new session)'}`,
              evidence: { watcher: w.watcher, before: last, after: r },
            });
          }
          for (const n of waiting) {
            checkedNotifications++;
            if (r.version <= n.armed) {
              push({
                kind: 'spurious-notification',
                message: `${w.watcher} was notified on ${w.key} armed at version ${n.armed}, but the next read shows version ${r.version}`,
                evidence: { watcher: w.watcher, mode: w.mode, armedAt: n.armed, notifiedAt: n.at, read: r },
              });
            }
          }
          waiting = [];
          const ack = acks.get(r.version);
          if (ack !== undefined && ack.value !== r.value) {
            push({
              kind: 'value-mismatch',
              message: `${w.watcher} read ${w.key} version ${r.version} = "${r.value}", the writer's ack says "${ack.value}"`,
              evidence: { read: r, ack },
            });
          }
          last = r;
          lastInSession = r;
          maxSeen = Math.max(maxSeen, r.version);
          break;
        }
      }
    }
    const final = log.finalVersions[w.key];
    if (final !== undefined && maxSeen < final) {
      const tail = w.records.slice(-4);
      // Reconnects do not disarm: SetWatches carries the watch over to the new connection.
      const lastActive = w.records.filter((x) => x.type !== 'reconnect').at(-1);
      const armedNoNotify = lastInSession !== undefined && lastActive === lastInSession;
      push(
        armedNoNotify
          ? {
              kind: 'missed-notification',
              message: `${w.watcher} (${w.mode}) stayed armed on ${w.key} at version ${lastInSession!.version} while the final version is ${final}: no notification came`,
              evidence: { watcher: w.watcher, final, tail },
            }
          : {
              kind: 'unnoticed-change',
              message: `${w.watcher} (${w.mode}) never read ${w.key} at the final version ${final} (last seen ${maxSeen})`,
              evidence: { watcher: w.watcher, final, tail },
            },
      );
    }
  }
  return {
    anomalies,
    notifications,
    rearmsAfterReconnect,
    maxLagMs: Math.max(0, Math.round(maxLagMs)),
    checkedNotifications,
  };
}
