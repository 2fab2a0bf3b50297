/**
 * A seeded simulated network between members: per-link FIFO delivery with random latency, plus
 * optional faults (drop, duplicate, reorder) and partitions. A message crossing a partition is lost,
 * including one already in flight when the partition starts (its connection broke).
 */
import type { ZabMessage } from '../zab/messages.js';
import type { SeededRng } from './seeded-rng.js';

export interface NetworkFaults {
  drop: number;
  duplicate: number;
  reorder: number;
}

export const NO_FAULTS: NetworkFaults = { drop: 0, duplicate: 0, reorder: 0 };

export interface Delivery {
  from: number;
  to: number;
  msg: ZabMessage;
}

export class SimNetwork {
  faults: NetworkFaults = NO_FAULTS;
  minLatency = 1;
  maxLatency = 20;
  /** member -> partition group; members in different groups cannot talk */
  private groups = new Map<number, number>();
  private readonly linkClock = new Map<number, number>();
  /** tests may veto single messages (e.g. "proposals only reach member 2") */
  filter: ((d: Delivery) => boolean) | undefined;
  sent = 0;

  constructor(
    private readonly rng: SeededRng,
    private readonly schedule: (time: number, d: Delivery) => void,
  ) {}

  /** Splits members into groups; members not listed form their own isolated groups. */
  partition(groups: readonly (readonly number[])[]): void {
    this.groups = new Map();
    groups.forEach((g, i) => g.forEach((id) => this.groups.set(id, i)));
  }

  heal(): void {
    this.groups = new Map();
  }

  get partitioned(): boolean {
    return this.groups.size > 0;
  }

  connected(a: number, b: number): boolean {
    if (this.groups.size === 0) return true;
    const ga = this.groups.get(a);
    const gb = this.groups.get(b);
    return ga !== undefined && ga === gb;
  }

  send(now: number, d: Delivery): void {
    this.sent++;
    if (!this.connected(d.from, d.to)) return;
    if (this.filter && !this.filter(d)) return;
    const f = this.faults;
    if (f.drop > 0 && this.rng.chance(f.drop)) return;
    this.enqueue(now, d);
    if (f.duplicate > 0 && this.rng.chance(f.duplicate)) this.enqueue(now, d);
  }

  private enqueue(now: number, d: Delivery): void {
    let t = now + this.rng.between(this.minLatency, this.maxLatency);
    const link = d.from * 1024 + d.to;
    if (!(this.faults.reorder > 0 && this.rng.chance(this.faults.reorder))) {
      // FIFO, as over one TCP connection: never overtake the previous message on this link.
      t = Math.max(t, this.linkClock.get(link) ?? 0);
      this.linkClock.set(link, t);
    }
    this.schedule(t, d);
  }
}
