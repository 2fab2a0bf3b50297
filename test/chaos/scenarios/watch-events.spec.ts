import { describe, expect, it } from 'vitest';
import { checkWatches, type WatcherLog, type WatcherRecord, type WatchesLog } from './watch-events.js';

const acks = [1, 2, 3, 4].map((v) => ({ key: '/w/k0', version: v, value: String(v), at: v * 100 }));

function read(version: number, at: number, session = 's1'): WatcherRecord {
  return { type: 'read', session, version, value: String(version), at };
}

function watcher(records: WatcherRecord[], mode: WatcherLog['mode'] = 'one-shot'): WatcherLog {
  return { watcher: 'w0', key: '/w/k0', mode, records };
}

function logOf(records: WatcherRecord[], final = 4, mode: WatcherLog['mode'] = 'one-shot'): WatchesLog {
  return { acks, watchers: [watcher(records, mode)], finalVersions: { '/w/k0': final } };
}

const good: WatcherRecord[] = [
  { type: 'session', session: 's1', at: 0 },
  read(1, 110),
  { type: 'notify', session: 's1', at: 230 },
  read(2, 240),
  { type: 'reconnect', session: 's1', at: 250 },
  { type: 'notify', session: 's1', at: 420 },
  read(4, 430),
];

describe('checkWatches', () => {
  it('accepts a consistent history and measures it', () => {
    const r = checkWatches(logOf(good));
    expect(r.anomalies).toEqual([]);
    expect(r.notifications).toBe(2);
    expect(r.checkedNotifications).toBe(2);
    expect(r.rearmsAfterReconnect).toBe(1);
    // Armed at 2: version 3 was acked at 300, notified at 420.
    expect(r.maxLagMs).toBe(120);
  });

  it('flags a read that goes back in versions, also across sessions', () => {
    const r = checkWatches(logOf([...good, { type: 'session', session: 's2', at: 500 }, read(3, 510, 's2')]));
    expect(r.anomalies.map((a) => a.kind)).toEqual(['version-regressed']);
    expect(r.anomalies[0]!.message).toContain('new session');
  });

  it('flags a notification whose next read shows no newer version', () => {
    const records: WatcherRecord[] = [
      read(1, 110),
      { type: 'notify', session: 's1', at: 150 },
      read(1, 160),
      read(4, 500),
    ];
    expect(checkWatches(logOf(records)).anomalies.map((a) => a.kind)).toEqual(['spurious-notification']);
  });

  it('does not pair a notification with a read of a later session', () => {
    const records: WatcherRecord[] = [
      read(2, 210),
      { type: 'notify', session: 's1', at: 310 },
      { type: 'session', session: 's2', at: 320 },
      read(2, 330, 's2'),
      read(4, 430, 's2'),
    ];
    const r = checkWatches(logOf(records));
    expect(r.anomalies).toEqual([]);
    expect(r.checkedNotifications).toBe(0);
  });

  it('flags a watch armed below the final version that never fired', () => {
    const records: WatcherRecord[] = [
      read(1, 110),
      read(2, 210),
      { type: 'reconnect', session: 's1', at: 250 },
    ];
    const r = checkWatches(logOf(records));
    expect(r.anomalies.map((a) => a.kind)).toEqual(['missed-notification']);
    expect(r.anomalies[0]!.message).toContain('version 2');
  });

  it('flags a watcher that never caught up after its last notification', () => {
    const records: WatcherRecord[] = [read(1, 110), { type: 'notify', session: 's1', at: 220 }];
    expect(checkWatches(logOf(records)).anomalies.map((a) => a.kind)).toEqual(['unnoticed-change']);
  });

  it('flags a read whose value differs from what the writer acked for that version', () => {
    const records: WatcherRecord[] = [{ type: 'read', session: 's1', version: 4, value: '3', at: 450 }];
    expect(checkWatches(logOf(records)).anomalies.map((a) => a.kind)).toEqual(['value-mismatch']);
  });

  it('flags writer acks whose versions do not increase', () => {
    const log = logOf([read(4, 450)]);
    log.acks = [...acks, { key: '/w/k0', version: 4, value: '4', at: 600 }];
    expect(checkWatches(log).anomalies.map((a) => a.kind)).toEqual(['writer-version-regressed']);
  });

  it('checks persistent watchers with the same rules (several notifications, one read)', () => {
    const records: WatcherRecord[] = [
      read(1, 110),
      { type: 'notify', session: 's1', at: 210 },
      { type: 'notify', session: 's1', at: 310 },
      read(3, 320),
      { type: 'notify', session: 's1', at: 410 },
      read(4, 420),
    ];
    const r = checkWatches(logOf(records, 4, 'persistent'));
    expect(r.anomalies).toEqual([]);
    expect(r.checkedNotifications).toBe(3);
  });
});
