/**
 * Every schedule in memory, kept current through ONE persistent recursive watch on the schedules
 * folder (addWatch PERSISTENT_RECURSIVE, a standard ZooKeeper 3.6+ operation), and a feed of
 * changes in zxid order for the SSE streams.
 *
 * Why not TreeCache: a watch event carries no data, so a getData after a NodeDataChanged may
 * already return a later version, and the version in between is never seen. Writers therefore
 * create an immutable history child `v-<version>` in the same multi as the setData (see
 * schedule-paths.ts); the cache emits versions from those children, which are read in the order
 * their NodeCreated events arrive, i.e. in zxid order. That gives every instance every committed
 * version, once, in order, and makes `change` events leave in increasing mzxid across all exams
 * (what `Last-Event-ID` relies on).
 *
 * After a reconnect (the server re-adds persistent watches but replays nothing) or a new session,
 * the cache resyncs: one multiRead reads every exam node at a single point in time, the versions
 * missed in between are read from history children, and the lot is applied sorted by mzxid.
 */
import { EventEmitter } from 'node:events';
import {
  ConnectionLossError,
  ErrorCode,
  EventType,
  NoNodeError,
  NodeExistsError,
  SessionExpiredError,
  type SessionBinding,
  type WatchEvent,
  type ZooKeeperClient,
} from '@registrar/coordination';
import { decodeSchedule } from './schedule-codec.js';
import { classifySchedulePath, examSchedulePath, historyPath, parseHistoryChild } from './schedule-paths.js';
import type { ScheduleVersion } from './schedule.types.js';

export interface ScheduleCacheEvents {
  /** A newer version of one exam's schedule, in increasing mzxid order. */
  change: [ScheduleVersion];
  /**
   * The notifications of (examId, version) were recorded after that version was published (by
   * recovery); emitted after the version itself, in watch-event order.
   */
  notified: [examId: string, version: number];
  /** An exam's schedule znode was deleted. */
  removed: [examId: string];
  /** Initial load or resync done. */
  synced: [];
  error: [error: unknown];
}

const READ_BATCH = 200;

export class ScheduleCache extends EventEmitter<ScheduleCacheEvents> {
  private readonly schedules = new Map<string, ScheduleVersion>();
  private chain: Promise<void> = Promise.resolve();
  private armedOn: ZooKeeperClient | undefined;
  private closed = false;
  private started: Promise<void> | undefined;
  private syncedOnce = false;
  private readonly waiters = new Set<{ examId: string; version: number; done: () => void }>();

  constructor(
    private readonly binding: SessionBinding,
    readonly schedulesRoot: string,
  ) {
    super();
    this.setMaxListeners(0);
    binding.on('client', this.onClient);
    binding.on('reconnected', this.onReconnected);
  }

  /** Creates the folder if needed, sets the watch and loads everything. */
  start(): Promise<void> {
    this.started ??= this.arm();
    return this.started;
  }

  /** True once the first full load finished (the instance can answer reads). */
  get ready(): boolean {
    return this.syncedOnce;
  }

  get(examId: string): ScheduleVersion | undefined {
    return this.schedules.get(examId);
  }

  /** Current schedules changed after `mzxid` (all of them for -1), in increasing mzxid order. */
  changedSince(mzxid: number, examId?: string): ScheduleVersion[] {
    const out: ScheduleVersion[] = [];
    for (const v of this.schedules.values()) {
      if (v.mzxid > mzxid && (examId === undefined || v.examId === examId)) out.push(v);
    }
    return out.sort((a, b) => a.mzxid - b.mzxid);
  }

  /** Resolves once this cache holds `version` (or newer) of the exam, or after `timeoutMs`. */
  waitForVersion(examId: string, version: number, timeoutMs: number): Promise<boolean> {
    if ((this.schedules.get(examId)?.version ?? -1) >= version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = {
        examId,
        version,
        done: () => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.binding.off('client', this.onClient);
    this.binding.off('reconnected', this.onReconnected);
    const client = this.armedOn;
    this.armedOn = undefined;
    if (client !== undefined && client.state === 'CONNECTED') {
      await client.removeWatches(this.schedulesRoot, 'any', this.onWatch).catch(() => undefined);
    }
    for (const w of this.waiters) w.done();
  }

  private readonly onClient = (): void => void this.arm();
  private readonly onReconnected = (): void =>
    void (this.armedOn === this.binding.client ? this.resync() : this.arm());

  private async arm(): Promise<void> {
    if (this.closed) return;
    const client = this.binding.client;
    try {
      await ensurePath(client, this.schedulesRoot);
      await client.addWatch(this.schedulesRoot, 'recursive', this.onWatch);
      this.armedOn = client;
    } catch (err) {
      // The next 'reconnected' / 'client' event arms again.
      if (err instanceof ConnectionLossError || err instanceof SessionExpiredError) return;
      this.emitError(err);
      return;
    }
    await this.resync();
  }

  private readonly onWatch = (event: WatchEvent): void => {
    if (event.type === EventType.None) return;
    const where = classifySchedulePath(this.schedulesRoot, event.path);
    if (where.kind === 'history' && event.type === EventType.NodeCreated) {
      this.enqueue(() => this.readHistory(where.examId, where.version));
    } else if (where.kind === 'notified' && event.type === EventType.NodeCreated) {
      this.enqueue(async () => void this.emit('notified', where.examId, where.version));
    } else if (where.kind === 'exam') {
      if (event.type === EventType.NodeDeleted) this.enqueue(async () => this.remove(where.examId));
      else if (event.type === EventType.NodeCreated || event.type === EventType.NodeDataChanged) {
        this.enqueue(() => this.readExam(where.examId));
      }
    }
  };

  private enqueue(work: () => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.closed) return;
      try {
        await work();
      } catch (err) {
        // Connection trouble is healed by the resync that follows the reconnect.
        if (!(err instanceof ConnectionLossError) && !(err instanceof SessionExpiredError))
          this.emitError(err);
      }
    };
    this.chain = this.chain.then(run);
    return this.chain;
  }

  /** A history child holds exactly one version: its mzxid is the write's zxid. */
  private async readHistory(examId: string, version: number): Promise<void> {
    if ((this.schedules.get(examId)?.version ?? -1) >= version) return;
    try {
      const { data, stat } = await this.binding.client.getData(
        historyPath(this.schedulesRoot, examId, version),
      );
      this.apply(examId, version, stat.mzxid, data);
    } catch (err) {
      // Pruned before we read it: a later version follows, which is allowed to coalesce this one.
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /**
   * The exam node itself changed. Versions written through this service come with a history child
   * (created before the setData in the same multi, so its event was handled first). A version
   * without one was written by someone else (zkCli): take it from the node.
   */
  private async readExam(examId: string): Promise<void> {
    const client = this.binding.client;
    const path = examSchedulePath(this.schedulesRoot, examId);
    let node: { data: Buffer; stat: { version: number; mzxid: number } };
    try {
      node = await client.getData(path);
    } catch (err) {
      if (err instanceof NoNodeError) return this.remove(examId);
      throw err;
    }
    if ((this.schedules.get(examId)?.version ?? -1) >= node.stat.version) return;
    const child = await client.exists(historyPath(this.schedulesRoot, examId, node.stat.version));
    if (child === null) this.apply(examId, node.stat.version, node.stat.mzxid, node.data);
  }

  private resync(): Promise<void> {
    return this.enqueue(async () => {
      const client = this.binding.client;
      const examIds = (await client.getChildren(this.schedulesRoot)).filter(
        (id) => classifySchedulePath(this.schedulesRoot, `${this.schedulesRoot}/${id}`).kind === 'exam',
      );
      const found: { examId: string; version: number; mzxid: number; data: Buffer }[] = [];
      for (let i = 0; i < examIds.length; i += READ_BATCH) {
        const batch = examIds.slice(i, i + READ_BATCH);
        // One multiRead = one point in time for the whole batch.
        const results = await client.multiRead(
          batch.map((id) => ({ type: 'getData' as const, path: examSchedulePath(this.schedulesRoot, id) })),
        );
        results.forEach((r, j) => {
          if (r.type === 'getData') {
            found.push({ examId: batch[j]!, version: r.stat.version, mzxid: r.stat.mzxid, data: r.data });
          } else if (r.type === 'error' && r.code !== ErrorCode.NONODE) throw r.error;
        });
      }
      const items = [...found];
      // Versions missed while cut off, from the history children (the ones not yet pruned).
      for (const f of found) {
        const known = this.schedules.get(f.examId)?.version;
        if (known === undefined || f.version <= known + 1) continue;
        const names = await client
          .getChildren(examSchedulePath(this.schedulesRoot, f.examId))
          .catch(() => []);
        const missed = names
          .map(parseHistoryChild)
          .filter((v): v is number => v !== undefined && v > known && v < f.version)
          .sort((a, b) => a - b);
        const reads = await client.multiRead(
          missed.map((v) => ({
            type: 'getData' as const,
            path: historyPath(this.schedulesRoot, f.examId, v),
          })),
        );
        reads.forEach((r, j) => {
          if (r.type === 'getData')
            items.push({ examId: f.examId, version: missed[j]!, mzxid: r.stat.mzxid, data: r.data });
        });
      }
      const present = new Set(examIds);
      for (const id of this.schedules.keys()) if (!present.has(id)) this.remove(id);
      items.sort((a, b) => a.mzxid - b.mzxid);
      for (const it of items) this.apply(it.examId, it.version, it.mzxid, it.data);
      this.syncedOnce = true;
      this.emit('synced');
    });
  }

  private apply(examId: string, version: number, mzxid: number, data: Buffer): void {
    if ((this.schedules.get(examId)?.version ?? -1) >= version) return;
    const schedule = decodeSchedule(data, examId);
    if (schedule === undefined) return;
    const v: ScheduleVersion = { examId, version, mzxid, schedule };
    this.schedules.set(examId, v);
    this.emit('change', v);
    for (const w of this.waiters) if (w.examId === examId && version >= w.version) w.done();
  }

  private remove(examId: string): void {
    if (this.schedules.delete(examId)) this.emit('removed', examId);
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

/** Creates `path` and its missing ancestors (persistent, empty). */
export async function ensurePath(client: ZooKeeperClient, path: string): Promise<void> {
  if ((await client.exists(path)) !== null) return;
  const parts = path.split('/').filter(Boolean);
  let at = '';
  for (const p of parts) {
    at += '/' + p;
    try {
      await client.create(at);
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
}
