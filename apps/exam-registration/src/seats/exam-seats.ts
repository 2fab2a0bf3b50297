/**
 * Exam-session desks are seat pools of the shared fenced allocator (@registrar/platform seats):
 * one pool per (exam, session), locked at `<root>/locks/exam-sessions/<poolId>`.
 */
import { seatTables } from '@registrar/platform';

export const examSeatTables = seatTables('exam_session');

export const EXAM_SEATS = Symbol('EXAM_SEATS');

/** Session ids are unique within an exam only; the pool id makes them unique platform-wide. */
export function sessionPoolId(examId: string, sessionId: string): string {
  return `${examId}:${sessionId}`;
}
