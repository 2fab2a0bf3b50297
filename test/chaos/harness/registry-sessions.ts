/**
 * Which coordinator session each service instance is registered with, sampled during a run: the
 * `ephemeralOwner` of its registry znode (`<root>/services/<name>/<instanceId>`). An instance whose
 * session expired loses that znode with the session and registers again under a new one, so a
 * change of owner (or a missing znode) between two samples is evidence that the instance lost its
 * session in between; the seat-lock audit (scenarios/seat-lock-checks.ts) needs exactly that.
 */
import type { SessionSample } from '../scenarios/seat-lock-checks.js';
import type { AuditClient } from './audit-client.js';
import { within } from './bounded.js';
import { abortableSleep } from './nemesis.js';

const OP_BOUND_MS = 1_000;

/**
 * Samples every instance's registry owner every `everyMs` until `signal` aborts. A sample that
 * failed (coordinator unreachable) is skipped, never recorded as "missing".
 */
export async function sampleRegistrySessions(
  audit: AuditClient,
  paths: { instance: string; path: string }[],
  everyMs: number,
  signal: AbortSignal,
  out: SessionSample[],
): Promise<void> {
  while (!signal.aborted) {
    await sampleRegistrySessionsOnce(audit, paths, out);
    await abortableSleep(everyMs, signal);
  }
}

/** One sample of every instance (e.g. after the workload, for requests that completed last). */
export async function sampleRegistrySessionsOnce(
  audit: AuditClient,
  paths: { instance: string; path: string }[],
  out: SessionSample[],
): Promise<void> {
  await Promise.all(
    paths.map(async ({ instance, path }) => {
      try {
        // sync first: the member we read from may lag, and an "after" sample must show a state
        // at least as new as the moment it was sent.
        const zk = await audit.client();
        const sentNs = Number(process.hrtime.bigint());
        await within(zk.sync(path), OP_BOUND_MS, 'sync');
        const stat = await within(zk.exists(path), OP_BOUND_MS, 'exists');
        out.push({
          sentNs,
          answeredNs: Number(process.hrtime.bigint()),
          instance,
          owner: stat === null ? null : String(stat.ephemeralOwner),
        });
      } catch {
        // no answer: no evidence either way
      }
    }),
  );
}
