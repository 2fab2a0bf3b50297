/** Reading the stored JSON back: a znode written by hand (zkCli) may hold anything. */
import type { StoredSchedule } from './schedule.types.js';

export function encodeSchedule(schedule: StoredSchedule): string {
  return JSON.stringify({
    examId: schedule.examId,
    sessions: schedule.sessions.map((s) => ({
      id: s.id,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      room: s.room,
      seats: s.seats,
    })),
    updatedBy: schedule.updatedBy,
    updatedAt: schedule.updatedAt,
  });
}

/** The schedule in `data`, or undefined when it is not one (the cache then ignores the node). */
export function decodeSchedule(data: Buffer, examId: string): StoredSchedule | undefined {
  try {
    const v = JSON.parse(data.toString('utf8')) as Partial<StoredSchedule>;
    if (typeof v !== 'object' || v === null || !Array.isArray(v.sessions)) return undefined;
    return {
      examId,
      sessions: v.sessions,
      updatedBy: typeof v.updatedBy === 'string' ? v.updatedBy : null,
      updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : new Date(0).toISOString(),
    };
  } catch {
    return undefined;
  }
}
