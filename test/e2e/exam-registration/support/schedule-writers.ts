/**
 * Concurrent staff writers for push tests and the benchmark: each keeps writing the exam's
 * schedule with If-Match, retrying on 412 from the current version in the answer (and on 503 /
 * connection errors after re-reading), until it has made its share of committed writes.
 */
import { futureSession } from './exam-env.js';

export interface WriterResult {
  /** Committed version -> when the coordinator acknowledged it (epoch ms, X-Coordinator-Ack-Ms). */
  acks: Map<number, number>;
  conflicts: number;
  errors: number;
}

async function currentVersion(url: string, examId: string): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(`${url}/api/exams/${examId}/schedule`);
      if (res.status === 200) return ((await res.json()) as { version: number }).version;
    } catch {
      // instance busy or restarting: try again
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runScheduleWriter(opts: {
  urls: string[];
  examId: string;
  token: string;
  commits: number;
  writer: number;
  onCommit?: (version: number) => void;
}): Promise<WriterResult> {
  const acks = new Map<number, number>();
  let conflicts = 0;
  let errors = 0;
  let i = 0;
  let version = await currentVersion(opts.urls[0]!, opts.examId);
  while (acks.size < opts.commits) {
    const url = opts.urls[i++ % opts.urls.length]!;
    // Each write changes seats and room, so every version differs from the one before.
    const n = opts.writer * 1_000_000 + acks.size;
    const body = {
      sessions: [futureSession('main', { seats: 100 + (n % 500), room: `Hall-${opts.writer}-${acks.size}` })],
    };
    let res: Response;
    try {
      res = await fetch(`${url}/api/exams/${opts.examId}/schedule`, {
        method: 'PUT',
        headers: {
          Authorization: `Bearer ${opts.token}`,
          'If-Match': `"${version}"`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(body),
      });
    } catch {
      errors++;
      version = await currentVersion(url, opts.examId);
      continue;
    }
    const answer = (await res.json().catch(() => ({}))) as {
      version?: number;
      current?: { version: number };
    };
    if (res.status === 200 && answer.version !== undefined) {
      acks.set(answer.version, Number(res.headers.get('x-coordinator-ack-ms')));
      version = answer.version;
      opts.onCommit?.(answer.version);
    } else if (res.status === 412 && answer.current !== undefined) {
      conflicts++;
      version = answer.current.version;
    } else {
      errors++;
      version = await currentVersion(url, opts.examId);
    }
  }
  return { acks, conflicts, errors };
}
