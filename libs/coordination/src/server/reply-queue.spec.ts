import { describe, expect, it } from 'vitest';
import { ReplyQueue, type Answer } from './reply-queue.js';

const reply = (s: string): Answer => ({ reply: Buffer.from(s) });
const taken = (q: ReplyQueue): Answer[] => {
  const out: Answer[] = [];
  q.take((a) => out.push(a));
  return out;
};
const texts = (q: ReplyQueue) =>
  taken(q).map((answer) =>
    'reply' in answer
      ? answer.reply.toString() + (answer.thenClose ? '+close' : '')
      : 'close' in answer
        ? 'CLOSE'
        : 'SILENT',
  );

describe('ReplyQueue', () => {
  it('answers in request order: a read behind a pending write waits for it, then runs', () => {
    const q = new ReplyQueue();
    const write = q.awaiting(0);
    const seen: string[] = [];
    q.read(1, () => (seen.push('read ran'), reply('read')));
    expect(texts(q)).toEqual([]);
    expect(seen).toEqual([]);
    write.answer(reply('write'));
    expect(texts(q)).toEqual(['write', 'read']);
    expect(seen).toEqual(['read ran']);
    expect(q.length).toBe(0);
  });

  it('a later write answered first is held until the earlier one is answered', () => {
    const q = new ReplyQueue();
    const first = q.awaiting(0);
    const second = q.awaiting(1);
    second.answer(reply('second'));
    expect(texts(q)).toEqual([]);
    first.answer(reply('first'));
    expect(texts(q)).toEqual(['first', 'second']);
  });

  it('a barrier holds everything behind it, even answered requests, until released', () => {
    const q = new ReplyQueue();
    const b = q.barrier(0);
    q.ready(1, reply('early error'));
    q.read(2, () => reply('read'));
    expect(texts(q)).toEqual([]);
    b.release();
    expect(texts(q)).toEqual(['early error', 'read']);
  });

  it('stops after an answer that closes the connection, and keeps only the first answer', () => {
    const q = new ReplyQueue();
    const w = q.awaiting(0);
    q.ready(1, { close: true });
    q.ready(2, reply('never sent'));
    w.answer({ silent: true });
    w.answer(reply('ignored'));
    expect(texts(q)).toEqual(['SILENT', 'CLOSE']);
    expect(q.length).toBe(1);
  });

  it('closeSession: its reply goes out, then nothing more', () => {
    const q = new ReplyQueue();
    q.ready(0, { reply: Buffer.from('bye'), thenClose: true });
    q.ready(1, reply('after'));
    expect(texts(q)).toEqual(['bye+close']);
  });

  it('keeps order across many requests while compacting its storage', () => {
    const q = new ReplyQueue();
    const out: string[] = [];
    for (let round = 0; round < 50; round++) {
      const pending = Array.from({ length: 10 }, (_, i) => ({ i, p: q.awaiting(i) }));
      // answer in reverse: nothing leaves until the head is answered
      for (const { i, p } of [...pending].reverse()) {
        p.answer(reply(`${round}.${i}`));
        out.push(...texts(q));
      }
    }
    expect(out).toEqual(Array.from({ length: 500 }, (_, n) => `${Math.floor(n / 10)}.${n % 10}`));
  });
});
