/**
 * Which instances recently failed, and for how long to skip them. An instance whose request failed
 * is parked for a backoff that doubles with each consecutive failure (1 s, 2 s, 4 s ... 15 s), so a
 * killed instance whose ephemeral znode outlives it (until its session expires) costs one failed
 * attempt now and then instead of one per request. A success clears the record. Pure: time is passed in.
 */
export interface InstanceHealthOptions {
  baseMs?: number;
  maxMs?: number;
}

interface Record {
  failures: number;
  until: number;
}

export class InstanceHealth {
  private readonly records = new Map<string, Record>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(opts: InstanceHealthOptions = {}) {
    this.baseMs = opts.baseMs ?? 1000;
    this.maxMs = opts.maxMs ?? 15_000;
  }

  noteFailure(id: string, now: number): void {
    const failures = (this.records.get(id)?.failures ?? 0) + 1;
    const wait = Math.min(this.maxMs, this.baseMs * 2 ** (failures - 1));
    this.records.set(id, { failures, until: now + wait });
  }

  noteSuccess(id: string): void {
    this.records.delete(id);
  }

  isParked(id: string, now: number): boolean {
    const r = this.records.get(id);
    return r !== undefined && r.until > now;
  }

  /** Forgets instances that are no longer registered. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.records.keys()) if (!ids.has(id)) this.records.delete(id);
  }
}

/**
 * Orders the instances to try for one request: round-robin from `cursor` among the instances not
 * parked, then the parked ones (a last resort beats answering 503 while one may be back).
 */
export function candidateOrder<T extends { id: string }>(
  instances: readonly T[],
  cursor: number,
  parked: (id: string) => boolean,
): T[] {
  const sorted = [...instances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const n = sorted.length;
  const rotated = sorted.map((_, k) => sorted[(cursor + k) % n]!);
  return [...rotated.filter((i) => !parked(i.id)), ...rotated.filter((i) => parked(i.id))];
}
