import { ConflictError, NotFoundError } from '@registrar/platform';

export class CourseNotFoundError extends NotFoundError {
  constructor(id: string) {
    super(`no course ${id}`);
  }
}

export class CourseCodeTakenError extends ConflictError {
  constructor(code: string) {
    super(`a course with code ${code} already exists`);
  }
}

export class CapacityBelowEnrolledError extends ConflictError {
  constructor(enrolled: number, requested: number) {
    super(`capacity ${requested} is below the ${enrolled} students enrolled`, { enrolled });
  }
}

export class WaitlistBelowWaitlistedError extends ConflictError {
  constructor(waitlisted: number, requested: number) {
    super(`waitlist capacity ${requested} is below the ${waitlisted} students waitlisted`, { waitlisted });
  }
}
