import { afterAll, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient, type WatchEvent } from '../../../libs/coordination/src/client/index.js';
import { EventType, KeeperState } from '../../../libs/coordination/src/protocol/constants.js';
import { NoNodeError, NoWatcherError } from '../../../libs/coordination/src/protocol/errors.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, recorder, sleep, until } from './helpers.js';

const brief = (events: WatchEvent[]) => events.map((e) => `${e.type}:${e.path}`);

describeEachTarget('client watches', (target) => {
  let zk: Ensemble;
  let c: ZooKeeperClient;
  let other: ZooKeeperClient;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start({ tickTime: 500 });
    c = await pool.open(zk.connectString);
    other = await pool.open(zk.connectString);
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  /** A write by another session, then a round trip on ours so its notifications have arrived. */
  const settle = async () => {
    await c.sync('/');
  };

  it('data watch fires once on setData, exist watch on create, child watch on a new child', async () => {
    await c.create('/w1', 'a');
    const data = recorder();
    const exist = recorder();
    const child = recorder();
    await c.getData('/w1', data.listener);
    expect(await c.exists('/w1/x', exist.listener)).toBeNull();
    await c.getChildren('/w1', child.listener);

    await other.setData('/w1', 'b');
    await other.create('/w1/x');
    await other.setData('/w1', 'c'); // one-shot: not delivered again
    await settle();
    expect(brief(data.events)).toEqual(['3:/w1']);
    expect(brief(exist.events)).toEqual(['1:/w1/x']);
    expect(brief(child.events)).toEqual(['4:/w1']);
    expect(data.events[0]!.state).toBe(KeeperState.SyncConnected);
  });

  it('NodeDeleted reaches data and child watchers; one listener on two kinds is called once', async () => {
    await c.create('/w2');
    const both = recorder();
    await c.getData('/w2', both.listener);
    await c.getChildren('/w2', both.listener);
    await c.exists('/w2', both.listener);
    await other.delete('/w2');
    await settle();
    expect(brief(both.events)).toEqual(['2:/w2']);
  });

  it('the same event fans out to every local listener of the path', async () => {
    await c.create('/w3');
    const a = recorder();
    const b = recorder();
    await c.getData('/w3', a.listener);
    await c.getData('/w3', b.listener);
    await other.setData('/w3', 'x');
    await settle();
    expect(brief(a.events)).toEqual(['3:/w3']);
    expect(brief(b.events)).toEqual(['3:/w3']);
  });

  it('watch: true delivers to the client "watch" event', async () => {
    await c.create('/w4');
    const seen: WatchEvent[] = [];
    c.on('watch', (e) => seen.push(e));
    await c.getData('/w4', true);
    await other.setData('/w4', 'x');
    await settle();
    expect(brief(seen)).toEqual(['3:/w4']);
  });

  it('persistent watch: node events and children changes, not removed on fire', async () => {
    await c.create('/p');
    const r = recorder();
    await c.addWatch('/p', 'persistent', r.listener);
    await other.setData('/p', '1');
    await other.create('/p/a');
    await other.setData('/p/a', 'deep'); // not for a plain persistent watch
    await other.setData('/p', '2');
    await settle();
    expect(brief(r.events)).toEqual(['3:/p', '4:/p', '3:/p']);
    await c.removeWatches('/p', 'any', r.listener);
    expect(r.events.at(-1)!.type).toBe(EventType.PersistentWatchRemoved);
    await other.setData('/p', '3');
    await settle();
    expect(r.events.length).toBe(4);
  });

  it('recursive watch: every descendant, never NodeChildrenChanged', async () => {
    await c.create('/r');
    const r = recorder();
    await c.addWatch('/r', 'recursive', r.listener);
    await other.create('/r/a');
    await other.create('/r/a/b', 'x');
    await other.setData('/r/a/b', 'y');
    await other.delete('/r/a/b');
    await settle();
    expect(brief(r.events)).toEqual(['1:/r/a', '1:/r/a/b', '3:/r/a/b', '2:/r/a/b']);
    await c.removeWatches('/r', 'any');
  });

  it('removeWatches of one listener, of all, and NoWatcher', async () => {
    await c.create('/rm');
    const a = recorder();
    const b = recorder();
    await c.getData('/rm', a.listener);
    await c.getData('/rm', b.listener);
    await c.removeWatches('/rm', 'data', a.listener);
    expect(brief(a.events)).toEqual([`${EventType.DataWatchRemoved}:/rm`]);
    await c.checkWatches('/rm', 'data'); // b still holds the server-side watch
    await other.setData('/rm', 'x');
    await settle();
    expect(brief(a.events)).toEqual([`${EventType.DataWatchRemoved}:/rm`]);
    expect(brief(b.events)).toEqual(['3:/rm']);

    const k = recorder();
    await c.getChildren('/rm', k.listener);
    await c.removeWatches('/rm', 'children');
    expect(brief(k.events)).toEqual([`${EventType.ChildWatchRemoved}:/rm`]);
    await expect(c.checkWatches('/rm', 'children')).rejects.toBeInstanceOf(NoWatcherError);
    await expect(c.removeWatches('/rm', 'data')).rejects.toBeInstanceOf(NoWatcherError);
    await expect(c.removeWatches('/rm', 'data', () => undefined)).rejects.toBeInstanceOf(NoWatcherError);
  });

  it('watchEvents(data) follows a node through changes, deletes and re-creates; abort ends it', async () => {
    const ac = new AbortController();
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of c.watchEvents('/it', { kind: 'data', signal: ac.signal })) {
        got.push(`${e.type}:${e.path}`);
      }
    })();
    await sleep(100);
    // Back to back: the change may land before the iterator re-arms; it is then synthesized.
    await other.create('/it', 'a');
    await other.setData('/it', 'b');
    await until(() => got.length === 2, 'NodeCreated + NodeDataChanged');
    await other.delete('/it');
    await until(() => got.length === 3, 'NodeDeleted');
    await other.create('/it', 'again');
    await until(() => got.length === 4, 'NodeCreated again');
    ac.abort();
    await loop;
    expect(got).toEqual(['1:/it', '3:/it', '2:/it', '1:/it']);
  });

  it('watchEvents(children) ends after the node is deleted; NoNodeError when missing', async () => {
    await c.create('/itc');
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of c.watchEvents('/itc', { kind: 'children' })) got.push(`${e.type}:${e.path}`);
    })();
    await sleep(100);
    await other.create('/itc/a');
    await other.create('/itc/b'); // may land before the re-arm: coalesced, still reported
    await until(() => got.length === 2, 'two child events');
    await other.delete('/itc/a');
    await until(() => got.length === 3, 'third child event');
    await other.delete('/itc/b');
    await other.delete('/itc');
    await loop;
    expect(got.slice(0, 3)).toEqual(['4:/itc', '4:/itc', '4:/itc']);
    // Deleting the last child and the node back to back: either the child event and then the
    // delete, or (when the re-arm found the node gone) straight to the delete.
    expect(got.at(-1)).toBe('2:/itc');
    expect(got.length === 5 ? got[3] : '4:/itc').toBe('4:/itc');

    const missing = (async () => {
      for await (const _ of c.watchEvents('/nowhere', { kind: 'children' })) void _;
    })();
    await expect(missing).rejects.toBeInstanceOf(NoNodeError);
  });

  it('watchEvents(recursive) with break removes the persistent watch', async () => {
    await c.create('/itr');
    const got: string[] = [];
    const loop = (async () => {
      for await (const e of c.watchEvents('/itr', { kind: 'recursive' })) {
        got.push(`${e.type}:${e.path}`);
        if (got.length === 2) break;
      }
    })();
    await sleep(100);
    await other.create('/itr/a');
    await other.create('/itr/a/b');
    await loop;
    expect(got).toEqual(['1:/itr/a', '1:/itr/a/b']);
    await until(
      async () =>
        c.checkWatches('/itr', 'any').then(
          () => false,
          () => true,
        ),
      'watch removed',
      5000,
    );
  });
});
