import { describe, expect, it } from 'vitest';
import type { Operation } from './history.js';
import { checkClientGuarantees, type InitialState } from './client-guarantees.js';

/** Builds a session's ops one after another on a shared clock (one op at a time per session). */
function historyBuilder() {
  const ops: Operation[] = [];
  let t = 0;
  return {
    ops,
    read(
      session: string,
      key: string,
      version: number,
      value: string,
      mzxid: number,
      member: number,
      sessionZxid = mzxid,
    ) {
      ops.push({
        process: session,
        op: 'read',
        key,
        input: {},
        output: { value, version, mzxid, member, sessionZxid },
        invoke: (t += 10),
        complete: (t += 5),
        status: 'ok',
      });
    },
    write(session: string, key: string, value: string, version: number, mzxid: number, member: number) {
      ops.push({
        process: session,
        op: 'write',
        key,
        input: { value },
        output: { version, mzxid, member, sessionZxid: mzxid },
        invoke: (t += 10),
        complete: (t += 5),
        status: 'ok',
      });
    },
    unknownWrite(session: string, key: string, value: string) {
      ops.push({
        process: session,
        op: 'write',
        key,
        input: { value },
        invoke: (t += 10),
        status: 'unknown',
      });
    },
  };
}

const initial = new Map<string, InitialState>([
  ['/a', { value: 'init', version: 0, mzxid: 0x100 }],
  ['/b', { value: 'init', version: 0, mzxid: 0x101 }],
]);

const kinds = (h: Operation[]) => checkClientGuarantees(h, initial).anomalies.map((a) => a.kind);

/** A writer commits /a v1..v3 (0x200, 0x202, 0x204) and /b v1 (0x203). */
function committedWrites(h: ReturnType<typeof historyBuilder>) {
  h.write('w', '/a', 'a1', 1, 0x200, 1);
  h.write('w', '/a', 'a2', 2, 0x202, 1);
  h.write('w', '/b', 'b1', 1, 0x203, 1);
  h.write('w', '/a', 'a3', 3, 0x204, 1);
}

describe('checkClientGuarantees: histories ZooKeeper allows', () => {
  it('passes stale follower reads that never go backwards, across a move to another member', () => {
    const h = historyBuilder();
    committedWrites(h);
    // Session r on a lagging follower: stale but forwards only; then it moves to a member that is
    // at least as far along as what it saw (sessionZxid 0x201), and reads newer state.
    h.read('r', '/a', 0, 'init', 0x100, 2, 0x150);
    h.read('r', '/a', 1, 'a1', 0x200, 2, 0x201);
    h.read('r', '/b', 0, 'init', 0x101, 2, 0x201);
    // Moved to 3: /a v2 (0x202) is newer than anything the session had seen (0x201), so v1 is fine.
    h.read('r', '/a', 1, 'a1', 0x200, 3, 0x202);
    h.read('r', '/a', 3, 'a3', 0x204, 3, 0x204);
    const res = checkClientGuarantees(h.ops, initial);
    expect(res.anomalies).toEqual([]);
    expect(res.readsAfterMove).toBe(1);
    expect(res.staleReads).toBe(4);
    expect(res.sessions).toBe(2);
  });

  it('passes a session reading its own write and then only newer state; different sessions may disagree on how fresh', () => {
    const h = historyBuilder();
    h.write('s1', '/a', 'a1', 1, 0x200, 2);
    h.read('s1', '/a', 1, 'a1', 0x200, 2);
    h.read('s2', '/a', 0, 'init', 0x100, 3); // another session, stale follower: allowed
    h.write('s2', '/a', 'a2', 2, 0x201, 3);
    h.read('s1', '/a', 2, 'a2', 0x201, 2);
    h.read('s2', '/a', 2, 'a2', 0x201, 3);
    expect(kinds(h.ops)).toEqual([]);
  });

  it('accepts reads of a write whose acknowledgement was lost (unknown) at the version it got', () => {
    const h = historyBuilder();
    h.unknownWrite('w', '/a', 'maybe');
    h.read('r', '/a', 1, 'maybe', 0x200, 2);
    h.read('r', '/a', 1, 'maybe', 0x200, 1);
    expect(kinds(h.ops)).toEqual([]);
  });
});

describe('checkClientGuarantees: each broken guarantee is reported under its own kind', () => {
  it('monotonic-reads: a session reads an older version of a key than it already read', () => {
    const h = historyBuilder();
    committedWrites(h);
    h.read('r', '/a', 2, 'a2', 0x202, 2, 0x202);
    h.read('r', '/a', 1, 'a1', 0x200, 2, 0x202);
    const res = checkClientGuarantees(h.ops, initial);
    expect(res.anomalies.map((a) => a.kind)).toEqual(['monotonic-reads']);
    expect(res.anomalies[0]!.message).toContain('read /a at version 1 after reading version 2');
  });

  it('read-your-writes: a session does not see its own acknowledged write', () => {
    const h = historyBuilder();
    h.write('s', '/a', 'a1', 1, 0x200, 1);
    h.read('s', '/a', 0, 'init', 0x100, 1, 0x100);
    expect(kinds(h.ops)).toEqual(['read-your-writes']);
  });

  it('session-time-travel: after moving to another member, a read older than a zxid the session saw on another key', () => {
    const h = historyBuilder();
    committedWrites(h);
    // r saw /b v1 (zxid 0x203) on member 2, then reconnects to member 3 which serves /a v1: /a v2
    // was committed at 0x202 <= 0x203, so member 3 was behind what the session had seen.
    h.read('r', '/b', 1, 'b1', 0x203, 2, 0x203);
    h.read('r', '/a', 1, 'a1', 0x200, 3, 0x203);
    const res = checkClientGuarantees(h.ops, initial);
    expect(res.anomalies.map((a) => a.kind)).toEqual(['session-time-travel']);
    expect(res.anomalies[0]!.message).toContain('after moving from member 2 to 3');
  });

  it('session-time-travel: a reply header zxid counts as seen, even with no key read at it', () => {
    const h = historyBuilder();
    committedWrites(h);
    h.read('r', '/b', 0, 'init', 0x101, 2, 0x204); // member 2 told the session it is at 0x204
    h.read('r', '/a', 2, 'a2', 0x202, 1, 0x204); // /a v3 is 0x204: member 1 served older state
    expect(kinds(h.ops)).toEqual(['session-time-travel']);
  });

  it('sequential-consistency: one version seen with two values', () => {
    const h = historyBuilder();
    committedWrites(h);
    h.unknownWrite('x', '/a', 'lost');
    h.read('r', '/a', 2, 'lost', 0x202, 3); // v2 was acknowledged as "a2"
    expect(kinds(h.ops)).toEqual(['sequential-consistency']);
  });

  it('sequential-consistency: a value nobody wrote', () => {
    const h = historyBuilder();
    committedWrites(h);
    h.read('r', '/a', 4, 'invented', 0x300, 3);
    expect(kinds(h.ops)).toEqual(['sequential-consistency']);
  });

  it('sequential-consistency: versions and zxids order the writes differently', () => {
    const h = historyBuilder();
    h.write('w', '/a', 'a1', 1, 0x200, 1);
    h.write('v', '/a', 'a2', 2, 0x1ff, 2);
    expect(kinds(h.ops)).toEqual(['sequential-consistency']);
  });

  it('sequential-consistency: one write seen at two places in the order', () => {
    const h = historyBuilder();
    h.unknownWrite('w', '/a', 'x');
    h.read('r', '/a', 1, 'x', 0x200, 1);
    h.read('q', '/a', 2, 'x', 0x205, 2);
    expect(kinds(h.ops)).toEqual(['sequential-consistency']);
  });

  it('reports one anomaly per bad read, and caps each kind', () => {
    const h = historyBuilder();
    committedWrites(h);
    h.read('r', '/a', 3, 'a3', 0x204, 2);
    for (let i = 0; i < 8; i++) h.read('r', '/a', 1, 'a1', 0x200, 2);
    const res = checkClientGuarantees(h.ops, initial, 3);
    expect(res.anomalies.map((a) => a.kind)).toEqual(Array(4).fill('monotonic-reads'));
    expect(res.anomalies[3]!.message).toBe('further monotonic-reads anomalies not listed');
  });
});
