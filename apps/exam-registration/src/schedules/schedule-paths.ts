/**
 * Znode layout of one exam's schedule below `<root>/config/exam-schedules` (from znodePaths):
 *
 *   <schedules>/<examId>                  the schedule in force (JSON StoredSchedule); its data
 *                                         version is the schedule's version
 *   <schedules>/<examId>/v-<0000000007>   an immutable copy of version 7, created in the same multi
 *                                         as the setData, so every watcher can read every committed
 *                                         version even when writes follow each other faster than a
 *                                         getData round trip (watch events carry no data)
 *   <schedules>/<examId>/n-<0000000007>   "the notifications of version 7 were recorded late" (by
 *                                         recovery, after the instances' caches had seen version 7):
 *                                         created then deleted at once; its NodeCreated event tells
 *                                         every instance to push them (schedule-cache 'notified')
 */
const HISTORY_PREFIX = 'v-';
const NOTIFIED_PREFIX = 'n-';
const EXAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export function isValidExamId(examId: string): boolean {
  return EXAM_ID.test(examId);
}

export function examSchedulePath(schedulesRoot: string, examId: string): string {
  if (!isValidExamId(examId)) throw new Error(`invalid exam id ${JSON.stringify(examId)}`);
  return `${schedulesRoot}/${examId}`;
}

function childName(prefix: string, version: number): string {
  return prefix + String(version).padStart(10, '0');
}

export function historyChildName(version: number): string {
  return childName(HISTORY_PREFIX, version);
}

export function historyPath(schedulesRoot: string, examId: string, version: number): string {
  return `${examSchedulePath(schedulesRoot, examId)}/${historyChildName(version)}`;
}

export function notifiedPath(schedulesRoot: string, examId: string, version: number): string {
  return `${examSchedulePath(schedulesRoot, examId)}/${childName(NOTIFIED_PREFIX, version)}`;
}

function parseChild(prefix: string, name: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const digits = name.slice(prefix.length);
  return /^\d{10}$/.test(digits) ? Number(digits) : undefined;
}

/** The version a history child holds, or undefined for a name that is not one. */
export function parseHistoryChild(name: string): number | undefined {
  return parseChild(HISTORY_PREFIX, name);
}

/** The version a late-notifications marker names, or undefined for a name that is not one. */
export function parseNotifiedChild(name: string): number | undefined {
  return parseChild(NOTIFIED_PREFIX, name);
}

/** Classifies a path below the schedules root: an exam node, a history child, a marker, or something else. */
export function classifySchedulePath(
  schedulesRoot: string,
  path: string,
):
  | { kind: 'exam'; examId: string }
  | { kind: 'history'; examId: string; version: number }
  | { kind: 'notified'; examId: string; version: number }
  | { kind: 'other' } {
  if (!path.startsWith(schedulesRoot + '/')) return { kind: 'other' };
  const parts = path.slice(schedulesRoot.length + 1).split('/');
  if (parts.length === 1 && isValidExamId(parts[0]!)) return { kind: 'exam', examId: parts[0]! };
  if (parts.length === 2 && isValidExamId(parts[0]!)) {
    const version = parseHistoryChild(parts[1]!);
    if (version !== undefined) return { kind: 'history', examId: parts[0]!, version };
    const notified = parseNotifiedChild(parts[1]!);
    if (notified !== undefined) return { kind: 'notified', examId: parts[0]!, version: notified };
  }
  return { kind: 'other' };
}
