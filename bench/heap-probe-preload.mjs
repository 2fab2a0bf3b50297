// Preloaded into a member by bench/member-memory.ts (NODE_OPTIONS=--expose-gc --import <this file>):
// on SIGUSR2, prints process.memoryUsage() and V8's heap spaces to stderr (the member's log), before
// and after a full GC, so the member's resident memory can be split into heap, buffers and the rest.
import v8 from 'node:v8';

process.on('SIGUSR2', () => {
  const mib = (b) => (b / 1048576).toFixed(1);
  const dump = (label) => {
    const m = process.memoryUsage();
    const spaces = v8
      .getHeapSpaceStatistics()
      .filter((s) => s.space_size > 0)
      .map((s) => `${s.space_name}=${mib(s.space_size)}/${mib(s.space_used_size)}`)
      .join(' ');
    process.stderr.write(
      `HEAP-PROBE ${label} rss=${mib(m.rss)} heapTotal=${mib(m.heapTotal)} heapUsed=${mib(m.heapUsed)} arrayBuffers=${mib(m.arrayBuffers)} ${spaces}\n`,
    );
  };
  dump('before-gc');
  if (globalThis.gc) {
    globalThis.gc();
    dump('after-gc');
  }
});
