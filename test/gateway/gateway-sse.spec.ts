/**
 * Server-Sent Events through the gateway: each event reaches the browser before the next one is
 * sent (lockstep, so buffering anywhere would hang the test rather than make it flaky), and the
 * upstream stream closes when the browser goes away. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { startRegistrar } from '../support/registrar-member.js';
import {
  startGateway,
  startUpstream,
  waitFor,
  waitForInstances,
  type RunningProcess,
} from './support/gateway-harness.js';

const ROOT = '/gateway-sse';
const SERVICE = 'exam-registration';

describe('gateway SSE pass-through', () => {
  let ensemble: Ensemble;
  let gateway: RunningProcess;
  let upstream: RunningProcess;

  beforeAll(async () => {
    ensemble = await startRegistrar({ members: 1, tickTime: 500, registrarFrom: 'dist' });
    upstream = await startUpstream({ connect: ensemble.connectString, root: ROOT, name: SERVICE, id: 'x' });
    gateway = await startGateway({
      COORDINATION_CONNECT_STRING: ensemble.connectString,
      REGISTRAR_ZK_ROOT: ROOT,
    });
    await waitForInstances(gateway, SERVICE, ['x']);
  });

  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    await upstream?.kill();
    await ensemble?.stop();
  });

  const streams = async () =>
    ((await (await fetch(`${upstream.url}/__stats`)).json()) as { streams: number }).streams;

  it('delivers every event as it is sent, then closes upstream when the browser leaves', async () => {
    const browser = new AbortController();
    const r = await fetch(`${gateway.url}/api/exams/schedule/events`, {
      headers: { accept: 'text/event-stream' },
      signal: browser.signal,
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(r.headers.get('content-encoding')).toBeNull();
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const nextEvent = async (): Promise<string> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) continue; // comment
          return block;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    };
    await waitFor('the upstream stream to open', async () => (await streams()) === 1);

    for (let k = 1; k <= 25; k++) {
      const sent = await fetch(`${upstream.url}/__emit?id=${k}`, {
        method: 'POST',
        body: JSON.stringify({ version: k }),
      });
      expect(((await sent.json()) as { delivered: number }).delivered).toBe(1);
      expect(await nextEvent()).toBe(`id: ${k}\ndata: {"version":${k}}`);
    }

    browser.abort();
    await waitFor('the upstream stream to close', async () => (await streams()) === 0);
  });

  it('stops on SIGTERM even with event streams open', async () => {
    const other = await startGateway({
      COORDINATION_CONNECT_STRING: ensemble.connectString,
      REGISTRAR_ZK_ROOT: ROOT,
    });
    await waitForInstances(other, SERVICE, ['x']);
    const streamsBefore = await streams();
    const open = [
      await fetch(`${other.url}/api/exams/schedule/events`),
      await fetch(`${other.url}/api/cluster/events`),
    ];
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    await waitFor('the proxied stream to open upstream', async () => (await streams()) === streamsBefore + 1);
    process.kill(other.proc.pid, 'SIGTERM');
    // Nest closes the app on SIGTERM and then re-raises it, so the exit is by that signal.
    await waitFor('the gateway to exit', async () => other.proc.hasExited(), 15_000);
    expect(await other.proc.exited).toBe('SIGTERM');
    await waitFor('the upstream stream to close', async () => (await streams()) === streamsBefore);
  });

  it('ends the stream cleanly when the instance dies, so EventSource reconnects', async () => {
    const r = await fetch(`${gateway.url}/api/exams/schedule/events`, {
      headers: { accept: 'text/event-stream' },
    });
    const reader = r.body!.getReader();
    await reader.read(); // the upstream's opening comment
    await waitFor('the upstream stream to open', async () => (await streams()) === 1);
    await upstream.kill('SIGKILL');
    // A cut connection would reject here (terminated); a clean end resolves with done.
    let result = await reader.read();
    while (!result.done) result = await reader.read();
    expect(result.done).toBe(true);
  });
});
