/**
 * What other services ask this one over `@nestjs/microservices` TCP (resolved through discovery):
 * exam-registration checks enrollment before registering a student for a course's exam.
 */
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  EnrollmentPatterns,
  type CourseSummary,
  type GetCourseRequest,
  type IsEnrolledReply,
  type IsEnrolledRequest,
} from '@registrar/contracts';
import { BadRequestError } from '@registrar/platform';
import { DataSource } from 'typeorm';
import { CourseSeats } from '../courses/course-seats.js';
import { CoursesService } from '../courses/courses.service.js';
import { enrollmentStatusOf } from '../enrollments/enrollment.view.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idField(payload: unknown, key: string): string {
  const v =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'string' || !UUID.test(v)) throw new BadRequestError(`${key} must be a UUID`);
  return v;
}

@Controller()
export class EnrollmentRpcController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly seats: CourseSeats,
    private readonly courses: CoursesService,
  ) {}

  @MessagePattern(EnrollmentPatterns.isEnrolled)
  async isEnrolled(@Payload() payload: IsEnrolledRequest): Promise<IsEnrolledReply> {
    const courseId = idField(payload, 'courseId');
    const studentId = idField(payload, 'studentId');
    const hold = await this.seats.queries.hold(this.dataSource.manager, courseId, studentId);
    if (hold === null) return { enrolled: false, status: null };
    return { enrolled: hold.status === 'seated', status: enrollmentStatusOf(hold.status) };
  }

  @MessagePattern(EnrollmentPatterns.getCourse)
  async getCourse(@Payload() payload: GetCourseRequest): Promise<CourseSummary | null> {
    const courseId = idField(payload, 'courseId');
    const course = await this.courses.find(courseId);
    if (course === null) return null;
    const v = await this.courses.get(courseId);
    return {
      id: v.id,
      code: v.code,
      title: v.title,
      capacity: v.capacity,
      enrolled: v.enrolled,
      waitlisted: v.waitlisted,
    };
  }
}
