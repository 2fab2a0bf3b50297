/**
 * Pure validation of a schedule write (`PUT /api/exams/:id/schedule` body). Everything a bad body
 * can do wrong is refused here, before anything reaches the database or the coordinator: unknown
 * fields, wrong types, a session that ends before it starts, negative or fractional seats, two
 * sessions in one room that overlap, duplicate ids, and a schedule too large for one znode.
 */
import type { ScheduleInput, ScheduleSession, SessionMove } from './schedule.types.js';

/** Limits; the byte bound keeps a schedule and its history copy (one multi) well inside jute.maxbuffer (1 MiB). */
export const SCHEDULE_LIMITS = {
  maxSessions: 500,
  maxSerializedBytes: 96 * 1024,
  maxSeats: 100_000,
  // Seat pool ids are `<examId>:<sessionId>` in a 64-character column.
  maxIdLength: 24,
  maxRoomLength: 120,
} as const;

export type ValidationResult = { ok: true; value: ScheduleInput } | { ok: false; errors: string[] };

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Date-time with an explicit zone, so "10:00" never means different instants on different hosts. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const BODY_KEYS = new Set(['sessions', 'moves', 'force']);
const SESSION_KEYS = new Set(['id', 'startsAt', 'endsAt', 'room', 'seats']);
const MOVE_KEYS = new Set(['from', 'to']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(obj: Record<string, unknown>, allowed: ReadonlySet<string>): string[] {
  return Object.keys(obj).filter((k) => !allowed.has(k));
}

function parseInstant(v: unknown, where: string, errors: string[]): string | undefined {
  if (typeof v !== 'string' || !ISO_DATE_TIME.test(v)) {
    errors.push(`${where} must be an ISO 8601 date-time with a zone (e.g. 2027-01-15T09:00:00Z)`);
    return undefined;
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) {
    errors.push(`${where} is not a valid date-time`);
    return undefined;
  }
  return new Date(ms).toISOString();
}

function validateSession(raw: unknown, i: number, errors: string[]): ScheduleSession | undefined {
  const where = `sessions[${i}]`;
  if (!isRecord(raw)) {
    errors.push(`${where} must be an object`);
    return undefined;
  }
  const extra = unknownKeys(raw, SESSION_KEYS);
  if (extra.length > 0) errors.push(`${where} has unknown field(s): ${extra.join(', ')}`);
  const before = errors.length;
  const { id, room, seats } = raw;
  if (typeof id !== 'string' || id.length > SCHEDULE_LIMITS.maxIdLength || !SESSION_ID.test(id)) {
    errors.push(`${where}.id must be 1-${SCHEDULE_LIMITS.maxIdLength} characters of [A-Za-z0-9_.-]`);
  }
  if (typeof room !== 'string' || room.trim().length === 0 || room.length > SCHEDULE_LIMITS.maxRoomLength) {
    errors.push(
      `${where}.room must be a non-empty string of at most ${SCHEDULE_LIMITS.maxRoomLength} characters`,
    );
  }
  if (
    typeof seats !== 'number' ||
    !Number.isInteger(seats) ||
    seats < 0 ||
    seats > SCHEDULE_LIMITS.maxSeats
  ) {
    errors.push(`${where}.seats must be an integer from 0 to ${SCHEDULE_LIMITS.maxSeats}`);
  }
  const startsAt = parseInstant(raw['startsAt'], `${where}.startsAt`, errors);
  const endsAt = parseInstant(raw['endsAt'], `${where}.endsAt`, errors);
  if (startsAt !== undefined && endsAt !== undefined && Date.parse(endsAt) <= Date.parse(startsAt)) {
    errors.push(`${where} must end after it starts (${endsAt} <= ${startsAt})`);
  }
  if (errors.length > before) return undefined;
  return {
    id: id as string,
    startsAt: startsAt!,
    endsAt: endsAt!,
    room: (room as string).trim(),
    seats: seats as number,
  };
}

function validateMove(raw: unknown, i: number, errors: string[]): SessionMove | undefined {
  const where = `moves[${i}]`;
  if (!isRecord(raw)) {
    errors.push(`${where} must be an object`);
    return undefined;
  }
  const extra = unknownKeys(raw, MOVE_KEYS);
  if (extra.length > 0) errors.push(`${where} has unknown field(s): ${extra.join(', ')}`);
  if (typeof raw['from'] !== 'string' || typeof raw['to'] !== 'string') {
    errors.push(`${where} needs string fields from and to`);
    return undefined;
  }
  if (raw['from'] === raw['to']) errors.push(`${where} moves a session onto itself`);
  return { from: raw['from'], to: raw['to'] };
}

/** Sessions that share a room and overlap in time (half-open intervals: back to back is fine). */
export function roomOverlaps(sessions: readonly ScheduleSession[]): [ScheduleSession, ScheduleSession][] {
  const byRoom = new Map<string, ScheduleSession[]>();
  for (const s of sessions) {
    const key = s.room.toLowerCase();
    byRoom.set(key, [...(byRoom.get(key) ?? []), s]);
  }
  const out: [ScheduleSession, ScheduleSession][] = [];
  for (const list of byRoom.values()) {
    const sorted = [...list].sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
    let latest: ScheduleSession | undefined;
    for (const s of sorted) {
      if (latest !== undefined && Date.parse(s.startsAt) < Date.parse(latest.endsAt)) out.push([latest, s]);
      if (latest === undefined || Date.parse(s.endsAt) > Date.parse(latest.endsAt)) latest = s;
    }
  }
  return out;
}

/**
 * Validates and normalises a schedule body (times to `toISOString()`, rooms trimmed, sessions sorted
 * by start then id so equal schedules serialise to equal bytes).
 *
 * @example
 *   const r = validateScheduleInput({ sessions: [{ id: 'a', startsAt: '2027-01-15T09:00:00Z',
 *     endsAt: '2027-01-15T11:00:00Z', room: 'H1', seats: 20 }] });
 *   if (!r.ok) throw new BadRequestError(r.errors.join('; '));
 */
export function validateScheduleInput(body: unknown): ValidationResult {
  const errors: string[] = [];
  if (!isRecord(body))
    return { ok: false, errors: ['body must be a JSON object {sessions, moves?, force?}'] };
  const extra = unknownKeys(body, BODY_KEYS);
  if (extra.length > 0) errors.push(`unknown field(s): ${extra.join(', ')}`);
  const rawSessions = body['sessions'];
  if (!Array.isArray(rawSessions)) {
    errors.push('sessions must be an array');
    return { ok: false, errors };
  }
  if (rawSessions.length > SCHEDULE_LIMITS.maxSessions) {
    errors.push(`at most ${SCHEDULE_LIMITS.maxSessions} sessions per exam (got ${rawSessions.length})`);
    return { ok: false, errors };
  }
  const sessions: ScheduleSession[] = [];
  rawSessions.forEach((raw, i) => {
    const s = validateSession(raw, i, errors);
    if (s !== undefined) sessions.push(s);
  });
  const seen = new Set<string>();
  for (const s of sessions) {
    if (seen.has(s.id)) errors.push(`duplicate session id ${s.id}`);
    seen.add(s.id);
  }
  for (const [a, b] of roomOverlaps(sessions)) {
    errors.push(`sessions ${a.id} and ${b.id} overlap in room ${a.room}`);
  }
  const moves: SessionMove[] = [];
  const rawMoves = body['moves'] ?? [];
  if (!Array.isArray(rawMoves)) errors.push('moves must be an array');
  else {
    rawMoves.forEach((raw, i) => {
      const m = validateMove(raw, i, errors);
      if (m !== undefined) moves.push(m);
    });
    const froms = new Set<string>();
    for (const m of moves) {
      if (froms.has(m.from)) errors.push(`more than one move from session ${m.from}`);
      froms.add(m.from);
      if (!seen.has(m.to)) errors.push(`move target ${m.to} is not a session of the new schedule`);
    }
  }
  const force = body['force'] === undefined ? false : body['force'];
  if (typeof force !== 'boolean') errors.push('force must be true or false');
  if (errors.length > 0) return { ok: false, errors };
  sessions.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id));
  return { ok: true, value: { sessions, moves, force: force === true } };
}

/** Serialised size check for the stored JSON (the body parser bounds the raw request earlier). */
export function scheduleTooLarge(serialized: string): string | undefined {
  const bytes = Buffer.byteLength(serialized, 'utf8');
  return bytes > SCHEDULE_LIMITS.maxSerializedBytes
    ? `schedule is ${bytes} bytes, more than the ${SCHEDULE_LIMITS.maxSerializedBytes} allowed`
    : undefined;
}
