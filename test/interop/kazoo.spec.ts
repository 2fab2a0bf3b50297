import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { runKazooScript } from '../support/kazoo.js';
import { describeEachTarget } from '../support/targets.js';

// Each python script prints a JSON summary; the assertions below are the same for every target and
// were checked against Apache ZooKeeper 3.8.0 with Debian's python3-kazoo 2.8.0.

const freshStat = {
  aversion: 0,
  cversion: 0,
  czxidIsMzxid: true,
  ephemeralOwnerIsZero: true,
  numChildren: 0,
  version: 0,
};

describeEachTarget('kazoo', (target) => {
  let zk: Ensemble;

  beforeAll(async () => {
    zk = await target.start();
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('CRUD, sequential and ephemeral nodes (ephemerals go with their client)', async () => {
    const { summary } = await runKazooScript('crud.py', zk.connectString);
    expect(summary).toEqual({
      create: '/kz-crud',
      createExisting: 'NodeExistsError',
      createNoParent: 'NoNodeError',
      createMakepath: '/kz-crud/a/b/c',
      get: { data: 'v0', stat: { ...freshStat, cversion: 1, dataLength: 2, numChildren: 1 } },
      setStat: { ...freshStat, cversion: 1, czxidIsMzxid: false, dataLength: 2, numChildren: 1, version: 1 },
      setBadVersion: 'BadVersionError',
      setMissing: 'NoNodeError',
      existsMissing: null,
      children: ['a'],
      childrenWithStat: { children: ['a'], numChildren: 1 },
      deleteNotEmpty: 'NotEmptyError',
      deleteBadVersion: 'BadVersionError',
      deleteMissing: 'NoNodeError',
      afterRecursiveDelete: [],
      // The suffix counts child creations of the parent (here: "a" was created and deleted before),
      // deletions do not advance it.
      sequential: ['/kz-crud/seq-0000000001', '/kz-crud/seq-0000000002', '/kz-crud/seq-0000000003'],
      sequentialAfterDelete: '/kz-crud/seq-0000000004',
      create2: { path: '/kz-crud/with-stat', stat: { ...freshStat, dataLength: 3 } },
      ephemeralOwnerMatches: true,
      ephemeralChildForbidden: 'NoChildrenForEphemeralsError',
      ephemeralsBeforeStop: ['eph', 'eseq-0000000007'],
      ephemeralsAfterStop: [],
      eseqName: '/kz-crud/eseq-0000000007',
      baseGone: true,
    });
  });

  it('DataWatch and ChildrenWatch see every change in order; raw watches are one-shot', async () => {
    const { summary } = await runKazooScript('watches.py', zk.connectString);
    expect(summary).toEqual({
      data: [
        { data: null, event: null, version: null },
        { data: 'one', event: 'CREATED', version: 0 },
        { data: 'two', event: 'CHANGED', version: 1 },
        { data: null, event: 'DELETED', version: null },
      ],
      children: [[], ['d'], ['d', 'x'], ['x'], [], ['later'], []],
      raw: [
        { path: '/kz-watch/later', state: 'CONNECTED', type: 'CREATED' },
        { path: '/kz-watch/later', state: 'CONNECTED', type: 'CHANGED' },
        { path: '/kz-watch', state: 'CONNECTED', type: 'CHILD' },
      ],
    });
  });

  it('transactions: all ops commit; a failing middle op rolls back the rest', async () => {
    const { summary } = await runKazooScript('transactions.py', zk.connectString);
    expect(summary).toEqual({
      committed: ['/kz-txn/a', '/kz-txn/s-0000000001', 'ZnodeStat', true, '/kz-txn/b', true],
      afterCommit: { data: '2', version: 1 },
      // Ops before the failing one report 0 (kazoo: RolledBackError), the failing one its own error,
      // ops after it RUNTIMEINCONSISTENCY (-2).
      failed: ['RolledBackError', 'BadVersionError', 'RuntimeInconsistency'],
      firstIsRolledBack: true,
      cExists: false,
      aData: '2',
      missingCheck: ['NoNodeError', 'RuntimeInconsistency'],
      children: ['a', 's-0000000001'],
    });
  });

  it('Lock: 4 clients x 5 rounds never overlap, and leave no lock nodes behind', async () => {
    const { summary } = await runKazooScript('lock.py', zk.connectString, ['4', '5']);
    expect(summary).toEqual({
      threads: 4,
      rounds: 5,
      acquired: 20,
      overlaps: 0,
      maxHolders: 1,
      distinctHolders: 4,
      leftoverNodes: [],
      contendersAfter: [],
      errors: [],
    });
  });

  it('Election: one leader at a time, in queue order', async () => {
    const { summary } = await runKazooScript('election.py', zk.connectString);
    expect(summary).toEqual({
      contenders: ['candidate-0', 'candidate-1', 'candidate-2'],
      leaders: [0, 1, 2],
      maxConcurrentLeaders: 1,
    });
  });

  it('digest ACLs: owner reads, others get NoAuthError, CREATOR_ALL_ACL becomes the digest id', async () => {
    const { summary } = await runKazooScript('acl.py', zk.connectString);
    const alice = { id: 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=', perms: 31, scheme: 'digest' };
    expect(summary).toEqual({
      credential: 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=',
      ownerRead: 'private',
      acls: [alice],
      aversion: 0,
      strangerGet: 'NoAuthError',
      strangerSet: 'NoAuthError',
      strangerGetAcls: 'NoAuthError',
      strangerCreateChild: 'NoAuthError',
      // exists needs no permission.
      strangerExists: true,
      wrongPasswordGet: 'NoAuthError',
      creatorAcls: [alice],
      strangerCreatorGet: 'NoAuthError',
      unauthCreatorAcl: 'InvalidACLError',
      afterAddAuth: 'private',
      strangerReadAfterOpen: 'private',
      setAclsBadVersion: 'BadVersionError',
    });
  });

  it('Counter: concurrent increments from 4 clients all count', async () => {
    const { summary } = await runKazooScript('counter.py', zk.connectString);
    expect(summary).toEqual({ value: 40, afterDecrement: 35, float: 2.5, raw: '35', errors: [] });
  });
});
