/**
 * Znode layout of one exam's schedule below `<root>/config/exam-schedules` (from znodePaths):
 *
 *   <schedules>/<examId>                  the schedule in force (JSON StoredSchedule); its data
 *                                         version is the schedule's version
 *   <schedules>/<examId>/v-<0000000007>   an immutable copy of version 7, created in the same multi
 *                                         as the setData, so every watcher can read every committed
 *                                         version even when writes follow each other faster than a
 *                                         getData round trip (watch events carry no data)
 */
const HISTORY_PREFIX = 'v-';
const EXAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function isValidExamId(examId: string): boolean {
  return EXAM_ID.test(examId);
}

export function examSchedulePath(schedulesRoot: string, examId: string): string {
  if (!isValidExamId(examId)) throw new Error(`invalid exam id ${JSON.stringify(examId)}`);
  return `${schedulesRoot}/${examId}`;
}

export function historyChildName(version: number): string {
  return HISTORY_PREFIX + String(version).padStart(10, '0');
}

export function historyPath(schedulesRoot: string, examId: string, version: number): string {
  return `${examSchedulePath(schedulesRoot, examId)}/${historyChildName(version)}`;
}

/** The version a history child holds, or undefined for a name that is not one. */
export function parseHistoryChild(name: string): number | undefined {
  if (!name.startsWith(HISTORY_PREFIX)) return undefined;
  const digits = name.slice(HISTORY_PREFIX.length);
  return /^\d{10}$/.test(digits) ? Number(digits) : undefined;
}

/** Classifies a path below the schedules root: an exam node, a history child, or something else. */
export function classifySchedulePath(
  schedulesRoot: string,
  path: string,
):
  | { kind: 'exam'; examId: string }
  | { kind: 'history'; examId: string; version: number }
  | { kind: 'other' } {
  if (!path.startsWith(schedulesRoot + '/')) return { kind: 'other' };
  const parts = path.slice(schedulesRoot.length + 1).split('/');
  if (parts.length === 1 && isValidExamId(parts[0]!)) return { kind: 'exam', examId: parts[0]! };
  if (parts.length === 2 && isValidExamId(parts[0]!)) {
    const version = parseHistoryChild(parts[1]!);
    if (version !== undefined) return { kind: 'history', examId: parts[0]!, version };
  }
  return { kind: 'other' };
}
