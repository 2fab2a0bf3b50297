/**
 * Pure decisions of the sequential-node recipes (lock, read-write lock, leader latch): which
 * children are contenders, in what order, and whom a contender must watch. No I/O here, so every
 * rule is unit-tested on plain arrays of child names.
 *
 * Order is the sequence suffix ZooKeeper appends (10 digits, or "-" and 9 digits once the parent's
 * cversion wrapped past 2^31), NOT the whole name: protected-mode names start with a random uuid,
 * so sorting whole names would order contenders by uuid.
 */

/** Outcome of looking at the children of a lock node from one contender's point of view. */
export type LockDecision =
  /** The contender holds the lock (lease, leadership). */
  | { kind: 'acquired' }
  /** The contender must wait for `watch` (a child name) to go away; it is the only node to watch. */
  | { kind: 'wait'; watch: string }
  /** The contender's own node is not among the children (deleted, or its session ended). */
  | { kind: 'missing' };

/** A child name split into the marker it was created with and its sequence number. */
export interface Contender {
  name: string;
  marker: string;
  sequence: number;
}

// ZooKeeper formats the suffix with %010d: ten digits, or "-" and nine digits once the counter
// wrapped negative. Not `-?\d{10}`: with Curator's marker "lock-" that would read the marker's
// dash as a minus sign.
const SUFFIX = /(-\d{9}|\d{10})$/;

/**
 * The sequence number of a sequential child, or undefined when the name carries none.
 * @example sequenceOf('_c_0f3e...-lock-0000000042') // 42
 */
export function sequenceOf(name: string): number | undefined {
  const m = SUFFIX.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/**
 * Parses `name` as a contender: it must end in `<marker><sequence>` for one of `markers`
 * (kazoo's rule: `(?:marker1|marker2)(-?\d{10})$`). Returns undefined for other children.
 */
export function parseContender(name: string, markers: readonly string[]): Contender | undefined {
  const m = SUFFIX.exec(name);
  if (m === null) return undefined;
  const head = name.slice(0, name.length - m[1]!.length);
  // Longest marker first so "__lock__" is not mistaken for a shorter marker ending it.
  for (const marker of [...markers].sort((a, b) => b.length - a.length)) {
    if (head.endsWith(marker)) return { name, marker, sequence: Number(m[1]) };
  }
  return undefined;
}

/**
 * The contenders among `children`, ordered by sequence number (ties, which one parent never
 * produces, broken by name so the order is total).
 * @example sortContenders(['x-lock-0000000002', 'y-lock-0000000001', 'config'], ['lock-'])
 *   // [{ name: 'y-lock-0000000001', ... }, { name: 'x-lock-0000000002', ... }]
 */
export function sortContenders(children: readonly string[], markers: readonly string[]): Contender[] {
  const out: Contender[] = [];
  for (const child of children) {
    const c = parseContender(child, markers);
    if (c !== undefined) out.push(c);
  }
  return out.sort((a, b) => a.sequence - b.sequence || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Exclusive lock (and leader latch, write lock): the first contender holds; every other one watches
 * only its immediate predecessor, so a release wakes exactly one waiter (no herd).
 * @example exclusiveDecision(['a-lock-0000000001', 'b-lock-0000000002'], 'b-lock-0000000002', ['lock-'])
 *   // { kind: 'wait', watch: 'a-lock-0000000001' }
 */
export function exclusiveDecision(
  children: readonly string[],
  mine: string,
  markers: readonly string[],
): LockDecision {
  const sorted = sortContenders(children, markers);
  const i = sorted.findIndex((c) => c.name === mine);
  if (i < 0) return { kind: 'missing' };
  if (i === 0) return { kind: 'acquired' };
  return { kind: 'wait', watch: sorted[i - 1]!.name };
}

/** Markers of the read-write lock, as Curator names them. */
export const READ_MARKER = '__READ__';
export const WRITE_MARKER = '__WRIT__';

/**
 * Read lock: a reader holds unless some writer is ahead of it; it then watches only the nearest
 * writer ahead (readers never wait for readers). Writers use {@link exclusiveDecision} over both
 * markers, i.e. they wait for whatever node is just ahead of them.
 */
export function readDecision(children: readonly string[], mine: string): LockDecision {
  const sorted = sortContenders(children, [READ_MARKER, WRITE_MARKER]);
  const i = sorted.findIndex((c) => c.name === mine);
  if (i < 0) return { kind: 'missing' };
  for (let j = i - 1; j >= 0; j--) {
    if (sorted[j]!.marker === WRITE_MARKER) return { kind: 'wait', watch: sorted[j]!.name };
  }
  return { kind: 'acquired' };
}

/** Write lock decision: exclusive over readers and writers. */
export function writeDecision(children: readonly string[], mine: string): LockDecision {
  return exclusiveDecision(children, mine, [READ_MARKER, WRITE_MARKER]);
}

/**
 * Protected-mode name prefix (Curator's `_c_<uuid>-`): a create whose reply was lost can be found
 * again by this prefix instead of being retried into an orphan.
 */
export function protectedPrefix(uuid: string, marker: string): string {
  return `_c_${uuid}-${marker}`;
}

/** The child created with `prefix` (the one a lost create reply would have named), if any. */
export function findProtected(children: readonly string[], prefix: string): string | undefined {
  return children.find((c) => c.startsWith(prefix));
}

/** What a double-barrier participant does next while leaving (the ZooKeeper recipe). */
export type LeaveDecision =
  /** Everybody (else) is gone: done. `deleteMine` when our node still has to go. */
  | { kind: 'done'; deleteMine: boolean }
  /** Wait for `watch` to go; delete our own node first when `deleteMine`. */
  | { kind: 'wait'; watch: string; deleteMine: boolean };

/**
 * Double-barrier leave step over the participant names still present (any order): the lowest name
 * waits for the highest to go; every other participant deletes itself and waits for the lowest.
 * So each departure wakes one participant, and the lowest leaves last.
 */
export function leaveDecision(members: readonly string[], me: string): LeaveDecision {
  const sorted = [...members].sort();
  const present = sorted.includes(me);
  if (sorted.length === 0) return { kind: 'done', deleteMine: false };
  if (sorted.length === 1 && present) return { kind: 'done', deleteMine: true };
  const lowest = sorted[0]!;
  if (lowest === me) return { kind: 'wait', watch: sorted[sorted.length - 1]!, deleteMine: false };
  return { kind: 'wait', watch: lowest, deleteMine: present };
}
