/** Payloads of the RPC patterns in rpc-patterns.ts. Ids are the services' own (UUID strings). */

export interface IsEnrolledRequest {
  studentId: string;
  courseId: string;
}

export interface IsEnrolledReply {
  enrolled: boolean;
  /** `enrolled` | `waitlisted` | `dropped` | null when the student never enrolled. */
  status: string | null;
}

export interface GetCourseRequest {
  courseId: string;
}

export interface CourseSummary {
  id: string;
  code: string;
  title: string;
  capacity: number;
  enrolled: number;
  waitlisted: number;
}
