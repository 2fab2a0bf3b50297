/**
 * Which service answers which public path. The gateway owns this map; the services own the paths
 * under it. A prefix matches the path itself and everything below it (`/api/courses` and
 * `/api/courses/42/enrollments`), never a sibling that merely starts with the same letters
 * (`/api/coursesx`).
 */
import { ServiceName } from '@registrar/contracts';

export interface Route {
  prefix: string;
  service: string;
}

/** Longest prefix first, so a more specific route wins over a shorter one. */
export const ROUTES: readonly Route[] = sortRoutes([
  { prefix: '/api/auth', service: ServiceName.courseEnrollment },
  { prefix: '/api/courses', service: ServiceName.courseEnrollment },
  { prefix: '/api/students/me/enrollments', service: ServiceName.courseEnrollment },
  { prefix: '/api/exams', service: ServiceName.examRegistration },
  { prefix: '/api/students/me/exams', service: ServiceName.examRegistration },
  { prefix: '/api/students/me/events', service: ServiceName.examRegistration },
  { prefix: '/api/students/me/notifications', service: ServiceName.examRegistration },
]);

/** Services the gateway routes to (in a stable order, for the dashboard and /docs). */
export const ROUTED_SERVICES: readonly string[] = [...new Set(ROUTES.map((r) => r.service))].sort();

function sortRoutes(routes: Route[]): Route[] {
  return [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
}

/**
 * The route for a request path (query string excluded), or undefined.
 * @example routeFor('/api/courses/7') // { prefix: '/api/courses', service: 'course-enrollment' }
 */
export function routeFor(path: string, routes: readonly Route[] = ROUTES): Route | undefined {
  return routes.find((r) => path === r.prefix || path.startsWith(r.prefix + '/'));
}

/** Express 5 route patterns covering every prefix (the prefix itself and anything below it). */
export function routePatterns(routes: readonly Route[] = ROUTES): string[] {
  return routes.flatMap((r) => [r.prefix, `${r.prefix}/*rest`]);
}
