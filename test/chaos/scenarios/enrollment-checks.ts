/**
 * Pure audits of the `enrollment` scenario: the recorded HTTP history, pool samples taken during
 * the run, and the database's final seat holds and seat event log (commit order = event id order).
 * Each audit reports its own anomaly kind, so a report says which promise broke:
 *
 * - `overbooked`: more seated than capacity (or waitlisted than the waitlist capacity) in a sample
 *   taken during the run, or at any point of the committed event log replayed in commit order;
 * - `lost-acknowledged-enrollment`: a 201 the client saw that the event log does not contain, or
 *   whose seat is gone at the end with no later drop that could explain it;
 * - `lost-acknowledged-drop`: a 200 drop whose seat is back at the end with no later enrollment;
 * - `refused-but-recorded`: more admissions (releases) in the event log than enrollment (drop)
 *   requests that were not definitely refused;
 * - `enrolled-and-waitlisted`: two hold rows for one student and course, or a status history whose
 *   steps do not chain (a writer that did not see the holder's current place);
 * - `waitlist-order`: a promotion that skips someone admitted to the waitlist earlier, or final
 *   waitlist tickets out of admission order;
 * - `seat-left-free`: after healing and a promoter period, a free seat while someone waits;
 * - `fence-regressed`: a course's fencing token going down in a committed update of its pool row
 *   (the audit tap's log), in the event log, or between samples;
 * - `seat-count-drift`: the pool's counters disagree with its hold rows in one snapshot.
 */
import type { Anomaly } from '../harness/scenario.js';

/** One HTTP request of a student, as recorded. */
export interface EnrollmentRequest {
  student: string;
  course: string;
  op: 'enroll' | 'drop';
  /** Monotonic ns; a student has one request in flight at a time, so invoke order is its order. */
  invokeNs: number;
  /** ok: 2xx; refused: a definite refusal (4xx, nothing written); unknown: 5xx, timeout, no answer. */
  outcome: 'ok' | 'refused' | 'unknown';
  status: number;
  /** The `reason` of an error body (e.g. 'full', 'already-enrolled', 'stale-fence'). */
  reason?: string;
  /** For enroll ok: 'enrolled' | 'waitlisted'. */
  result?: string;
  position?: number;
}

/** One consistent snapshot of a pool (counters plus counts of its hold rows, one query). */
export interface PoolSample {
  atNs: number;
  course: string;
  capacity: number;
  taken: number;
  waitlistCapacity: number;
  waitlisted: number;
  seatedRows: number;
  waitlistedRows: number;
  fence: number;
}

export interface SeatEvent {
  id: number;
  course: string;
  holder: string;
  from: string | null;
  to: string;
  reason: string;
  fence: number;
}

/** One committed update of a pool row, from the audit tap (commit order = id order). */
export interface PoolUpdate {
  id: number;
  pool: string;
  oldFence: number;
  newFence: number;
  taken: number;
  capacity: number;
  waitlisted: number;
  waitlistCapacity: number;
}

export interface HoldRow {
  course: string;
  holder: string;
  status: string;
  ticket: number | null;
}

const MAX_EVIDENCE = 5;

/** Keeps one anomaly per kind with a count and a few witnesses, so a broken run stays readable. */
class Findings {
  private readonly byKind = new Map<string, { message: string; count: number; witnesses: unknown[] }>();

  add(kind: string, message: string, witness: unknown): void {
    const f = this.byKind.get(kind) ?? { message, count: 0, witnesses: [] };
    f.count++;
    if (f.witnesses.length < MAX_EVIDENCE) f.witnesses.push(witness);
    this.byKind.set(kind, f);
  }

  list(): Anomaly[] {
    return [...this.byKind].map(([kind, f]) => ({
      kind,
      message: f.count === 1 ? f.message : `${f.message} (${f.count} times)`,
      evidence: f.witnesses,
    }));
  }
}

/** Samples taken while the faults ran: capacity, counter drift, fence per course never going down. */
export function checkSamples(samples: readonly PoolSample[]): Anomaly[] {
  const f = new Findings();
  const lastFence = new Map<string, PoolSample>();
  for (const s of [...samples].sort((a, b) => a.atNs - b.atNs)) {
    if (s.taken > s.capacity || s.seatedRows > s.capacity)
      f.add('overbooked', `a course had more seated than its capacity in a sample`, s);
    if (s.waitlisted > s.waitlistCapacity || s.waitlistedRows > s.waitlistCapacity)
      f.add('overbooked', `a course had more waitlisted than its waitlist capacity in a sample`, s);
    if (s.taken !== s.seatedRows || s.waitlisted !== s.waitlistedRows)
      f.add('seat-count-drift', `counters disagree with the hold rows`, s);
    const prev = lastFence.get(s.course);
    if (prev !== undefined && s.fence < prev.fence)
      f.add('fence-regressed', `the pool's fence went down between samples`, {
        before: prev,
        after: s,
      });
    lastFence.set(s.course, s);
  }
  return f.list();
}

/**
 * Every committed update of a pool row: the fence never goes down (a stale holder's write was
 * accepted) and the counters stay within the capacities of that same update.
 */
export function checkPoolLog(log: readonly PoolUpdate[]): Anomaly[] {
  const f = new Findings();
  for (const u of [...log].sort((a, b) => a.id - b.id)) {
    if (u.newFence < u.oldFence)
      f.add('fence-regressed', `a committed update of a pool lowered its fence (a stale holder's write)`, u);
    if (u.taken > u.capacity || u.waitlisted > u.waitlistCapacity)
      f.add('overbooked', `a committed update of a pool left it above capacity`, u);
  }
  return f.list();
}

/**
 * Replays each course's event log in commit order: status steps chain, seated never above capacity,
 * fences never go down, promotions take the earliest waiting holder; final rows match the log.
 */
export function checkEventLog(
  events: readonly SeatEvent[],
  holds: readonly HoldRow[],
  capacities: ReadonlyMap<string, { capacity: number; waitlistCapacity: number }>,
): Anomaly[] {
  const f = new Findings();
  const byCourse = groupBy(events, (e) => e.course);
  for (const [course, log] of byCourse) {
    const cap = capacities.get(course);
    const status = new Map<string, string>();
    /** Waiting holders in admission (commit) order. */
    const waiting: string[] = [];
    let seated = 0;
    let maxFence = Number.NEGATIVE_INFINITY;
    for (const e of [...log].sort((a, b) => a.id - b.id)) {
      if (e.fence < maxFence)
        f.add('fence-regressed', `an event committed with a lower fence than an earlier one`, {
          event: e,
          highestBefore: maxFence,
        });
      maxFence = Math.max(maxFence, e.fence);
      const before = status.get(e.holder) ?? null;
      const expectedFrom = before === null || before === 'released' ? [null, 'released'] : [before];
      if (!expectedFrom.includes(e.from))
        f.add('enrolled-and-waitlisted', `a status step that does not follow the holder's current place`, {
          event: e,
          currentPlace: before,
        });
      if (e.to === 'waitlisted' && e.reason === 'admit') waiting.push(e.holder);
      if (e.from === 'waitlisted' || (before === 'waitlisted' && e.to !== 'waitlisted')) {
        const at = waiting.indexOf(e.holder);
        if (e.reason === 'promote' && at > 0)
          f.add('waitlist-order', `a promotion skipped holders admitted earlier`, {
            event: e,
            skipped: waiting.slice(0, at),
          });
        if (at >= 0) waiting.splice(at, 1);
      }
      if (before === 'seated') seated--;
      if (e.to === 'seated') seated++;
      status.set(e.holder, e.to);
      if (cap !== undefined && seated > cap.capacity)
        f.add('overbooked', `more seated than capacity in the committed history`, {
          event: e,
          seated,
          capacity: cap.capacity,
        });
      if (cap !== undefined && waiting.length > cap.waitlistCapacity)
        f.add('overbooked', `more waiting than the waitlist capacity in the history`, {
          event: e,
          waiting: waiting.length,
          waitlistCapacity: cap.waitlistCapacity,
        });
    }
    const rows = holds.filter((h) => h.course === course);
    for (const h of rows) {
      const last = status.get(h.holder);
      if (last !== h.status)
        f.add('history-mismatch', `a hold row disagrees with its last event`, {
          hold: h,
          lastEvent: last ?? null,
        });
    }
    const tickets = rows
      .filter((h) => h.status === 'waitlisted')
      .sort((a, b) => (a.ticket ?? 0) - (b.ticket ?? 0))
      .map((h) => h.holder);
    if (tickets.join() !== waiting.join())
      f.add('waitlist-order', `final waitlist tickets are not in admission order`, {
        byTicket: tickets,
        byAdmission: waiting,
      });
  }
  for (const [key, rows] of groupBy(holds, (h) => `${h.course}/${h.holder}`))
    if (rows.length > 1)
      f.add('enrolled-and-waitlisted', `more than one hold row for one student in one course`, { key, rows });
  return f.list();
}

/**
 * The HTTP history against the database: every acknowledged enrollment and drop is in the event log
 * and (unless a later request may have undone it) in the final state; nothing definitely refused is.
 */
export function checkAcknowledged(
  requests: readonly EnrollmentRequest[],
  events: readonly SeatEvent[],
  holds: readonly HoldRow[],
): Anomaly[] {
  const f = new Findings();
  const key = (course: string, holder: string) => `${course}/${holder}`;
  const eventsOf = groupBy(events, (e) => key(e.course, e.holder));
  const holdOf = new Map(holds.map((h) => [key(h.course, h.holder), h]));
  for (const [k, reqs] of groupBy(requests, (r) => key(r.course, r.student))) {
    const log = eventsOf.get(k) ?? [];
    const admits = log.filter((e) => e.reason === 'admit').length;
    const releases = log.filter((e) => e.reason === 'release').length;
    const count = (op: string, outcome: string) =>
      reqs.filter((r) => r.op === op && r.outcome === outcome).length;
    const okEnrolls = count('enroll', 'ok');
    const okDrops = count('drop', 'ok');
    if (okEnrolls > admits)
      f.add('lost-acknowledged-enrollment', 'a 201 enrollment the database never recorded', {
        key: k,
        acknowledged: okEnrolls,
        admitEvents: admits,
      });
    if (okDrops > releases)
      f.add('lost-acknowledged-drop', 'an acknowledged drop the database never recorded', {
        key: k,
        acknowledged: okDrops,
        releaseEvents: releases,
      });
    if (admits > okEnrolls + count('enroll', 'unknown'))
      f.add('refused-but-recorded', 'more admissions recorded than enrollments not definitely refused', {
        key: k,
        admitEvents: admits,
        ok: okEnrolls,
        unknown: count('enroll', 'unknown'),
        refused: reqs.filter((r) => r.op === 'enroll' && r.outcome === 'refused').map((r) => r.status),
      });
    if (releases > okDrops + count('drop', 'unknown'))
      f.add('refused-but-recorded', 'more releases recorded than drops not definitely refused', {
        key: k,
        releaseEvents: releases,
        ok: okDrops,
        unknown: count('drop', 'unknown'),
      });
    // The final place: decided by the last acknowledged request if nothing after it may have applied.
    const ordered = [...reqs].sort((a, b) => a.invokeNs - b.invokeNs);
    const lastOk = ordered.findLastIndex((r) => r.outcome === 'ok');
    if (lastOk < 0) continue;
    const later = ordered.slice(lastOk + 1).filter((r) => r.outcome !== 'refused');
    if (later.length > 0) continue;
    const last = ordered[lastOk]!;
    const place = holdOf.get(k)?.status ?? 'none';
    if (last.op === 'enroll' && place !== 'seated' && place !== 'waitlisted')
      f.add(
        'lost-acknowledged-enrollment',
        'an acknowledged enrollment is gone at the end, no drop after it',
        {
          key: k,
          request: last,
          finalPlace: place,
        },
      );
    if (last.op === 'drop' && place !== 'released' && place !== 'none')
      f.add('lost-acknowledged-drop', 'an acknowledged drop is undone at the end, no enrollment after it', {
        key: k,
        request: last,
        finalPlace: place,
      });
  }
  return f.list();
}

/** After healing and the promoter's period: a course with a free seat must have nobody waiting. */
export function checkSeatsFilled(final: readonly PoolSample[]): Anomaly[] {
  const f = new Findings();
  for (const s of final)
    if (s.seatedRows < s.capacity && s.waitlistedRows > 0)
      f.add('seat-left-free', `a free seat while someone waits, after healing`, s);
  return f.list();
}

function groupBy<T>(items: readonly T[], keyOf: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = keyOf(t);
    const list = out.get(k);
    if (list === undefined) out.set(k, [t]);
    else list.push(t);
  }
  return out;
}
