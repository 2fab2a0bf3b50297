/** `@nestjs/microservices` message patterns (TCP transport, resolved through discovery). */
export const EnrollmentPatterns = {
  /** `IsEnrolledRequest` -> `IsEnrolledReply` */
  isEnrolled: 'enrollment.isEnrolled',
  /** `GetCourseRequest` -> `CourseSummary | null` */
  getCourse: 'course.get',
} as const;
export type EnrollmentPattern = (typeof EnrollmentPatterns)[keyof typeof EnrollmentPatterns];
