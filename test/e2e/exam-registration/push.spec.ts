/**
 * Push: 2 exam-registration instances, 50 SSE clients spread over them, 100 schedule updates from
 * 2 concurrent staff writers retrying on 412. Every client must receive every committed version
 * of the exam once, in order, ending on the znode's final version. Delay from write
 * acknowledgement to receipt is reported in the log (p50/p99), never asserted.
 * Then again while the coordinator's leader is killed, with every client reconnecting with
 * Last-Event-ID to the other instance: versions never go backwards and the final one arrives.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fourLetterWord } from '../../support/four-letter-word.js';
import { startExamPlatform, type ExamPlatform } from './support/exam-env.js';
import { runScheduleWriter, type WriterResult } from './support/schedule-writers.js';
import type { ServiceProcess } from './support/service-process.js';
import { percentile, SseClient } from './support/sse-client.js';

const CLIENTS = 50;
const UPDATES = 100;

let platform: ExamPlatform;
let a: ServiceProcess;
let b: ServiceProcess;
let staff: string;

beforeAll(async () => {
  platform = await startExamPlatform('push');
  a = await platform.startExamService();
  b = await platform.startExamService();
  staff = await platform.staffToken();
});

afterAll(async () => {
  await platform?.stop();
});

async function createExam(): Promise<string> {
  const res = await request(a.url)
    .post('/api/exams')
    .set('Authorization', `Bearer ${staff}`)
    .send({ courseId: 'c-push', title: 'Push' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

function versionsOf(c: SseClient, examId: string): number[] {
  return c.events
    .map((e) => JSON.parse(e.data) as { examId: string; version: number })
    .filter((d) => d.examId === examId)
    .map((d) => d.version);
}

async function untilAll(
  clients: SseClient[],
  examId: string,
  version: number,
  timeoutMs = 30_000,
): Promise<void> {
  await Promise.all(
    clients.map((c) =>
      c.waitFor(
        (e) => JSON.parse(e.data).examId === examId && JSON.parse(e.data).version >= version,
        timeoutMs,
      ),
    ),
  );
}

function report(label: string, clients: SseClient[], examId: string, acks: Map<number, number>): void {
  const delays: number[] = [];
  for (const c of clients) {
    for (const e of c.events) {
      const d = JSON.parse(e.data) as { examId: string; version: number };
      const ack = acks.get(d.version);
      if (d.examId === examId && ack !== undefined) delays.push(e.at - ack);
    }
  }
  delays.sort((x, y) => x - y);
  const f = (n: number) => n.toFixed(1);
  console.log(
    `[push] ${label}: ${delays.length} receipts, ack->receipt ms p50=${f(percentile(delays, 50))} p99=${f(percentile(delays, 99))} ` +
      `min=${f(delays[0] ?? NaN)} max=${f(delays.at(-1) ?? NaN)} (from the writer instance receiving the coordinator's reply, X-Coordinator-Ack-Ms; negative = another member's watcher saw the commit first)`,
  );
}

function mergeAcks(results: WriterResult[]): Map<number, number> {
  const all = new Map<number, number>();
  for (const r of results) for (const [v, t] of r.acks) all.set(v, t);
  return all;
}

async function connectAll(examId: string, urlOf: (i: number) => string): Promise<SseClient[]> {
  const clients = Array.from({ length: CLIENTS }, () => new SseClient());
  await Promise.all(
    clients.map((c, i) => c.connect(`${urlOf(i)}/api/exams/schedule/events?examId=${examId}`)),
  );
  await untilAll(clients, examId, 0);
  return clients;
}

describe('schedule push over SSE', () => {
  it('every client receives every committed version once, in order, ending on the final version', async () => {
    const examId = await createExam();
    const clients = await connectAll(examId, (i) => (i % 2 === 0 ? a.url : b.url));
    try {
      const results = await Promise.all(
        [0, 1].map((w) =>
          runScheduleWriter({
            urls: w === 0 ? [a.url, b.url] : [b.url, a.url],
            examId,
            token: staff,
            commits: UPDATES / 2,
            writer: w,
          }),
        ),
      );
      const acks = mergeAcks(results);
      expect(acks.size).toBe(UPDATES);
      const final = (await platform.zk.getData(platform.paths.examSchedule(examId))).stat.version;
      expect(final).toBe(UPDATES);
      // Every version from 1 to the final one was acknowledged to exactly one writer.
      expect([...acks.keys()].sort((x, y) => x - y)).toEqual(
        Array.from({ length: UPDATES }, (_, i) => i + 1),
      );
      await untilAll(clients, examId, final);
      const expected = Array.from({ length: final + 1 }, (_, i) => i);
      for (const c of clients) expect(versionsOf(c, examId)).toEqual(expected);
      console.log(
        `[push] writers: ${results.map((r) => `${r.acks.size} commits, ${r.conflicts} 412s, ${r.errors} errors`).join('; ')}`,
      );
      report(`${CLIENTS} clients on 2 instances, ${UPDATES} updates`, clients, examId, acks);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('with the coordinator leader killed and clients moving to the other instance with Last-Event-ID, versions never go backwards and the final one arrives', async () => {
    const examId = await createExam();
    const urlOf = (i: number) => (i % 2 === 0 ? a.url : b.url);
    const clients = await connectAll(examId, urlOf);
    const history: number[][] = clients.map(() => []);
    let killed: Promise<void> | undefined;
    let moved: Promise<void> | undefined;
    try {
      const onCommit = (v: number) => {
        if (v >= UPDATES / 3 && killed === undefined) killed = killLeader();
        if (v >= UPDATES / 2 && moved === undefined) {
          // Every client drops its stream and resumes on the other instance with its Last-Event-ID.
          moved = Promise.all(
            clients.map(async (c, i) => {
              history[i]!.push(...versionsOf(c, examId));
              c.events.length = 0;
              c.close();
              await c.connect(`${urlOf(i + 1)}/api/exams/schedule/events?examId=${examId}`);
            }),
          ).then(() => undefined);
        }
      };
      const results = await Promise.all(
        [0, 1].map((w) =>
          runScheduleWriter({
            urls: w === 0 ? [a.url, b.url] : [b.url, a.url],
            examId,
            token: staff,
            commits: UPDATES / 2,
            writer: w,
            onCommit,
          }),
        ),
      );
      await killed;
      await moved;
      const final = (await platform.zk.getData(platform.paths.examSchedule(examId))).stat.version;
      expect(final).toBeGreaterThanOrEqual(UPDATES);
      await untilAll(clients, examId, final, 60_000);
      clients.forEach((c, i) => history[i]!.push(...versionsOf(c, examId)));
      for (const h of history) {
        for (let k = 1; k < h.length; k++) expect(h[k]!).toBeGreaterThan(h[k - 1]!);
        expect(h.at(-1)).toBe(final);
      }
      const total = history.reduce((n, h) => n + h.length, 0);
      console.log(
        `[push] leader killed: final version ${final}, writers ${results.map((r) => `${r.acks.size} commits/${r.conflicts} 412s/${r.errors} errors`).join('; ')}, ` +
          `${total} events over ${CLIENTS} clients (${(total / CLIENTS).toFixed(1)} each; fewer than ${final + 1} means coalesced across the move)`,
      );
    } finally {
      for (const c of clients) c.close();
    }
  });
});

async function killLeader(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (const [i, m] of platform.ensemble.members.entries()) {
      if (!m.running) continue;
      const mode = await fourLetterWord(m.clientPort, 'srvr').then(
        (t) => /^Mode: (\w+)/m.exec(t)?.[1],
        () => undefined,
      );
      if (mode === 'leader') {
        console.log(`[push] killing coordinator leader member ${m.id} (pid ${m.pid})`);
        await platform.ensemble.kill(i, 'SIGKILL');
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no coordinator leader found');
}
