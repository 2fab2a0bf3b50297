/**
 * The exam schedule as it lives in the coordinator (`<root>/config/exam-schedules/<examId>`) and as
 * the API shows it. Times are ISO 8601 UTC strings (`toISOString()` form) so byte equality of two
 * serialised schedules means equal schedules.
 */
export interface ScheduleSession {
  id: string;
  startsAt: string;
  endsAt: string;
  room: string;
  seats: number;
}

/** The JSON stored in the schedule znode (and in each of its history children). */
export interface StoredSchedule {
  examId: string;
  sessions: ScheduleSession[];
  updatedBy: string | null;
  updatedAt: string;
}

/** Where students of a dropped or shrunk session go: `from` (old session id) -> `to` (new one). */
export interface SessionMove {
  from: string;
  to: string;
}

/** A validated `PUT /api/exams/:id/schedule` body. */
export interface ScheduleInput {
  sessions: ScheduleSession[];
  moves: SessionMove[];
  /** Save even when students would hold overlapping exams (`clashes`); default false: 409. */
  force: boolean;
}

/** One schedule as the cache holds it: the znode's data version and mzxid beside the JSON. */
export interface ScheduleVersion {
  examId: string;
  version: number;
  /** The zxid of the write that produced this version (the znode's mzxid). */
  mzxid: number;
  schedule: StoredSchedule;
}
