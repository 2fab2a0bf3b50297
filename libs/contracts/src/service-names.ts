/** Names under which instances register in the service registry (`<root>/services/<name>/<id>`). */
export const ServiceName = {
  courseEnrollment: 'course-enrollment',
  examRegistration: 'exam-registration',
  gateway: 'gateway',
} as const;
export type ServiceName = (typeof ServiceName)[keyof typeof ServiceName];
