/**
 * Enrollment rules around the seat allocator: who may enroll or drop whom, the window and the drop
 * deadline; the seat decision itself (enrolled / waitlisted / full) is the allocator's, made under
 * the course lock in one batch with everyone else queued on this instance.
 */
import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, MetricsService, type AuthUser, type Clock } from '@registrar/platform';
import { DataSource } from 'typeorm';
import { CourseSeats } from '../courses/course-seats.js';
import { CourseNotFoundError } from '../courses/course.errors.js';
import { CoursesService, type Page } from '../courses/courses.service.js';
import { dropAllowed, enrollmentOpen } from '../courses/course-window.js';
import { Account } from '../identity/account.entity.js';
import {
  AlreadyEnrolledError,
  AlreadyWaitlistedError,
  CourseFullError,
  DropDeadlinePassedError,
  EnrollmentClosedError,
  NotAStudentError,
  NotEnrolledError,
  NotYourEnrollmentError,
  OnlyStudentsEnrollError,
  StudentNotFoundError,
} from './enrollment.errors.js';
import {
  enrollmentView,
  historyEntry,
  seatStatusOf,
  type EnrollmentHistoryEntry,
  type EnrollmentStatus,
  type EnrollmentView,
} from './enrollment.view.js';

export interface EnrollResult {
  courseId: string;
  studentId: string;
  status: 'enrolled' | 'waitlisted';
  position?: number;
}

@Injectable()
export class EnrollmentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly courses: CoursesService,
    private readonly seats: CourseSeats,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {}

  async enroll(courseId: string, actor: AuthUser, studentId: string | undefined): Promise<EnrollResult> {
    const target = await this.targetOf(actor, studentId);
    const read = performance.now();
    const course = await this.courses.findForEnrollment(courseId);
    this.metrics.stages.stage('course-read', (performance.now() - read) / 1000);
    if (course === null) throw new CourseNotFoundError(courseId);
    // Staff (the registrar office) may enroll outside the window; students may not.
    if (actor.role === 'student' && !enrollmentOpen(course, this.clock.now()))
      throw new EnrollmentClosedError();
    const r = await this.seats.submit(courseId, { kind: 'admit', holderId: target, actorId: actor.id });
    switch (r.kind) {
      case 'seated':
        return { courseId, studentId: target, status: 'enrolled' };
      case 'waitlisted':
        return { courseId, studentId: target, status: 'waitlisted', position: r.position };
      case 'refused':
        if (r.reason === 'already-seated') throw new AlreadyEnrolledError();
        if (r.reason === 'already-waitlisted') throw new AlreadyWaitlistedError();
        throw new CourseFullError();
      default:
        throw new Error(`unexpected seat result ${r.kind}`);
    }
  }

  async drop(courseId: string, studentId: string, actor: AuthUser): Promise<EnrollmentView> {
    if (actor.role !== 'staff' && actor.id !== studentId) throw new NotYourEnrollmentError();
    const course = await this.courses.find(courseId);
    if (course === null) throw new CourseNotFoundError(courseId);
    if (actor.role !== 'staff' && !dropAllowed(course, this.clock.now())) throw new DropDeadlinePassedError();
    // The release and the promotion of the first waitlisted student are one locked, fenced step.
    const r = await this.seats.submit(courseId, { kind: 'release', holderId: studentId, actorId: actor.id });
    if (r.kind !== 'released') throw new NotEnrolledError();
    const hold = await this.seats.queries.hold(this.dataSource.manager, courseId, studentId);
    return enrollmentView(hold!);
  }

  async listForCourse(
    courseId: string,
    q: { status?: EnrollmentStatus | undefined; page: number; pageSize: number },
  ): Promise<Page<EnrollmentView>> {
    if ((await this.courses.find(courseId)) === null) throw new CourseNotFoundError(courseId);
    const { items, total } = await this.seats.queries.holdsIn(this.dataSource.manager, courseId, {
      status: q.status === undefined ? undefined : seatStatusOf(q.status),
      offset: (q.page - 1) * q.pageSize,
      limit: q.pageSize,
    });
    return { items: items.map(enrollmentView), page: q.page, pageSize: q.pageSize, total };
  }

  async get(courseId: string, studentId: string, actor: AuthUser): Promise<EnrollmentView> {
    if (actor.role !== 'staff' && actor.id !== studentId) throw new NotYourEnrollmentError();
    const hold = await this.seats.queries.hold(this.dataSource.manager, courseId, studentId);
    if (hold === null) throw new NotEnrolledError();
    return enrollmentView(hold);
  }

  async history(courseId: string, studentId: string, actor: AuthUser): Promise<EnrollmentHistoryEntry[]> {
    if (actor.role !== 'staff' && actor.id !== studentId) throw new NotYourEnrollmentError();
    const events = await this.seats.queries.events(this.dataSource.manager, courseId, studentId);
    if (events.length === 0) throw new NotEnrolledError();
    return events.map(historyEntry);
  }

  async mine(actor: AuthUser): Promise<EnrollmentView[]> {
    const holds = await this.seats.queries.holdsOf(this.dataSource.manager, actor.id);
    return holds.map(enrollmentView);
  }

  /** Whose seat this is: the student themself, or for staff the student they name. */
  private async targetOf(actor: AuthUser, studentId: string | undefined): Promise<string> {
    if (actor.role === 'student') {
      if (studentId !== undefined && studentId !== actor.id) throw new NotYourEnrollmentError();
      return actor.id;
    }
    if (actor.role !== 'staff' || studentId === undefined) throw new OnlyStudentsEnrollError();
    const account = await this.dataSource.manager.findOne(Account, {
      select: { id: true, role: true },
      where: { id: studentId },
    });
    if (account === null) throw new StudentNotFoundError(studentId);
    if (account.role !== 'student') throw new NotAStudentError(studentId);
    return studentId;
  }
}
