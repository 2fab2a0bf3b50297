import { describe, expect, it } from 'vitest';
import { TickBatchedWriter, type CorkableSink } from './tick-batched-writer.js';

/** A sink that records what a socket would have been asked to do, in order. */
class RecordingSink implements CorkableSink {
  readonly calls: string[] = [];
  cork(): void {
    this.calls.push('cork');
  }
  uncork(): void {
    this.calls.push('uncork');
  }
  write(chunk: Buffer): void {
    this.calls.push(`write ${chunk.toString()}`);
  }
}

/** End-of-tick callbacks run only when the test says the tick is over. */
function manualTicks() {
  const due: Array<() => void> = [];
  return {
    endOfTick: (cb: () => void) => due.push(cb),
    endTick: () => due.splice(0).forEach((cb) => cb()),
    scheduled: () => due.length,
  };
}

describe('TickBatchedWriter', () => {
  it('corks on the first write of a tick and uncorks once when the tick ends', () => {
    const sink = new RecordingSink();
    const ticks = manualTicks();
    const writer = new TickBatchedWriter(sink, ticks.endOfTick);

    writer.write(Buffer.from('a'));
    writer.write(Buffer.from('b'));
    writer.write(Buffer.from('c'));
    expect(ticks.scheduled()).toBe(1);
    ticks.endTick();

    expect(sink.calls).toEqual(['cork', 'write a', 'write b', 'write c', 'uncork']);
  });

  it('starts a new batch in the next tick', () => {
    const sink = new RecordingSink();
    const ticks = manualTicks();
    const writer = new TickBatchedWriter(sink, ticks.endOfTick);

    writer.write(Buffer.from('a'));
    ticks.endTick();
    writer.write(Buffer.from('b'));
    ticks.endTick();

    expect(sink.calls).toEqual(['cork', 'write a', 'uncork', 'cork', 'write b', 'uncork']);
  });

  it('reports each flushed batch before the bytes leave, so the heartbeat sees the send', () => {
    const sink = new RecordingSink();
    const ticks = manualTicks();
    const writer = new TickBatchedWriter(sink, ticks.endOfTick, () => sink.calls.push('flush'));

    writer.write(Buffer.from('a'));
    expect(sink.calls).not.toContain('flush');
    ticks.endTick();

    expect(sink.calls).toEqual(['cork', 'write a', 'flush', 'uncork']);
  });
});
