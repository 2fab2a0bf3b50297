/** Seat vocabulary (generic) to enrollment vocabulary (what students and staff read). */
import type { SeatEventRow, SeatHoldView, SeatStatus } from '@registrar/platform';

export const ENROLLMENT_STATUSES = ['enrolled', 'waitlisted', 'dropped'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

const FROM_SEAT: Record<SeatStatus, EnrollmentStatus> = {
  seated: 'enrolled',
  waitlisted: 'waitlisted',
  released: 'dropped',
};
const TO_SEAT: Record<EnrollmentStatus, SeatStatus> = {
  enrolled: 'seated',
  waitlisted: 'waitlisted',
  dropped: 'released',
};

export const enrollmentStatusOf = (s: SeatStatus): EnrollmentStatus => FROM_SEAT[s];
export const seatStatusOf = (s: EnrollmentStatus): SeatStatus => TO_SEAT[s];

export interface EnrollmentView {
  courseId: string;
  studentId: string;
  status: EnrollmentStatus;
  /** 1 = next in line; only while waitlisted. */
  position?: number;
  /** When the seat was taken (for waitlisted/dropped: when the enrollment was first requested). */
  enrolledAt: string;
  updatedAt: string;
}

export function enrollmentView(h: SeatHoldView): EnrollmentView {
  return {
    courseId: h.poolId,
    studentId: h.holderId,
    status: enrollmentStatusOf(h.status),
    ...(h.position !== null ? { position: h.position } : {}),
    enrolledAt: (h.seatedAt ?? h.createdAt).toISOString(),
    updatedAt: h.updatedAt.toISOString(),
  };
}

export interface EnrollmentHistoryEntry {
  from: EnrollmentStatus | null;
  to: EnrollmentStatus;
  reason: string;
  actorId: string | null;
  at: string;
}

export function historyEntry(e: SeatEventRow): EnrollmentHistoryEntry {
  return {
    from: e.fromStatus === null ? null : enrollmentStatusOf(e.fromStatus),
    to: enrollmentStatusOf(e.toStatus),
    reason: e.reason,
    actorId: e.actorId,
    at: e.at.toISOString(),
  };
}
