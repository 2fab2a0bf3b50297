/** Course catalogue: create, read, list, edit. Seat counts change only through CourseSeats. */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BadRequestError, CLOCK, runTransaction, type AuthUser, type Clock } from '@registrar/platform';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { CourseSettings } from '../settings/course-settings.service.js';
import { Course } from './course.entity.js';
import {
  CapacityBelowEnrolledError,
  CourseCodeTakenError,
  CourseNotFoundError,
  WaitlistBelowWaitlistedError,
} from './course.errors.js';
import { CourseSeats, courseSeatTables } from './course-seats.js';
import { courseView, type CourseView } from './course.view.js';
import { datesProblem } from './course-window.js';
import { RecentReads } from './recent-reads.js';
import type { CreateCourseDto } from './dto/create-course.dto.js';
import type { ListCoursesQuery } from './dto/list-courses.query.js';
import type { UpdateCourseDto } from './dto/update-course.dto.js';

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

const dateOrNull = (s: string | undefined) => (s === undefined ? null : new Date(s));

function isUniqueViolation(e: unknown): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const d = e.driverError as { code?: string; message?: string } | undefined;
  return d?.code === '23505' || /UNIQUE constraint failed/.test(d?.message ?? e.message);
}

/**
 * How long an enrollment may decide on a course row read by an earlier request (recent-reads.ts).
 * Only the enrollment path reads through it; an edit made on this instance is seen at once, one made
 * on another instance within this bound. Window checks themselves compare against the clock now.
 */
const ENROLLMENT_READ_TTL_MS = 500;

@Injectable()
export class CoursesService {
  private readonly recent = new RecentReads<string, Course>(ENROLLMENT_READ_TTL_MS, (id) => this.find(id));

  constructor(
    private readonly dataSource: DataSource,
    private readonly seats: CourseSeats,
    private readonly settings: CourseSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(dto: CreateCourseDto, actor: AuthUser): Promise<CourseView> {
    const dates = {
      enrollmentOpensAt: dateOrNull(dto.enrollmentOpensAt),
      enrollmentClosesAt: dateOrNull(dto.enrollmentClosesAt),
      dropDeadline: dateOrNull(dto.dropDeadline),
    };
    const problem = datesProblem(dates);
    if (problem !== null) throw new BadRequestError(problem);
    const now = this.clock.now();
    const course: Course = Object.assign(new Course(), {
      id: randomUUID(),
      code: dto.code,
      title: dto.title,
      ...dates,
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    });
    try {
      await runTransaction(this.dataSource, async (em) => {
        await em.insert(Course, course);
        await this.seats.allocator.insertPool(em, course.id, {
          capacity: dto.capacity,
          waitlistCapacity: dto.waitlistCapacity ?? this.settings.defaultWaitlistCapacity,
        });
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new CourseCodeTakenError(dto.code);
      throw e;
    }
    return this.get(course.id);
  }

  async find(id: string, em: EntityManager = this.dataSource.manager): Promise<Course | null> {
    return em.findOneBy(Course, { id });
  }

  /** The course as an enrollment decides on it: read through RecentReads (at most 500 ms old). */
  findForEnrollment(id: string): Promise<Course | null> {
    return this.recent.get(id);
  }

  async get(id: string): Promise<CourseView> {
    const course = await this.find(id);
    const pool = course && (await this.seats.queries.pool(this.dataSource.manager, id));
    if (course === null || pool === null) throw new CourseNotFoundError(id);
    return courseView(course, pool, this.clock.now());
  }

  async list(q: ListCoursesQuery): Promise<Page<CourseView>> {
    const now = this.clock.now();
    const qb = this.dataSource.manager
      .createQueryBuilder(Course, 'c')
      .innerJoin(courseSeatTables.pools.options.name, 'p', 'p.id = c.id');
    if (q.open === true) {
      qb.andWhere('(c.enrollmentOpensAt IS NULL OR c.enrollmentOpensAt <= :now)', { now }).andWhere(
        '(c.enrollmentClosesAt IS NULL OR c.enrollmentClosesAt > :now)',
        { now },
      );
    } else if (q.open === false) {
      qb.andWhere('(c.enrollmentOpensAt > :now OR c.enrollmentClosesAt <= :now)', { now });
    }
    if (q.full === true) qb.andWhere('p.taken >= p.capacity');
    else if (q.full === false) qb.andWhere('p.taken < p.capacity');
    const [courses, total] = await qb
      .orderBy('c.code', 'ASC')
      .skip((q.page - 1) * q.pageSize)
      .take(q.pageSize)
      .getManyAndCount();
    const pools = new Map(
      (
        await this.seats.queries.pools(
          this.dataSource.manager,
          courses.map((c) => c.id),
        )
      ).map((p) => [p.id, p]),
    );
    return {
      items: courses.flatMap((c) => {
        const p = pools.get(c.id);
        return p === undefined ? [] : [courseView(c, p, now)];
      }),
      page: q.page,
      pageSize: q.pageSize,
      total,
    };
  }

  async update(id: string, dto: UpdateCourseDto, actor: AuthUser): Promise<CourseView> {
    const course = await this.find(id);
    if (course === null) throw new CourseNotFoundError(id);
    const dates = {
      enrollmentOpensAt:
        dto.enrollmentOpensAt !== undefined ? new Date(dto.enrollmentOpensAt) : course.enrollmentOpensAt,
      enrollmentClosesAt:
        dto.enrollmentClosesAt !== undefined ? new Date(dto.enrollmentClosesAt) : course.enrollmentClosesAt,
      dropDeadline: dto.dropDeadline !== undefined ? new Date(dto.dropDeadline) : course.dropDeadline,
    };
    const problem = datesProblem(dates);
    if (problem !== null) throw new BadRequestError(problem);
    if (dto.code !== undefined && dto.code !== course.code) {
      const clash = await this.dataSource.manager.findOneBy(Course, { code: dto.code });
      if (clash !== null) throw new CourseCodeTakenError(dto.code);
    }
    if (dto.capacity !== undefined || dto.waitlistCapacity !== undefined) {
      // Under the course lock, in the same step: growth promotes the waitlist in order.
      const r = await this.seats.submit(id, {
        kind: 'resize',
        capacity: dto.capacity,
        waitlistCapacity: dto.waitlistCapacity,
        actorId: actor.id,
      });
      if (r.kind === 'resize-refused') {
        if (r.reason === 'capacity-below-taken')
          throw new CapacityBelowEnrolledError(r.counts.taken, dto.capacity ?? 0);
        throw new WaitlistBelowWaitlistedError(r.counts.waitlisted, dto.waitlistCapacity ?? 0);
      }
    }
    const fields: Partial<Course> = { ...dates, updatedAt: this.clock.now() };
    if (dto.code !== undefined) fields.code = dto.code;
    if (dto.title !== undefined) fields.title = dto.title;
    try {
      await runTransaction(this.dataSource, (em) => em.update(Course, { id }, fields));
    } catch (e) {
      if (isUniqueViolation(e)) throw new CourseCodeTakenError(dto.code ?? course.code);
      throw e;
    } finally {
      this.recent.invalidate(id);
    }
    return this.get(id);
  }
}
