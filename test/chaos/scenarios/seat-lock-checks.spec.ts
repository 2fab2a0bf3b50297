import { describe, expect, it } from 'vitest';
import { checkStaleRefusals, type SessionSample, type StaleFenceRefusal } from './seat-lock-checks.js';

/** A sample sent at `at` and answered 1 ns later. */
const sample = (at: number, owner: string | null, instance = 'i1'): SessionSample => ({
  sentNs: at,
  answeredNs: at + 1,
  instance,
  owner,
});
const refusal = (invokeNs: number, completeNs: number, instance = 'i1'): StaleFenceRefusal => ({
  instance,
  pool: 'p1',
  invokeNs,
  completeNs,
  what: 'enroll s1',
});

describe('seat lock checks: a stale-fence refusal needs a lost session', () => {
  it('flags a refusal whose instance kept one session from before the invoke to after the answer', () => {
    const samples = [sample(0, '7'), sample(100, '7'), sample(200, '7'), sample(300, '7')];
    const found = checkStaleRefusals([refusal(50, 250)], samples);
    expect(found.map((a) => a.kind)).toEqual(['mutual-exclusion-lost']);
    expect(found[0]!.evidence).toEqual([{ refusal: refusal(50, 250), session: '7' }]);
  });

  it('accepts a refusal when the session ended in between (znode gone, or a new owner)', () => {
    const gone = [sample(0, '7'), sample(100, null), sample(300, '9')];
    const replaced = [sample(0, '7'), sample(300, '9')];
    expect(checkStaleRefusals([refusal(50, 250)], gone)).toEqual([]);
    expect(checkStaleRefusals([refusal(50, 250)], replaced)).toEqual([]);
  });

  it('a change after the first sample that follows the answer does not explain it', () => {
    const samples = [sample(0, '7'), sample(300, '7'), sample(400, null)];
    expect(checkStaleRefusals([refusal(50, 250)], samples).map((a) => a.kind)).toEqual([
      'mutual-exclusion-lost',
    ]);
  });

  it('without evidence on either side it stays silent (it may miss, never invent)', () => {
    // No sample answered before the invoke; none sent after the answer; another instance's samples.
    expect(checkStaleRefusals([refusal(50, 250)], [sample(60, '7'), sample(300, '7')])).toEqual([]);
    expect(checkStaleRefusals([refusal(50, 250)], [sample(0, '7'), sample(200, '7')])).toEqual([]);
    expect(checkStaleRefusals([refusal(50, 250)], [sample(0, '7', 'i2'), sample(300, '7', 'i2')])).toEqual(
      [],
    );
  });

  it('a sample sent before the answer but answered after it is not an "after" sample', () => {
    // Sent at 240 (before completion at 250): it may show the state from before the expiry.
    const samples = [sample(0, '7'), { sentNs: 240, answeredNs: 260, instance: 'i1', owner: '7' }];
    expect(checkStaleRefusals([refusal(50, 250)], samples)).toEqual([]);
  });
});
