/**
 * Pure audits of the exam-schedule scenario: what SSE clients saw, what staff writers were told
 * (200 + version), and what the coordinator holds (history children read during the run, the final
 * znodes). A schedule is identified by its sessions' fingerprint: every write of the scenario names
 * a unique room, so two different writes never share one.
 */
import type { Anomaly } from '../harness/scenario.js';

/** One schedule version an SSE client received. */
export interface Observation {
  client: number;
  /** Which stream of that client (reconnects count up). */
  stream: number;
  examId: string;
  version: number;
  fingerprint: string;
  /** Evidence only: the event's mzxid, the instance of the stream and the Last-Event-ID it sent. */
  mzxid?: number;
  instance?: string;
  since?: string;
}

/** A schedule write acknowledged with 200. */
export interface AckedWrite {
  writer: number;
  examId: string;
  version: number;
  /** Fingerprint of the sessions the writer sent. */
  fingerprint: string;
}

/** A version as the coordinator holds it (a history child or the final znode). */
export interface StoredVersion {
  source: string;
  examId: string;
  version: number;
  fingerprint: string;
}

export function fingerprint(sessions: unknown): string {
  if (!Array.isArray(sessions)) return JSON.stringify(sessions ?? null);
  return JSON.stringify(
    sessions.map((s: Record<string, unknown>) => [s.id, s.startsAt, s.endsAt, s.room, s.seats]),
  );
}

const MAX_REPORTED = 10;

function capped(anomalies: Anomaly[], kind: string): Anomaly[] {
  if (anomalies.length <= MAX_REPORTED) return anomalies;
  return [
    ...anomalies.slice(0, MAX_REPORTED),
    { kind, message: `${anomalies.length - MAX_REPORTED} more ${kind} anomalies left out` },
  ];
}

/** A client (across all its streams) never sees an exam's version lower than one it already saw. */
export function checkVersionOrder(observations: readonly Observation[]): Anomaly[] {
  const seen = new Map<string, { version: number; stream: number; mzxid?: number; instance?: string }>();
  const out: Anomaly[] = [];
  for (const o of observations) {
    const key = `${o.client}/${o.examId}`;
    const prev = seen.get(key);
    if (prev !== undefined && o.version < prev.version) {
      out.push({
        kind: 'version-regressed',
        message: `client ${o.client} saw exam ${o.examId} at version ${o.version} (stream ${o.stream}) after version ${prev.version} (stream ${prev.stream})`,
        evidence: {
          client: o.client,
          examId: o.examId,
          after: prev,
          got: o.version,
          stream: o.stream,
          mzxid: o.mzxid,
          instance: o.instance,
          lastEventIdSent: o.since,
        },
      });
      continue;
    }
    if (prev === undefined || o.version > prev.version)
      seen.set(key, { version: o.version, stream: o.stream, mzxid: o.mzxid, instance: o.instance });
  }
  return capped(out, 'version-regressed');
}

/** The newest version each client saw per exam. */
export function newestSeen(observations: readonly Observation[]): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const o of observations) {
    let m = out.get(o.client);
    if (m === undefined) out.set(o.client, (m = new Map()));
    m.set(o.examId, Math.max(m.get(o.examId) ?? -1, o.version));
  }
  return out;
}

/** After healing (and the scenario's bound), every client is on every exam's final version. */
export function checkFinalVersions(
  clients: readonly number[],
  observations: readonly Observation[],
  finals: ReadonlyMap<string, number>,
): Anomaly[] {
  const newest = newestSeen(observations);
  const out: Anomaly[] = [];
  for (const c of clients) {
    for (const [examId, final] of finals) {
      const got = newest.get(c)?.get(examId);
      if (got !== final)
        out.push({
          kind: 'final-version-missing',
          message: `client ${c} ended on exam ${examId} version ${got ?? 'none'}, the znode is at ${final}`,
          evidence: { client: c, examId, got: got ?? null, final },
        });
    }
  }
  return capped(out, 'final-version-missing');
}

/**
 * Every 200 is durable: its version exists (not above the final version), and wherever that
 * version is known (stored, or received by a client) it carries the acknowledged schedule; no two
 * writes were acknowledged with the same version.
 */
export function checkAcknowledged(
  acks: readonly AckedWrite[],
  stored: readonly StoredVersion[],
  observations: readonly Observation[],
  finals: ReadonlyMap<string, number>,
): Anomaly[] {
  const known = new Map<string, { fingerprint: string; source: string }>();
  for (const s of stored)
    known.set(`${s.examId}@${s.version}`, { fingerprint: s.fingerprint, source: s.source });
  for (const o of observations) {
    const key = `${o.examId}@${o.version}`;
    if (!known.has(key)) known.set(key, { fingerprint: o.fingerprint, source: `client ${o.client}` });
  }
  const byVersion = new Map<string, AckedWrite>();
  const out: Anomaly[] = [];
  for (const a of acks) {
    const key = `${a.examId}@${a.version}`;
    const final = finals.get(a.examId);
    if (final !== undefined && a.version > final) {
      out.push({
        kind: 'lost-acknowledged-write',
        message: `writer ${a.writer} was told exam ${a.examId} is at version ${a.version}, the final znode is at ${final}`,
        evidence: a,
      });
      continue;
    }
    const twin = byVersion.get(key);
    if (twin !== undefined && twin.fingerprint !== a.fingerprint) {
      out.push({
        kind: 'lost-acknowledged-write',
        message: `exam ${a.examId} version ${a.version} acknowledged to two different writes (writers ${twin.writer} and ${a.writer})`,
        evidence: { first: twin, second: a },
      });
      continue;
    }
    byVersion.set(key, a);
    const k = known.get(key);
    if (k !== undefined && k.fingerprint !== a.fingerprint)
      out.push({
        kind: 'lost-acknowledged-write',
        message: `writer ${a.writer}'s acknowledged exam ${a.examId} version ${a.version} is another schedule in ${k.source}`,
        evidence: { ack: a, found: k },
      });
  }
  return capped(out, 'lost-acknowledged-write');
}

/** One (exam, version) is one schedule wherever it is seen: clients, history children, final read. */
export function checkDuplicateVersions(
  stored: readonly StoredVersion[],
  observations: readonly Observation[],
): Anomaly[] {
  const first = new Map<string, { fingerprint: string; source: string }>();
  const reported = new Set<string>();
  const out: Anomaly[] = [];
  const visit = (examId: string, version: number, fp: string, source: string) => {
    const key = `${examId}@${version}`;
    const prev = first.get(key);
    if (prev === undefined) {
      first.set(key, { fingerprint: fp, source });
      return;
    }
    if (prev.fingerprint === fp || reported.has(key)) return;
    reported.add(key);
    out.push({
      kind: 'duplicate-version-data',
      message: `exam ${examId} version ${version} seen as two schedules (${prev.source} and ${source})`,
      evidence: { examId, version, a: prev, b: { fingerprint: fp, source } },
    });
  };
  for (const s of stored) visit(s.examId, s.version, s.fingerprint, s.source);
  for (const o of observations) visit(o.examId, o.version, o.fingerprint, `client ${o.client}`);
  return capped(out, 'duplicate-version-data');
}

/** A registration row as the exam-registration database holds it at the end. */
export interface RegistrationRow {
  examId: string;
  sessionId: string;
  studentId: string;
  status: 'pending' | 'active' | 'cancelled';
}

/** A seated hold of an exam-session pool (pool id `<examId>:<sessionId>`) at the end. */
export interface SeatedHold {
  examId: string;
  sessionId: string;
  studentId: string;
}

/**
 * After healing, the registrations agree with the seat pools (the authority for desks): every
 * active registration has its desk (`registration-without-seat`: a student told they are
 * registered who has no desk, or whose desk went to someone else), and every seated desk belongs
 * to a registration that is active, or pending (a crash after the seat was taken; the service
 * settles it from the pool on the student's next request) (`seat-without-registration`).
 */
export function checkRegistrationsMatchSeats(
  rows: readonly RegistrationRow[],
  seated: readonly SeatedHold[],
): Anomaly[] {
  const key = (examId: string, sessionId: string, studentId: string) => `${examId}/${sessionId}/${studentId}`;
  const desks = new Set(seated.map((h) => key(h.examId, h.sessionId, h.studentId)));
  const live = new Set(
    rows.filter((r) => r.status !== 'cancelled').map((r) => key(r.examId, r.sessionId, r.studentId)),
  );
  const out: Anomaly[] = [];
  for (const r of rows)
    if (r.status === 'active' && !desks.has(key(r.examId, r.sessionId, r.studentId)))
      out.push({
        kind: 'registration-without-seat',
        message: `student ${r.studentId} is registered for exam ${r.examId} session ${r.sessionId} without a seat in its pool`,
        evidence: r,
      });
  for (const h of seated)
    if (!live.has(key(h.examId, h.sessionId, h.studentId)))
      out.push({
        kind: 'seat-without-registration',
        message: `a seat of exam ${h.examId} session ${h.sessionId} is held by ${h.studentId}, who has no active or pending registration for it`,
        evidence: h,
      });
  return [
    ...capped(
      out.filter((a) => a.kind === 'registration-without-seat'),
      'registration-without-seat',
    ),
    ...capped(
      out.filter((a) => a.kind === 'seat-without-registration'),
      'seat-without-registration',
    ),
  ];
}

/** A schedule write the service refused (here: a move that would have made students' exams overlap). */
export interface RefusedWrite {
  writer: number;
  examId: string;
  fingerprint: string;
  reason: string;
}

/**
 * A refused write leaves nothing behind: its schedule (unique by its room) is in no stored version and
 * reached no client.
 */
export function checkRefusedNotApplied(
  refused: readonly RefusedWrite[],
  stored: readonly StoredVersion[],
  observations: readonly Observation[],
): Anomaly[] {
  const seen = new Map<string, string>();
  for (const s of stored) seen.set(`${s.examId}|${s.fingerprint}`, `${s.source} (version ${s.version})`);
  for (const o of observations) {
    const key = `${o.examId}|${o.fingerprint}`;
    if (!seen.has(key)) seen.set(key, `client ${o.client} (version ${o.version})`);
  }
  const out: Anomaly[] = [];
  for (const r of refused) {
    const where = seen.get(`${r.examId}|${r.fingerprint}`);
    if (where !== undefined)
      out.push({
        kind: 'refused-write-applied',
        message: `writer ${r.writer}'s schedule for exam ${r.examId} was refused (${r.reason}) but is in ${where}`,
        evidence: { refused: r, where },
      });
  }
  return capped(out, 'refused-write-applied');
}
