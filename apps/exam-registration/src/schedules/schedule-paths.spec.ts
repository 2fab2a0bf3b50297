import { describe, expect, it } from 'vitest';
import {
  classifySchedulePath,
  historyChildName,
  historyPath,
  notifiedPath,
  parseHistoryChild,
  parseNotifiedChild,
} from './schedule-paths.js';

describe('schedule paths', () => {
  const root = '/registrar/config/exam-schedules';
  it('names history children so they sort by version and parse back', () => {
    expect(historyChildName(7)).toBe('v-0000000007');
    expect(parseHistoryChild('v-0000000007')).toBe(7);
    expect(parseHistoryChild('v-7')).toBeUndefined();
    expect(parseHistoryChild('lock-0000000007')).toBeUndefined();
    expect(historyPath(root, 'e1', 12)).toBe(`${root}/e1/v-0000000012`);
  });
  it('classifies exam nodes, history children and anything else', () => {
    expect(classifySchedulePath(root, `${root}/e1`)).toEqual({ kind: 'exam', examId: 'e1' });
    expect(classifySchedulePath(root, `${root}/e1/v-0000000003`)).toEqual({
      kind: 'history',
      examId: 'e1',
      version: 3,
    });
    expect(classifySchedulePath(root, `${root}/e1/n-0000000004`)).toEqual({
      kind: 'notified',
      examId: 'e1',
      version: 4,
    });
    expect(classifySchedulePath(root, `${root}/e1/junk`)).toEqual({ kind: 'other' });
    expect(classifySchedulePath(root, root)).toEqual({ kind: 'other' });
    expect(classifySchedulePath(root, '/elsewhere/e1')).toEqual({ kind: 'other' });
  });
  it('names late-notification markers apart from history children', () => {
    expect(notifiedPath(root, 'e1', 4)).toBe(`${root}/e1/n-0000000004`);
    expect(parseNotifiedChild('n-0000000004')).toBe(4);
    expect(parseHistoryChild('n-0000000004')).toBeUndefined();
    expect(parseNotifiedChild('v-0000000004')).toBeUndefined();
  });
  it('refuses exam ids that would escape the folder', () => {
    expect(() => historyPath(root, '../x', 1)).toThrow(/invalid exam id/);
  });
});
