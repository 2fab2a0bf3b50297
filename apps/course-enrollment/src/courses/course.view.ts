import type { CourseSummary } from '@registrar/contracts';
import type { SeatPoolRow } from '@registrar/platform';
import type { Course } from './course.entity.js';
import { enrollmentOpen } from './course-window.js';

/** A course as the API shows it: the RPC summary (catalogue data, seat counts) and more. */
export interface CourseView extends CourseSummary {
  seatsLeft: number;
  waitlistCapacity: number;
  waitlistPlacesLeft: number;
  enrollmentOpensAt: string | null;
  enrollmentClosesAt: string | null;
  dropDeadline: string | null;
  /** Whether the enrollment window is open now. */
  open: boolean;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function courseView(c: Course, p: SeatPoolRow, now: Date): CourseView {
  return {
    id: c.id,
    code: c.code,
    title: c.title,
    capacity: p.capacity,
    enrolled: p.taken,
    waitlisted: p.waitlisted,
    seatsLeft: p.capacity - p.taken,
    waitlistCapacity: p.waitlistCapacity,
    waitlistPlacesLeft: p.waitlistCapacity - p.waitlisted,
    enrollmentOpensAt: iso(c.enrollmentOpensAt),
    enrollmentClosesAt: iso(c.enrollmentClosesAt),
    dropDeadline: iso(c.dropDeadline),
    open: enrollmentOpen(c, now),
    createdAt: c.createdAt.toISOString(),
    updatedAt: (p.updatedAt > c.updatedAt ? p.updatedAt : c.updatedAt).toISOString(),
  };
}
