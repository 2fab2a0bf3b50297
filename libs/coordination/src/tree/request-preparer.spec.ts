import { describe, expect, it } from 'vitest';
import { ErrorCode as E } from '../protocol/constants.js';
import type { ACL, CreateRequest, Request } from '../protocol/records.js';
import { digestAuth } from './acl.js';
import { Harness } from './test-harness.js';

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const world = (perms: number): ACL[] => [{ perms, id: { scheme: 'world', id: 'anyone' } }];
const cr = (path: string, flags = 0, acl: ACL[] = OPEN, extra: Partial<CreateRequest> = {}): CreateRequest =>
  ({ op: 'create', path, data: Buffer.alloc(0), acl, flags, ...extra }) as CreateRequest;
const err = (h: Harness, req: Request) => {
  const r = h.run(req).result;
  return r.type === 'error' ? r.err : 0;
};

function fixture(): Harness {
  const h = new Harness();
  h.create('/q');
  h.create('/p', 0, {}, Buffer.alloc(0), world(1)); // READ only: no CREATE
  h.create('/dp', 0, {}, Buffer.alloc(0), world(1 | 4)); // no DELETE
  h.create('/dp/c');
  h.create('/e', 1, { sessionId: 9n });
  h.create('/ro', 0, {}, Buffer.alloc(0), world(1));
  return h;
}

describe('create error precedence (each row observed on ZooKeeper 3.8.0)', () => {
  const rows: [string, Request, number][] = [
    ['flags 7', cr('/q/f7', 7), E.BADARGUMENTS],
    ['create with flags 5 (no ttl)', cr('/t6', 5), E.BADARGUMENTS],
    [
      'createTTL ttl 0 on missing parent',
      cr('/nope/t', 5, OPEN, { op: 'createTTL', ttl: 0 }),
      E.BADARGUMENTS,
    ],
    ['createTTL ttl 2^40', cr('/t3', 5, OPEN, { op: 'createTTL', ttl: 2 ** 40 }), E.BADARGUMENTS],
    ['createTTL flags 0', cr('/t4', 0, OPEN, { op: 'createTTL', ttl: 100 }), E.BADARGUMENTS],
    ['createTTL flags 4', cr('/t4', 4, OPEN, { op: 'createTTL', ttl: 100 }), E.BADARGUMENTS],
    ['createTTL flags 1', cr('/t4', 1, OPEN, { op: 'createTTL', ttl: 100 }), E.BADARGUMENTS],
    ['no slash', cr('abc'), E.BADARGUMENTS],
    ['NUL', cr('/q/a\u0000b'), E.BADARGUMENTS],
    ['empty ACL, missing parent', cr('/nope/z', 0, []), E.INVALIDACL],
    ['auth ACL without ids', cr('/a1', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }]), E.INVALIDACL],
    ['bad path, missing parent', cr('/nope//x'), E.NONODE],
    ['"/q//" sequential (parent "/q/" missing)', cr('/q//', 2), E.NONODE],
    ['"/nope/." (parent checked before the name)', cr('/nope/.'), E.NONODE],
    ['"/q/." with parent', cr('/q/.'), E.BADARGUMENTS],
    ['"/q/" non-sequential', cr('/q/'), E.BADARGUMENTS],
    ['control char', cr('/q/a\u0001b'), E.BADARGUMENTS],
    ['\\ufff5', cr('/q/a\ufff5b'), E.BADARGUMENTS],
    ['existing node under parent without CREATE', cr('/p'), E.NODEEXISTS],
    ['child without CREATE', cr('/p/c'), E.NOAUTH],
    ['existing ephemeral path', cr('/e'), E.NODEEXISTS],
    ['child of ephemeral', cr('/e/c'), E.NOCHILDRENFOREPHEMERALS],
    ['ephemeral child of ephemeral', cr('/e/c', 1), E.NOCHILDRENFOREPHEMERALS],
    ['sequential child of ephemeral', cr('/e/', 2), E.NOCHILDRENFOREPHEMERALS],
    ['/', cr('/'), E.NODEEXISTS],
  ];
  it.each(rows)('%s', (_n, req, code) => {
    expect(err(fixture(), req)).toBe(code);
  });
  it('TTL disabled -> UNIMPLEMENTED (before ttl validation)', () => {
    const h = new Harness({ extendedTypesEnabled: false });
    expect(err(h, cr('/t', 5, OPEN, { op: 'createTTL', ttl: 0 }))).toBe(E.UNIMPLEMENTED);
    expect(err(h, cr('/t', 0, OPEN, { op: 'createContainer' }))).toBe(0);
  });
  it('ttl bounds: 1 and 2^40-1 accepted', () => {
    const h = new Harness();
    expect(err(h, cr('/a', 5, OPEN, { op: 'createTTL', ttl: 1 }))).toBe(0);
    expect(err(h, cr('/b', 6, OPEN, { op: 'createTTL', ttl: 2 ** 40 - 1 }))).toBe(0);
    expect(h.tree.has('/b0000000001')).toBe(true);
  });
});

describe('delete/setData/setACL/check precedence (observed)', () => {
  const rows: [string, Request, number][] = [
    ['delete missing child, no DELETE on parent', { op: 'delete', path: '/dp/zz', version: -1 }, E.NOAUTH],
    ['delete existing, no DELETE', { op: 'delete', path: '/dp/c', version: -1 }, E.NOAUTH],
    ['delete bad version with children', { op: 'delete', path: '/dp', version: 7 }, E.BADVERSION],
    ['delete non-empty', { op: 'delete', path: '/dp', version: -1 }, E.NOTEMPTY],
    ['delete missing parent', { op: 'delete', path: '/nope/x', version: -1 }, E.NONODE],
    ['delete "/q/." (no full validation)', { op: 'delete', path: '/q/.', version: -1 }, E.NONODE],
    ['delete "/q/"', { op: 'delete', path: '/q/', version: -1 }, E.NONODE],
    ['delete no slash', { op: 'delete', path: 'abc', version: -1 }, E.BADARGUMENTS],
    ['delete /', { op: 'delete', path: '/', version: -1 }, E.BADARGUMENTS],
    ['delete /zookeeper', { op: 'delete', path: '/zookeeper', version: -1 }, E.BADARGUMENTS],
    ['delete /zookeeper/quota', { op: 'delete', path: '/zookeeper/quota', version: -1 }, E.BADARGUMENTS],
    ['delete /zookeeper/config', { op: 'delete', path: '/zookeeper/config', version: -1 }, E.BADARGUMENTS],
    ['setData "/q/."', { op: 'setData', path: '/q/.', data: Buffer.alloc(0), version: -1 }, E.BADARGUMENTS],
    ['setData "/q/"', { op: 'setData', path: '/q/', data: Buffer.alloc(0), version: -1 }, E.BADARGUMENTS],
    [
      'setData no WRITE + bad version',
      { op: 'setData', path: '/ro', data: Buffer.alloc(0), version: 9 },
      E.NOAUTH,
    ],
    [
      'setData /zookeeper/config',
      { op: 'setData', path: '/zookeeper/config', data: Buffer.alloc(1), version: -1 },
      E.NOAUTH,
    ],
    ['setData bad version', { op: 'setData', path: '/q', data: Buffer.alloc(0), version: 3 }, E.BADVERSION],
    ['setACL no ADMIN + bad version', { op: 'setACL', path: '/ro', acl: OPEN, version: 9 }, E.NOAUTH],
    ['setACL no ADMIN + invalid acl', { op: 'setACL', path: '/ro', acl: [], version: -1 }, E.INVALIDACL],
    [
      'setACL missing node + invalid acl',
      { op: 'setACL', path: '/missing', acl: [], version: -1 },
      E.INVALIDACL,
    ],
    ['setACL bad version + invalid acl', { op: 'setACL', path: '/q', acl: [], version: 9 }, E.INVALIDACL],
    ['setACL missing', { op: 'setACL', path: '/missing', acl: OPEN, version: -1 }, E.NONODE],
    ['check missing', { op: 'check', path: '/missing', version: 0 }, E.NONODE],
    ['check bad version', { op: 'check', path: '/q', version: 5 }, E.BADVERSION],
    ['check ok', { op: 'check', path: '/q', version: 0 }, 0],
  ];
  it.each(rows)('%s', (_n, req, code) => {
    expect(err(fixture(), req)).toBe(code);
  });
  it('check needs READ', () => {
    const h = new Harness();
    h.create('/w', 0, {}, Buffer.alloc(0), world(2));
    expect(err(h, { op: 'check', path: '/w', version: -1 })).toBe(E.NOAUTH);
  });
});

describe('ACL enforcement per op and scheme', () => {
  const alice = { scheme: 'digest', id: digestAuth('alice:secret') };
  const bob = { scheme: 'digest', id: digestAuth('bob:pw') };
  it('digest, ip and super on create/delete/setData/setACL', () => {
    const h = new Harness();
    h.create('/d', 0, {}, Buffer.alloc(0), [{ perms: 31, id: alice }]);
    h.create('/i', 0, {}, Buffer.alloc(0), [{ perms: 31, id: { scheme: 'ip', id: '10.0.0.0/8' } }]);
    const A = { authIds: [alice] };
    const B = { authIds: [bob] };
    expect(err(h, { ...cr('/d/x'), acl: OPEN } as Request)).toBe(E.NOAUTH);
    expect(h.run(cr('/d/x'), B).result).toEqual({ type: 'error', err: E.NOAUTH });
    expect(h.run(cr('/d/x'), A).result.type).toBe('create');
    expect(h.run({ op: 'setData', path: '/d', data: Buffer.alloc(0), version: -1 }, B).result).toEqual({
      type: 'error',
      err: E.NOAUTH,
    });
    expect(h.run({ op: 'setData', path: '/d', data: Buffer.alloc(0), version: -1 }, A).result.type).toBe(
      'setData',
    );
    expect(h.run({ op: 'delete', path: '/d/x', version: -1 }, B).result).toEqual({
      type: 'error',
      err: E.NOAUTH,
    });
    expect(h.run({ op: 'delete', path: '/d/x', version: -1 }, { isSuper: true }).result.type).toBe('delete');
    expect(h.run({ op: 'setACL', path: '/d', acl: OPEN, version: -1 }, B).result).toEqual({
      type: 'error',
      err: E.NOAUTH,
    });
    expect(h.run(cr('/i/x'), { authIds: [{ scheme: 'ip', id: '10.9.9.9' }] }).result.type).toBe('create');
    expect(h.run(cr('/i/y'), { authIds: [{ scheme: 'ip', id: '11.0.0.1' }] }).result).toEqual({
      type: 'error',
      err: E.NOAUTH,
    });
    expect(h.run(cr('/i/z'), { authIds: [{ scheme: 'super', id: 'super' }] }).result.type).toBe('create');
  });
  it('auth scheme expands to the caller digest id in the txn and the tree', () => {
    const h = new Harness();
    h.run(cr('/b1', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }]), {
      authIds: [{ scheme: 'ip', id: '127.0.0.1' }, alice],
    });
    expect(h.tree.getAcl('/b1')!.acl).toEqual([{ perms: 31, id: alice }]);
    expect(h.log.at(-1)!.body).toMatchObject({ acl: [{ perms: 31, id: alice }] });
  });
});

describe('multi', () => {
  it('failure: [0, code, -2], nothing applied, no outstanding changes left (observed)', () => {
    const h = fixture();
    const before = h.tree.digest();
    const r = h.run({
      op: 'multi',
      ops: [cr('/m1'), { op: 'setData', path: '/nonexist', data: Buffer.alloc(0), version: -1 }, cr('/m2')],
    });
    expect(r.result).toEqual({
      type: 'multi',
      results: [
        { type: 'error', err: 0 },
        { type: 'error', err: E.NONODE },
        { type: 'error', err: E.RUNTIMEINCONSISTENCY },
      ],
    });
    expect(h.tree.has('/m1')).toBe(false);
    expect(h.prep.outstandingCount).toBe(0);
    expect(h.tree.digest()).toBe(before);
    // the failed multi's staged create must not be visible to the next request
    expect(h.create('/m1')).toMatchObject({ type: 'create' });
  });
  it('sees its own earlier ops (create then delete parent+child; dup create fails)', () => {
    const h = new Harness();
    const ok = h.run({
      op: 'multi',
      ops: [
        cr('/mm'),
        cr('/mm/a', 2),
        { op: 'delete', path: '/mm/a0000000000', version: -1 },
        { op: 'delete', path: '/mm', version: -1 },
      ],
    });
    expect(ok.result).toMatchObject({
      type: 'multi',
      results: [{ path: '/mm' }, { path: '/mm/a0000000000' }, { type: 'delete' }, { type: 'delete' }],
    });
    const dup = h.run({ op: 'multi', ops: [cr('/mm'), cr('/mm')] });
    expect(dup.result).toEqual({
      type: 'multi',
      results: [
        { type: 'error', err: 0 },
        { type: 'error', err: E.NODEEXISTS },
      ],
    });
    const chk = h.run({ op: 'multi', ops: [{ op: 'check', path: '/', version: 5 }, cr('/x')] });
    expect(chk.result).toEqual({
      type: 'multi',
      results: [
        { type: 'error', err: E.BADVERSION },
        { type: 'error', err: E.RUNTIMEINCONSISTENCY },
      ],
    });
  });
  it('multi with a read op is a marshalling error', () => {
    const h = new Harness();
    expect(err(h, { op: 'multi', ops: [{ op: 'getData', path: '/', watch: false }] })).toBe(
      E.MARSHALLINGERROR,
    );
  });
});

describe('outstanding changes (future view)', () => {
  it('names, versions and existence come from prepared-but-unapplied requests', () => {
    const h = new Harness();
    const ctx = (zxid: number) => ({ sessionId: 5n, zxid, authIds: [] });
    expect(h.prep.prepare(cr('/a'), ctx(10))).toMatchObject({ type: 'create', parentCVersion: 1 });
    expect(h.prep.prepare(cr('/a/s-', 3), ctx(11))).toMatchObject({
      path: '/a/s-0000000000',
      ephemeralOwner: 5n,
    });
    expect(h.prep.prepare(cr('/a/s-', 2), ctx(12))).toMatchObject({ path: '/a/s-0000000001' });
    expect(h.prep.prepare(cr('/a'), ctx(13))).toEqual({ type: 'error', err: E.NODEEXISTS });
    expect(
      h.prep.prepare({ op: 'setData', path: '/a', data: Buffer.alloc(0), version: 0 }, ctx(14)),
    ).toMatchObject({ version: 1 });
    expect(h.prep.prepare({ op: 'setData', path: '/a', data: Buffer.alloc(0), version: 0 }, ctx(15))).toEqual(
      { type: 'error', err: E.BADVERSION },
    );
    expect(h.prep.prepare({ op: 'delete', path: '/a', version: -1 }, ctx(16))).toEqual({
      type: 'error',
      err: E.NOTEMPTY,
    });
    expect(h.prep.prepareCloseSession(5n, 17)).toEqual({ type: 'closeSession', paths: ['/a/s-0000000000'] });
    expect(h.prep.outstandingCount).toBeGreaterThan(0);
    h.prep.applied(17);
    expect(h.prep.outstandingCount).toBe(0);
    expect(h.prep.prepare(cr('/a'), ctx(18))).toMatchObject({ type: 'create' }); // tree never got /a
    h.prep.reset();
    expect(h.prep.outstandingCount).toBe(0);
  });
  it("a close's pending deletions live until its own zxid applies, not an earlier one", () => {
    const h = fixture(); // /e is ephemeral of session 9
    const epoch = 2 * 2 ** 32;
    // createSession took epoch|1 (the preparer never sees it), the close takes epoch|2
    expect(h.prep.prepareCloseSession(9n, epoch + 2)).toEqual({ type: 'closeSession', paths: ['/e'] });
    h.prep.applied(epoch + 1);
    const ctx = { sessionId: 7n, zxid: epoch + 3, authIds: [] };
    expect(h.prep.prepare(cr('/e', 1), ctx)).toMatchObject({ type: 'create', ephemeralOwner: 7n });
  });
});
