/**
 * Discrete-event queue for the simulator: a binary min-heap ordered by (time, insertion order),
 * so equal-time events run in a deterministic order.
 */
interface Item<T> {
  time: number;
  seq: number;
  value: T;
}

export class EventQueue<T> {
  private heap: Item<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, value: T): void {
    const h = this.heap;
    h.push({ time, seq: this.seq++, value });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }

  pop(): { time: number; value: T } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return { time: top.time, value: top.value };
  }
}

function less<T>(a: Item<T>, b: Item<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
