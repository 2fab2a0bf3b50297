import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '@registrar/platform';

export class AlreadyEnrolledError extends ConflictError {
  constructor() {
    super('already enrolled', { reason: 'already-enrolled' });
  }
}
export class AlreadyWaitlistedError extends ConflictError {
  constructor() {
    super('already on the waitlist', { reason: 'already-waitlisted' });
  }
}
export class CourseFullError extends ConflictError {
  constructor() {
    super('course and waitlist full', { reason: 'full' });
  }
}
export class EnrollmentClosedError extends ForbiddenError {
  constructor() {
    super('enrollment is not open for this course');
  }
}
export class DropDeadlinePassedError extends ForbiddenError {
  constructor() {
    super('the drop deadline has passed; ask the registrar office');
  }
}
export class NotYourEnrollmentError extends ForbiddenError {
  constructor() {
    super('students may only enroll or drop themselves');
  }
}
export class OnlyStudentsEnrollError extends ForbiddenError {
  constructor() {
    super('only students enroll; staff pass the studentId of a student');
  }
}
export class NotAStudentError extends BadRequestError {
  constructor(id: string) {
    super(`account ${id} is not a student (staff and instructors never take seats)`);
  }
}
export class StudentNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no student ${id}`);
  }
}
export class NotEnrolledError extends NotFoundError {
  constructor() {
    super('not enrolled or waitlisted in this course');
  }
}
