import { describe, expect, it } from 'vitest';
import {
  checkExpiries,
  checkSessions,
  expiryTolerance,
  type ExpiryRecord,
  type SessionsLog,
} from './session-events.js';

const E1 = { name: 'c0-1', session: 'a1', czxid: 10 };
const E2 = { name: 'c1-1', session: 'b2', czxid: 12 };

function base(): SessionsLog {
  return {
    ephemerals: [E1, E2],
    proofs: [
      { name: 'c0-1', session: 'a1', zxid: 30, at: 100 },
      { name: 'c1-1', session: 'b2', zxid: 14, at: 50 },
    ],
    ownMissing: [],
    observations: [{ invokedAt: 40, completedAt: 45, member: 'm1', pzxid: 20, children: ['c0-1', 'c1-1'] }],
    ends: [{ session: 'b2', how: 'expired', at: 60 }],
    liveAtEnd: ['a1'],
    finalViews: [
      { member: 1, children: [{ name: 'c0-1', owner: 'a1' }] },
      { member: 2, children: [{ name: 'c0-1', owner: 'a1' }] },
    ],
  };
}

describe('checkSessions', () => {
  it('accepts a consistent log and counts the pairs it checked', () => {
    const r = checkSessions(base());
    expect(r.anomalies).toEqual([]);
    // E1: czxid 10 <= pzxid 20 and a write at 30 > 20. E2's last write (14) is below 20: unchecked.
    expect(r.checkedPairs).toBe(1);
  });

  it('flags an ephemeral missing from a read while its owner later wrote it', () => {
    const log = base();
    log.observations = [{ ...log.observations[0]!, children: ['c1-1'] }];
    const r = checkSessions(log);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['lost-ephemeral']);
    expect(r.anomalies[0]!.message).toContain('c0-1');
  });

  it('does not flag a missing ephemeral when the read may predate its create', () => {
    const log = base();
    log.observations = [{ invokedAt: 1, completedAt: 2, member: 'm1', pzxid: 9, children: [] }];
    expect(checkSessions(log).anomalies).toEqual([]);
  });

  it('does not flag a missing ephemeral whose owner was not provably alive past the read', () => {
    const log = base();
    // E2 is missing, but its owner's last write (14) is below the read's pzxid (20): it may have ended.
    log.observations = [{ ...log.observations[0]!, children: ['c0-1'] }];
    expect(checkSessions(log).anomalies).toEqual([]);
  });

  it('flags NONODE on the owner writing its own ephemeral', () => {
    const log = base();
    log.ownMissing = [{ name: 'c0-1', session: 'a1', at: 70 }];
    expect(checkSessions(log).anomalies.map((a) => a.kind)).toEqual(['lost-ephemeral']);
  });

  it('flags an ephemeral of an ended session still present on a member after healing', () => {
    const log = base();
    log.finalViews = [
      { member: 1, children: [{ name: 'c0-1', owner: 'a1' }] },
      {
        member: 3,
        children: [
          { name: 'c0-1', owner: 'a1' },
          { name: 'c1-1', owner: 'b2' },
        ],
      },
    ];
    const r = checkSessions(log);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['ephemeral-outlived-session']);
    expect(r.anomalies[0]!.message).toContain('member 3');
    expect(r.anomalies[0]!.message).toContain('expired');
  });

  it('flags a live session whose ephemeral is missing on one member at the end', () => {
    const log = base();
    log.finalViews = [...log.finalViews, { member: 3, children: [] }];
    const r = checkSessions(log);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['lost-ephemeral']);
    expect(r.anomalies[0]!.message).toContain('member 3');
  });

  it('caps the number of listed anomalies per kind', () => {
    const log = base();
    log.ownMissing = Array.from({ length: 9 }, (_, i) => ({ name: `x${i}`, session: 'a1', at: i }));
    const r = checkSessions(log);
    expect(r.anomalies).toHaveLength(6);
    expect(r.anomalies[5]!.message).toContain('not listed');
  });
});

describe('checkExpiries', () => {
  const tolerance = expiryTolerance(200, 5); // 1600 ms with the chaos ensembles' tick and syncLimit
  const expiry = (over: Partial<ExpiryRecord>): ExpiryRecord => ({
    session: 's1',
    timeoutMs: 4000,
    lastOkSentAt: 10_000,
    at: 15_000,
    before: 'CONNECTING',
    planned: true,
    ...over,
  });

  it('accepts expiries at or after the last answered request plus timeout minus the tolerance', () => {
    expect(checkExpiries([expiry({ at: 14_000 }), expiry({ at: 12_400 }), expiry({})], tolerance)).toEqual(
      [],
    );
  });

  it('reports a session expired a second after an answered request as premature', () => {
    const [a, ...rest] = checkExpiries([expiry({ at: 11_000 })], tolerance);
    expect(rest).toEqual([]);
    expect(a?.kind).toBe('premature-expiry');
    expect(a?.message).toContain('1000 ms after');
  });

  it('names an early expiry learned while connected expired-while-connected', () => {
    const found = checkExpiries([expiry({ at: 12_000, before: 'CONNECTED', planned: false })], tolerance);
    expect(found.map((a) => a.kind)).toEqual(['expired-while-connected']);
  });

  it('skips sessions that never had a request answered (no bound to check)', () => {
    expect(checkExpiries([expiry({ lastOkSentAt: undefined, at: 1 })], tolerance)).toEqual([]);
  });

  it('derives the tolerance from tick and syncLimit', () => {
    expect(expiryTolerance(200, 5)).toBe(1600);
    expect(expiryTolerance(2000, 2)).toBe(10_000);
  });
});
