/**
 * One connection's replies in request order (ZooKeeper answers a session's requests in the order
 * they arrived): a write waits for its txn, a sync for its round, a read runs only when it reaches
 * the head (so it sees every earlier write of the session applied), and a barrier holds everything
 * behind it (a resumed session's writes still in flight from its old connection). Pure: no socket,
 * no clock; the connection sends what `take()` hands it.
 *
 * @example
 * const q = new ReplyQueue();
 * const w = q.awaiting(t0);          // a write
 * q.read(t1, () => readReply());     // a read behind it
 * w.answer({ reply: writeReply });
 * q.take((a) => send(a));            // the write's reply, then the read's
 */

/** How a request is answered. */
export type Answer =
  /** send `reply`; `thenClose`: close the connection after it (closeSession) */
  | { reply: Buffer; thenClose?: boolean }
  /** send nothing (Apache 3.8.0 never answers a passing top-level check) */
  | { silent: true }
  /** send nothing and close the connection once everything before is sent (SESSIONMOVED) */
  | { close: true };

/** A request whose answer comes later (its txn, its sync). */
export interface PendingAnswer {
  answer(a: Answer): void;
}

/** Holds every request behind it until released. */
export interface Barrier {
  release(): void;
}

interface Item {
  receivedAt: number;
  /** the request's op, for per-op figures ('' when the caller does not say) */
  op: string;
  answer?: Answer;
  /** a read: computes its answer when it reaches the head */
  read?: () => Answer;
  /** a barrier: `answer` stays unset, `released` lets the queue move past it */
  barrier?: { released: boolean };
}

export class ReplyQueue {
  private items: Item[] = [];
  private head = 0;

  /** Requests not answered yet (barriers included). */
  get length(): number {
    return this.items.length - this.head;
  }

  /** A request already answered (errors found on arrival), in its place. */
  ready(receivedAt: number, answer: Answer, op = ''): void {
    this.items.push({ receivedAt, op, answer });
  }

  /** A read: `run` computes its answer once every request before it is answered. */
  read(receivedAt: number, run: () => Answer, op = ''): void {
    this.items.push({ receivedAt, op, read: run });
  }

  /** A request answered later through the returned handle (only its first answer counts). */
  awaiting(receivedAt: number, op = ''): PendingAnswer {
    const item: Item = { receivedAt, op };
    this.items.push(item);
    return {
      answer: (a) => {
        item.answer ??= a;
      },
    };
  }

  barrier(receivedAt: number): Barrier {
    const item: Item = { receivedAt, op: '', barrier: { released: false } };
    this.items.push(item);
    return { release: () => (item.barrier!.released = true) };
  }

  /**
   * Hands each answer at the head that is ready to `send`, in order, running reads that reach the
   * head. Stops at the first request still waiting, and after an answer that closes the connection.
   * (A callback, not a generator: a connection drains after every request.)
   */
  take(send: (answer: Answer, receivedAt: number, op: string) => void): void {
    while (this.head < this.items.length) {
      const item = this.items[this.head]!;
      if (item.barrier) {
        if (!item.barrier.released) return;
        this.advance();
        continue;
      }
      if (!item.answer && item.read) item.answer = item.read();
      const answer = item.answer;
      if (!answer) return;
      this.advance();
      send(answer, item.receivedAt, item.op);
      if ('close' in answer || ('reply' in answer && answer.thenClose)) return;
    }
  }

  private advance(): void {
    this.items[this.head] = undefined as never;
    this.head++;
    // Compact once the consumed prefix dominates, so a long-lived connection's array stays small.
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
