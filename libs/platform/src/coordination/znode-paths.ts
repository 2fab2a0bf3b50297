/**
 * Where the platform keeps its coordination state. Built from the configured root once; nothing
 * else concatenates znode paths.
 */
export interface ZnodePaths {
  root: string;
  services: string;
  jwks: string;
  examSchedules: string;
  examSchedule(examId: string): string;
  serviceConfig(service: string): string;
  courseLock(courseId: string): string;
  examSessionLock(sessionId: string): string;
  lock(kind: string, id: string): string;
  election(task: string): string;
}

export const ZNODE_PATHS = Symbol('ZNODE_PATHS');

const SEGMENT = /^[A-Za-z0-9._:-]+$/;

function segment(id: string): string {
  // Ids come from URLs; a '/' or '..' would address another znode.
  if (!SEGMENT.test(id) || id === '.' || id === '..')
    throw new Error(`not a znode path segment: ${JSON.stringify(id)}`);
  return id;
}

export function znodePaths(root = '/registrar'): ZnodePaths {
  const at = (...parts: string[]) => [root, ...parts].join('/');
  return {
    root,
    services: at('services'),
    jwks: at('config', 'auth', 'jwks'),
    examSchedules: at('config', 'exam-schedules'),
    examSchedule: (examId) => at('config', 'exam-schedules', segment(examId)),
    serviceConfig: (service) => at('config', segment(service)),
    courseLock: (courseId) => at('locks', 'courses', segment(courseId)),
    examSessionLock: (sessionId) => at('locks', 'exam-sessions', segment(sessionId)),
    lock: (kind, id) => at('locks', segment(kind), segment(id)),
    election: (task) => at('elections', segment(task)),
  };
}
