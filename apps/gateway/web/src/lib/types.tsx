/** Shapes of the answers the dashboard reads (see the services' OpenAPI documents at /docs). */
export type { ClusterSnapshot, InstanceView, MemberMode, MemberStatus as Member } from '@registrar/contracts';

export interface Course {
  id: string;
  code: string;
  title: string;
  capacity: number;
  enrolled: number;
  waitlisted: number;
  seatsLeft?: number;
  waitlistCapacity?: number;
  enrollmentOpensAt?: string | null;
  enrollmentClosesAt?: string | null;
}

export interface Enrollment {
  courseId: string;
  studentId: string;
  status: 'enrolled' | 'waitlisted' | 'dropped' | string;
  position?: number | null;
}

export interface ExamSession {
  id: string;
  startsAt: string;
  endsAt: string;
  room: string;
  seats: number;
}

export interface Exam {
  id: string;
  courseId: string;
  title: string;
  durationMin?: number;
  scheduleVersion?: number | null;
  sessions?: ExamSession[];
}

export interface Schedule {
  examId: string;
  version: number;
  sessions: ExamSession[];
  updatedBy?: string | null;
  updatedAt?: string | null;
}

/** One event of /api/exams/schedule/events. */
export interface ScheduleEvent {
  examId: string;
  version: number;
  mzxid: number;
  schedule: { sessions: ExamSession[]; updatedBy?: string | null; updatedAt?: string | null };
}

export interface ZnodeView {
  path: string;
  children: string[];
  data: { encoding: 'utf8' | 'base64'; value: string; length: number };
  stat: Record<string, string | number>;
  ephemeralOwner: string | null;
}

/** One of a student's exam sessions (GET /api/students/me/exams). */
export interface MyExam {
  registrationId: string;
  examId: string;
  title: string | null;
  sessionId: string;
  status: string;
  startsAt: string | null;
  endsAt: string | null;
  room: string | null;
}

/** An event of the student's own stream /api/students/me/events (`event: notification`). */
export interface StudentNotification {
  id: string;
  kind: string;
  message: string;
  createdAt: string;
}
