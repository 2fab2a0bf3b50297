import { ConflictError, ForbiddenError } from '@registrar/platform';

export class SessionFullError extends ConflictError {
  constructor(sessionId: string) {
    super(`session ${sessionId} is full`, { reason: 'full' });
  }
}
export class AlreadyRegisteredError extends ConflictError {
  constructor(examId: string, sessionId: string) {
    super(`you already hold session ${sessionId} of exam ${examId}; cancel it first to change sessions`, {
      reason: 'already-registered',
      sessionId,
    });
  }
}
export class OverlappingSessionError extends ConflictError {
  constructor(otherExamId: string, otherSessionId: string) {
    super(`this session overlaps session ${otherSessionId} of exam ${otherExamId}, which you hold`, {
      reason: 'overlap',
      examId: otherExamId,
      sessionId: otherSessionId,
    });
  }
}
export class RegistrationClosedError extends ConflictError {
  constructor(sessionId: string, closedAt: string) {
    super(`registration for session ${sessionId} closed at ${closedAt}`, { reason: 'closed', closedAt });
  }
}
export class NotEnrolledError extends ForbiddenError {
  constructor(courseId: string) {
    super(`you are not enrolled in course ${courseId}`, { reason: 'not-enrolled' });
  }
}
export class SessionStartedError extends ConflictError {
  constructor(sessionId: string) {
    super(`session ${sessionId} has started; it can no longer be cancelled`, { reason: 'started' });
  }
}
