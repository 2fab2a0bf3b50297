/**
 * Schedule writes in the coordinator. Each write is one multi: create the history child for the
 * new version, then setData on the exam node with the expected version. Both or neither happen;
 * a stale version fails the setData (BADVERSION), and a racing writer that got the same version
 * first makes the create fail (NODEEXISTS): either way the caller gets a StaleScheduleError.
 */
import {
  ConnectionLossError,
  ErrorCode,
  NodeExistsError,
  NoNodeError,
  TransactionError,
  type SessionBinding,
} from '@registrar/coordination';
import { decodeSchedule, encodeSchedule } from './schedule-codec.js';
import {
  examSchedulePath,
  historyPath,
  notifiedPath,
  parseHistoryChild,
  parseNotifiedChild,
} from './schedule-paths.js';
import type { ScheduleVersion, StoredSchedule } from './schedule.types.js';

/** The version given is not the znode's version any more. */
export class StaleScheduleError extends Error {
  constructor(readonly examId: string) {
    super(`schedule of exam ${examId} changed meanwhile`);
  }
}

/** How many history children to keep per exam (older ones are pruned after each write). */
export const HISTORY_KEEP = 50;

export class ScheduleStore {
  constructor(
    private readonly binding: SessionBinding,
    readonly schedulesRoot: string,
  ) {}

  /** The schedule as the coordinator has it now (after a sync, so it is not stale). */
  async read(examId: string): Promise<ScheduleVersion | undefined> {
    const client = this.binding.client;
    const path = examSchedulePath(this.schedulesRoot, examId);
    try {
      await client.sync(path);
      const { data, stat } = await client.getData(path);
      const schedule = decodeSchedule(data, examId);
      return schedule && { examId, version: stat.version, mzxid: stat.mzxid, schedule };
    } catch (err) {
      if (err instanceof NoNodeError) return undefined;
      throw err;
    }
  }

  /** Creates an exam's schedule (version 0) with its first history child. */
  async create(schedule: StoredSchedule): Promise<ScheduleVersion> {
    const path = examSchedulePath(this.schedulesRoot, schedule.examId);
    const data = encodeSchedule(schedule);
    const results = await this.binding.client.multi([
      { type: 'create', path, data },
      { type: 'create', path: historyPath(this.schedulesRoot, schedule.examId, 0), data },
    ]);
    const stat = results[0]!.type === 'create' ? results[0].stat : undefined;
    return { examId: schedule.examId, version: 0, mzxid: stat?.mzxid ?? 0, schedule };
  }

  /**
   * Writes `schedule` over version `baseVersion`.
   * @throws StaleScheduleError when the znode is not at `baseVersion` any more
   * @throws NoNodeError when the exam has no schedule znode
   * @throws ConnectionLossError when the outcome is unknown (see `committed`)
   */
  async write(schedule: StoredSchedule, baseVersion: number): Promise<ScheduleVersion> {
    const { examId } = schedule;
    const path = examSchedulePath(this.schedulesRoot, examId);
    const data = encodeSchedule(schedule);
    try {
      const results = await this.binding.client.multi([
        { type: 'create', path: historyPath(this.schedulesRoot, examId, baseVersion + 1), data },
        { type: 'setData', path, data, version: baseVersion },
      ]);
      const set = results[1]!;
      const stat = set.type === 'setData' ? set.stat : undefined;
      void this.prune(examId, baseVersion + 1);
      return { examId, version: stat?.version ?? baseVersion + 1, mzxid: stat?.mzxid ?? 0, schedule };
    } catch (err) {
      if (err instanceof TransactionError) {
        if (err.code === ErrorCode.BADVERSION || err.code === ErrorCode.NODEEXISTS)
          throw new StaleScheduleError(examId);
        if (err.code === ErrorCode.NONODE) throw new NoNodeError(path);
      }
      throw err;
    }
  }

  /**
   * After a lost reply: did our write of `baseVersion + 1` commit? It did when that history child
   * holds exactly our bytes (each write's updatedAt and content make them ours).
   */
  async committed(schedule: StoredSchedule, baseVersion: number): Promise<ScheduleVersion | undefined> {
    const client = this.binding.client;
    const path = historyPath(this.schedulesRoot, schedule.examId, baseVersion + 1);
    try {
      await client.sync(path);
      const { data, stat } = await client.getData(path);
      if (data.toString('utf8') !== encodeSchedule(schedule)) return undefined;
      return { examId: schedule.examId, version: baseVersion + 1, mzxid: stat.mzxid, schedule };
    } catch (err) {
      if (err instanceof NoNodeError) return undefined;
      throw err;
    }
  }

  /**
   * Tells every instance that the notifications of `version` were recorded after the version was
   * published (recovery): the marker's NodeCreated event reaches every cache's recursive watch, and
   * the marker is deleted at once (a marker left by a crash in between is pruned with the history).
   */
  async announceNotified(examId: string, version: number): Promise<void> {
    const client = this.binding.client;
    const path = notifiedPath(this.schedulesRoot, examId, version);
    try {
      await client.create(path);
    } catch (err) {
      if (err instanceof NoNodeError) return; // no exam node: nobody shows this schedule
      if (!(err instanceof NodeExistsError)) throw err;
    }
    await client.delete(path).catch(() => undefined);
  }

  /** Best effort: deletes history children older than the newest HISTORY_KEEP (and stray markers). */
  private async prune(examId: string, newest: number): Promise<void> {
    if (newest < HISTORY_KEEP) return;
    const client = this.binding.client;
    try {
      const names = await client.getChildren(examSchedulePath(this.schedulesRoot, examId));
      const old = names
        .map(parseHistoryChild)
        .filter((v): v is number => v !== undefined && v <= newest - HISTORY_KEEP);
      const markers = names.map(parseNotifiedChild).filter((v): v is number => v !== undefined);
      await Promise.all([
        ...old.map((v) => client.delete(historyPath(this.schedulesRoot, examId, v)).catch(() => undefined)),
        ...markers.map((v) =>
          client.delete(notifiedPath(this.schedulesRoot, examId, v)).catch(() => undefined),
        ),
      ]);
    } catch (err) {
      if (!(err instanceof ConnectionLossError) && !(err instanceof NoNodeError)) throw err;
    }
  }
}
