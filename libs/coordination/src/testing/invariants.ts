/**
 * Safety checks for the ZAB simulation, fed incrementally by the cluster after every step:
 *
 * - one established leader per epoch;
 * - the committed ("chosen") sequence is one global sequence in strictly increasing zxid order
 *   (primary order), and every member's applied sequence is a prefix of it (agreement, integrity);
 * - a member never applies out of zxid order;
 * - a txn, when first committed, is durable on a quorum of voters;
 * - every committed txn is in the initial history of every leader established in a later epoch
 *   (nothing committed is ever lost), whichever of the two events happens first.
 *
 * Violations are collected (not thrown) so a run can report the first one with its seed.
 */
import type { ZabEntry } from '../zab/messages.js';
import { epochOf, formatZxid } from '../zab/zxid.js';

export interface Violation {
  readonly time: number;
  readonly kind: string;
  readonly detail: string;
}

interface MemberView {
  lastApplied: number;
  appliedCount: number;
}

export class InvariantChecker {
  readonly violations: Violation[] = [];
  private readonly chosen: ZabEntry[] = [];
  private readonly chosenIndex = new Map<number, string>();
  private readonly epochLeaders = new Map<number, number>();
  /** initial history (zxid -> data) of each established epoch */
  private readonly establishedHistories = new Map<number, Map<number, string>>();
  private readonly members = new Map<number, MemberView>();
  now = 0;

  constructor(
    private readonly voters: readonly number[],
    /** is `zxid` durable on member `id`? */
    private readonly isDurable: (id: number, zxid: number) => boolean,
  ) {}

  get chosenCount(): number {
    return this.chosen.length;
  }

  isChosen(zxid: number): boolean {
    return this.chosenIndex.has(zxid);
  }

  private fail(kind: string, detail: string): void {
    if (this.violations.length < 20) this.violations.push({ time: this.now, kind, detail });
  }

  /** A member (re)starts with `applied` already reflected in its state (its snapshot). */
  onStart(id: number, applied: readonly ZabEntry[]): void {
    this.checkPrefix(id, applied, 'restart state');
    this.members.set(id, { lastApplied: lastZxid(applied), appliedCount: applied.length });
  }

  /** A member replaced its state with a snapshot. */
  onSnapshot(id: number, applied: readonly ZabEntry[]): void {
    const m = this.members.get(id);
    const z = lastZxid(applied);
    if (m && z < m.lastApplied)
      this.fail(
        'apply-order',
        `member ${id} installed a snapshot at ${formatZxid(z)} below applied ${formatZxid(m.lastApplied)}`,
      );
    this.checkPrefix(id, applied, 'snapshot');
    this.members.set(id, { lastApplied: z, appliedCount: applied.length });
  }

  /** A member truncated its log after `zxid`. */
  onTruncate(id: number, zxid: number): void {
    const m = this.members.get(id);
    if (m && zxid < m.lastApplied)
      this.fail(
        'lost-commit',
        `member ${id} truncated to ${formatZxid(zxid)} below applied ${formatZxid(m.lastApplied)}`,
      );
  }

  /** A member applies a committed entry. */
  onApply(id: number, e: ZabEntry): void {
    const m = this.members.get(id);
    if (!m) return;
    if (e.zxid <= m.lastApplied) {
      this.fail(
        'apply-order',
        `member ${id} applied ${formatZxid(e.zxid)} after ${formatZxid(m.lastApplied)}`,
      );
    }
    const k = m.appliedCount;
    if (k < this.chosen.length) {
      const c = this.chosen[k]!;
      if (c.zxid !== e.zxid || !c.data.equals(e.data)) {
        this.fail(
          'agreement',
          `member ${id} applied #${k} = ${formatZxid(e.zxid)} but committed #${k} is ${formatZxid(c.zxid)}`,
        );
      }
    } else if (k === this.chosen.length) {
      this.choose(e);
    } else {
      this.fail('agreement', `member ${id} applied #${k} beyond the committed sequence`);
    }
    m.lastApplied = e.zxid;
    m.appliedCount = k + 1;
  }

  /** `id` became the established leader of `epoch` with this initial history. */
  onEstablished(id: number, epoch: number, history: readonly ZabEntry[]): void {
    const prev = this.epochLeaders.get(epoch);
    if (prev !== undefined && prev !== id)
      this.fail('two-leaders', `epoch ${epoch} established by ${prev} and ${id}`);
    this.epochLeaders.set(epoch, id);
    const h = new Map<number, string>();
    for (const e of history) h.set(e.zxid, e.data.toString('latin1'));
    this.establishedHistories.set(epoch, h);
    for (const c of this.chosen) {
      if (epochOf(c.zxid) < epoch && h.get(c.zxid) !== c.data.toString('latin1')) {
        this.fail(
          'lost-commit',
          `committed ${formatZxid(c.zxid)} missing from leader ${id}'s epoch ${epoch} history`,
        );
      }
    }
  }

  private choose(e: ZabEntry): void {
    const prev = this.chosen[this.chosen.length - 1];
    if (prev && e.zxid <= prev.zxid)
      this.fail('primary-order', `committed ${formatZxid(e.zxid)} after ${formatZxid(prev.zxid)}`);
    this.chosen.push(e);
    const data = e.data.toString('latin1');
    this.chosenIndex.set(e.zxid, data);
    let durable = 0;
    for (const v of this.voters) if (this.isDurable(v, e.zxid)) durable++;
    if (durable < Math.floor(this.voters.length / 2) + 1) {
      this.fail('not-durable', `${formatZxid(e.zxid)} committed while durable on only ${durable} voters`);
    }
    for (const [epoch, h] of this.establishedHistories) {
      if (epochOf(e.zxid) < epoch && h.get(e.zxid) !== data) {
        this.fail(
          'lost-commit',
          `${formatZxid(e.zxid)} committed but missing from epoch ${epoch}'s initial history`,
        );
      }
    }
  }

  private checkPrefix(id: number, applied: readonly ZabEntry[], what: string): void {
    for (let i = 0; i < applied.length; i++) {
      const a = applied[i]!;
      const c = this.chosen[i];
      if (!c) {
        this.fail('agreement', `member ${id} ${what} holds ${formatZxid(a.zxid)} that was never committed`);
        return;
      }
      if (c.zxid !== a.zxid || !c.data.equals(a.data)) {
        this.fail(
          'agreement',
          `member ${id} ${what} #${i} = ${formatZxid(a.zxid)}, committed #${i} is ${formatZxid(c.zxid)}`,
        );
        return;
      }
    }
  }
}

function lastZxid(es: readonly ZabEntry[]): number {
  return es.length > 0 ? es[es.length - 1]!.zxid : 0;
}
