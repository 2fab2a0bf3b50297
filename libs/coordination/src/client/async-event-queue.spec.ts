import { describe, expect, it } from 'vitest';
import { AsyncEventQueue } from './async-event-queue.js';

describe('AsyncEventQueue', () => {
  it('delivers buffered and later values in order, then ends', async () => {
    const q = new AsyncEventQueue<number>();
    q.push(1);
    const got: number[] = [];
    const loop = (async () => {
      for await (const v of q) got.push(v);
    })();
    q.push(2);
    await Promise.resolve();
    q.push(3);
    q.end();
    q.push(4); // ignored after end
    await loop;
    expect(got).toEqual([1, 2, 3]);
  });

  it('fail() rejects the consumer after buffered values', async () => {
    const q = new AsyncEventQueue<number>();
    q.push(1);
    q.fail(new Error('boom'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of q) got.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(got).toEqual([1]);
  });

  it('break calls onReturn once', async () => {
    let returned = 0;
    const q = new AsyncEventQueue<number>(() => returned++);
    q.push(1);
    q.push(2);
    for await (const v of q) if (v === 1) break;
    await q.return();
    expect(returned).toBe(1);
  });
});
