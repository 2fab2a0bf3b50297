/**
 * Client writes proposed for each session and not yet applied here, whatever connection sent them.
 * ZooKeeper orders a session's requests across reconnects, so a connection that resumes a session
 * must hold its requests until the writes the session sent on its old connection are applied (a
 * read looking for a create whose reply was lost would otherwise run before the create exists).
 */
export class SessionWrites {
  private readonly bySession = new Map<bigint, { count: number; waiters: (() => void)[] }>();

  started(sessionId: bigint): void {
    const e = this.bySession.get(sessionId);
    if (e) e.count++;
    else this.bySession.set(sessionId, { count: 1, waiters: [] });
  }

  ended(sessionId: bigint): void {
    const e = this.bySession.get(sessionId);
    if (!e || --e.count > 0) return;
    this.bySession.delete(sessionId);
    for (const w of e.waiters) w();
  }

  /**
   * Runs `done` once every write of `sessionId` started so far has ended (or all were dropped).
   * Returns false, without calling `done`, when none is in flight.
   */
  after(sessionId: bigint, done: () => void): boolean {
    const e = this.bySession.get(sessionId);
    if (!e) return false;
    e.waiters.push(done);
    return true;
  }

  /** The member stopped serving: none of these writes will be answered here; release every waiter. */
  dropAll(): void {
    const entries = [...this.bySession.values()];
    this.bySession.clear();
    for (const e of entries) for (const w of e.waiters) w();
  }
}
