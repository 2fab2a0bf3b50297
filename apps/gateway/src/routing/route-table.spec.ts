import { describe, expect, it } from 'vitest';
import { routeFor, routePatterns, ROUTED_SERVICES } from './route-table.js';

describe('routeFor', () => {
  it.each([
    ['/api/auth/login', 'course-enrollment'],
    ['/api/courses', 'course-enrollment'],
    ['/api/courses/abc/enrollments/def', 'course-enrollment'],
    ['/api/students/me/enrollments', 'course-enrollment'],
    ['/api/exams', 'exam-registration'],
    ['/api/exams/schedule/events', 'exam-registration'],
    ['/api/students/me/exams', 'exam-registration'],
    ['/api/students/me/events', 'exam-registration'],
    ['/api/students/me/notifications', 'exam-registration'],
  ])('%s goes to %s', (path, service) => {
    expect(routeFor(path)?.service).toBe(service);
  });

  it.each(['/api/coursesx', '/api/students/me', '/api/students/me/eventsx', '/api/cluster', '/', '/api'])(
    '%s is not routed',
    (path) => {
      expect(routeFor(path)).toBeUndefined();
    },
  );

  it('has a pattern for each prefix and everything below it', () => {
    expect(routePatterns()).toContain('/api/courses');
    expect(routePatterns()).toContain('/api/courses/*rest');
    expect(ROUTED_SERVICES).toEqual(['course-enrollment', 'exam-registration']);
  });
});
