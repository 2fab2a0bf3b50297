import { describe, expect, it } from 'vitest';
import {
  checkAcknowledged,
  checkDuplicateVersions,
  checkFinalVersions,
  checkRefusedNotApplied,
  checkRegistrationsMatchSeats,
  checkVersionOrder,
  fingerprint,
  type AckedWrite,
  type Observation,
  type RegistrationRow,
  type StoredVersion,
} from './exam-schedule-checks.js';

const fp = (room: string) => fingerprint([{ id: 'main', startsAt: 'a', endsAt: 'b', room, seats: 10 }]);
const obs = (
  client: number,
  stream: number,
  version: number,
  room = `r${version}`,
  examId = 'e1',
): Observation => ({
  client,
  stream,
  examId,
  version,
  fingerprint: fp(room),
});
const kinds = (a: { kind: string }[]) => a.map((x) => x.kind);

describe('exam-schedule checks', () => {
  it('fingerprints sessions by content, not key order', () => {
    expect(fingerprint([{ seats: 1, room: 'x', id: 's', endsAt: 'b', startsAt: 'a' }])).toBe(
      fingerprint([{ id: 's', startsAt: 'a', endsAt: 'b', room: 'x', seats: 1 }]),
    );
    expect(fp('x')).not.toBe(fp('y'));
  });

  it('version-regressed: a lower version after a higher one, across streams; repeats and other exams are fine', () => {
    expect(checkVersionOrder([obs(0, 1, 1), obs(0, 1, 3), obs(0, 2, 3), obs(0, 2, 4), obs(1, 1, 2)])).toEqual(
      [],
    );
    expect(checkVersionOrder([obs(0, 1, 5), obs(0, 2, 1, 'r1', 'e2')])).toEqual([]);
    const a = checkVersionOrder([obs(0, 1, 1), obs(0, 1, 5), obs(0, 2, 4)]);
    expect(kinds(a)).toEqual(['version-regressed']);
    expect(a[0]!.evidence).toMatchObject({ client: 0, got: 4, after: { version: 5, stream: 1 } });
  });

  it('final-version-missing: every client on every exam final version', () => {
    const finals = new Map([
      ['e1', 3],
      ['e2', 1],
    ]);
    const good = [obs(0, 1, 3), obs(0, 1, 1, 'r1', 'e2'), obs(1, 1, 3), obs(1, 2, 1, 'r1', 'e2')];
    expect(checkFinalVersions([0, 1], good, finals)).toEqual([]);
    const a = checkFinalVersions([0, 1, 2], good.slice(0, 3), finals);
    expect(a.map((x) => x.evidence)).toEqual([
      { client: 1, examId: 'e2', got: null, final: 1 },
      { client: 2, examId: 'e1', got: null, final: 3 },
      { client: 2, examId: 'e2', got: null, final: 1 },
    ]);
    expect(new Set(kinds(a))).toEqual(new Set(['final-version-missing']));
  });

  it('lost-acknowledged-write: above the final version, acknowledged twice, or another schedule where known', () => {
    const ack = (writer: number, version: number, room: string): AckedWrite => ({
      writer,
      examId: 'e1',
      version,
      fingerprint: fp(room),
    });
    const stored: StoredVersion[] = [
      { source: 'history v-2', examId: 'e1', version: 2, fingerprint: fp('a2') },
      { source: 'final znode', examId: 'e1', version: 4, fingerprint: fp('a4') },
    ];
    const finals = new Map([['e1', 4]]);
    const seen = [obs(0, 1, 3, 'a3')];
    expect(
      checkAcknowledged([ack(0, 2, 'a2'), ack(1, 3, 'a3'), ack(0, 4, 'a4')], stored, seen, finals),
    ).toEqual([]);
    // Unknown versions (pruned, never received) cannot be checked and are not anomalies.
    expect(checkAcknowledged([ack(0, 1, 'zz')], stored, seen, finals)).toEqual([]);
    const a = checkAcknowledged(
      [ack(0, 2, 'other'), ack(1, 3, 'lost'), ack(0, 5, 'a5'), ack(0, 4, 'a4'), ack(1, 4, 'b4')],
      stored,
      seen,
      finals,
    );
    expect(kinds(a)).toEqual(Array(4).fill('lost-acknowledged-write'));
    expect(a.map((x) => x.message).join('\n')).toMatch(/version 5, the final znode is at 4/);
    expect(a.map((x) => x.message).join('\n')).toMatch(/acknowledged to two different writes/);
  });

  it('duplicate-version-data: one version, two schedules, anywhere; reported once', () => {
    const stored: StoredVersion[] = [
      { source: 'history v-1', examId: 'e1', version: 1, fingerprint: fp('x') },
    ];
    expect(checkDuplicateVersions(stored, [obs(0, 1, 1, 'x'), obs(1, 1, 1, 'x')])).toEqual([]);
    const a = checkDuplicateVersions(stored, [
      obs(0, 1, 1, 'y'),
      obs(1, 1, 1, 'z'),
      obs(2, 1, 2, 'q'),
      obs(3, 1, 2, 'q'),
    ]);
    expect(kinds(a)).toEqual(['duplicate-version-data']);
    expect(a[0]!.message).toMatch(/history v-1 and client 0/);
  });
});

describe('exam-schedule checks: registrations against the seat pools', () => {
  const row = (
    studentId: string,
    status: RegistrationRow['status'],
    sessionId = 'main',
  ): RegistrationRow => ({
    examId: 'e1',
    sessionId,
    studentId,
    status,
  });
  const desk = (studentId: string, sessionId = 'main') => ({ examId: 'e1', sessionId, studentId });

  it('passes when every active registration has its desk and every desk a live registration', () => {
    const rows = [row('a', 'active'), row('b', 'pending'), row('c', 'cancelled')];
    expect(checkRegistrationsMatchSeats(rows, [desk('a'), desk('b')])).toEqual([]);
  });

  it('flags an active registration without a desk, and a desk nobody is registered for', () => {
    const found = checkRegistrationsMatchSeats(
      [row('a', 'active'), row('c', 'cancelled')],
      [desk('c'), desk('d')],
    );
    expect(found.map((a) => a.kind)).toEqual([
      'registration-without-seat',
      'seat-without-registration',
      'seat-without-registration',
    ]);
  });

  it('a desk in another session of the exam does not count', () => {
    const found = checkRegistrationsMatchSeats([row('a', 'active', 'main')], [desk('a', 'late')]);
    expect(found.map((a) => a.kind)).toEqual(['registration-without-seat', 'seat-without-registration']);
  });

  it('a refused write must leave nothing: flagged when its schedule is stored or reached a client', () => {
    const refused = [{ writer: 2, examId: 'e1', fingerprint: fp('r1'), reason: 'clashes' }];
    expect(
      checkRefusedNotApplied(
        refused,
        [{ source: 'final znode', examId: 'e1', version: 3, fingerprint: fp('a3') }],
        [],
      ),
    ).toEqual([]);
    const stored = checkRefusedNotApplied(
      refused,
      [{ source: 'history v-4', examId: 'e1', version: 4, fingerprint: fp('r1') }],
      [],
    );
    expect(stored.map((a) => a.kind)).toEqual(['refused-write-applied']);
    const seen = checkRefusedNotApplied(refused, [], [obs(1, 0, 4, 'r1')]);
    expect(seen.map((a) => a.kind)).toEqual(['refused-write-applied']);
    // The same schedule for another exam is not this write.
    expect(
      checkRefusedNotApplied(
        refused,
        [{ source: 'final znode', examId: 'e2', version: 4, fingerprint: fp('r1') }],
        [],
      ),
    ).toEqual([]);
  });
});
