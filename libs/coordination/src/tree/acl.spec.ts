import { describe, expect, it } from 'vitest';
import { ErrorCode, Perms } from '../protocol/constants.js';
import type { ACL, Id } from '../protocol/records.js';
import { aclForCaller, checkAcl, digestAuth, fixupAcl, isValidAclId, maskAcl } from './acl.js';

const acl = (perms: number, scheme: string, id: string): ACL => ({ perms, id: { scheme, id } });
const ALICE = 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=';

describe('digestAuth', () => {
  it('matches ZooKeeper digests', () => {
    expect(digestAuth('super:test')).toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
    expect(digestAuth('alice:secret')).toBe(ALICE);
  });
});

describe('checkAcl', () => {
  const alice: Id = { scheme: 'digest', id: ALICE };
  it('empty acl is open, world:anyone matches everyone', () => {
    expect(checkAcl([], Perms.ADMIN, [])).toBe(true);
    expect(checkAcl([acl(Perms.READ, 'world', 'anyone')], Perms.READ, [])).toBe(true);
    expect(checkAcl([acl(Perms.READ, 'world', 'anyone')], Perms.WRITE, [])).toBe(false);
  });
  it('perms 0 denies everything (observed: get/getACL/create child all NOAUTH)', () => {
    for (const p of [Perms.READ, Perms.WRITE, Perms.CREATE, Perms.DELETE, Perms.ADMIN]) {
      expect(checkAcl([acl(0, 'world', 'anyone')], p, [])).toBe(false);
    }
  });
  it('each permission bit is checked on its own', () => {
    const all = [Perms.READ, Perms.WRITE, Perms.CREATE, Perms.DELETE, Perms.ADMIN];
    for (const granted of all) {
      for (const wanted of all) {
        expect(checkAcl([acl(granted, 'digest', ALICE)], wanted, [alice])).toBe(granted === wanted);
      }
    }
  });
  it('digest needs the exact id', () => {
    expect(checkAcl([acl(31, 'digest', ALICE)], Perms.READ, [alice])).toBe(true);
    expect(checkAcl([acl(31, 'digest', ALICE)], Perms.READ, [{ scheme: 'digest', id: 'alice:other' }])).toBe(
      false,
    );
    expect(checkAcl([acl(31, 'digest', ALICE)], Perms.READ, [{ scheme: 'ip', id: ALICE }])).toBe(false);
  });
  it('ip with and without prefix bits', () => {
    const me: Id[] = [{ scheme: 'ip', id: '10.1.2.3' }];
    expect(checkAcl([acl(31, 'ip', '10.1.2.3')], Perms.READ, me)).toBe(true);
    expect(checkAcl([acl(31, 'ip', '10.1.2.4')], Perms.READ, me)).toBe(false);
    expect(checkAcl([acl(31, 'ip', '10.0.0.0/8')], Perms.READ, me)).toBe(true);
    expect(checkAcl([acl(31, 'ip', '10.1.2.0/30')], Perms.READ, me)).toBe(true);
    expect(checkAcl([acl(31, 'ip', '10.1.2.4/30')], Perms.READ, me)).toBe(false);
    expect(checkAcl([acl(31, 'ip', '11.0.0.0/7')], Perms.READ, me)).toBe(true); // 10 and 11 share 7 bits
    expect(checkAcl([acl(31, 'ip', '0.0.0.0/0')], Perms.READ, me)).toBe(true);
  });
  it('super bypasses everything', () => {
    expect(checkAcl([acl(0, 'world', 'anyone')], Perms.ADMIN, [{ scheme: 'super', id: 'super' }])).toBe(true);
  });
});

describe('fixupAcl (observed INVALIDACL cases on 3.8.0)', () => {
  const alice: Id = { scheme: 'digest', id: ALICE };
  it.each([
    ['empty list', []],
    ['auth without ids', [acl(31, 'auth', '')]],
    ['world:foo', [acl(31, 'world', 'foo')]],
    ['digest without colon', [acl(31, 'digest', 'nocolon')]],
    ['digest u:', [acl(31, 'digest', 'u:')]],
    ['digest a:b:c', [acl(31, 'digest', 'a:b:c')]],
    ['ip 1.2.3', [acl(31, 'ip', '1.2.3')]],
    ['ip /33', [acl(31, 'ip', '1.2.3.4/33')]],
    ['ip v6', [acl(31, 'ip', '::1')]],
    ['ip octet 256', [acl(31, 'ip', '1.2.3.256')]],
    ['unknown scheme', [acl(31, 'bogus', 'x')]],
    ['super scheme', [acl(31, 'super', 'x')]],
  ] as [string, ACL[]][])('%s -> INVALIDACL', (_n, list) => {
    expect(() => fixupAcl(list, [{ scheme: 'ip', id: '127.0.0.1' }])).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALIDACL }),
    );
  });
  it('accepts odd-but-valid ids and perms as stored (observed: digest u:abc, perms 0 and 127)', () => {
    expect(fixupAcl([acl(31, 'digest', 'u:abc')], [])).toEqual([acl(31, 'digest', 'u:abc')]);
    expect(fixupAcl([acl(0, 'world', 'anyone')], [])).toEqual([acl(0, 'world', 'anyone')]);
    expect(fixupAcl([acl(127, 'world', 'anyone')], [])).toEqual([acl(127, 'world', 'anyone')]);
    expect(fixupAcl([acl(31, 'ip', '10.0.0.0/8')], [])).toHaveLength(1);
  });
  it('removes exact duplicates, keeping order (observed [31,31,1] -> [31,1])', () => {
    const list = [acl(31, 'world', 'anyone'), acl(31, 'world', 'anyone'), acl(1, 'world', 'anyone')];
    expect(fixupAcl(list, [])).toEqual([acl(31, 'world', 'anyone'), acl(1, 'world', 'anyone')]);
  });
  it('expands auth to authenticated non-ip ids', () => {
    const ids: Id[] = [{ scheme: 'ip', id: '127.0.0.1' }, alice, { scheme: 'super', id: 'super' }];
    expect(fixupAcl([acl(3, 'auth', ''), acl(1, 'world', 'anyone')], ids)).toEqual([
      acl(3, 'digest', ALICE),
      acl(1, 'world', 'anyone'),
    ]);
  });
  it('isValidAclId table', () => {
    expect(isValidAclId({ scheme: 'digest', id: ':abc' })).toBe(true);
    expect(isValidAclId({ scheme: 'ip', id: '+1.2.3.4' })).toBe(true); // Java parseInt takes a sign
    expect(isValidAclId({ scheme: 'ip', id: '1.2.3.4/x' })).toBe(false);
  });
});

describe('getACL masking (observed on 3.8.0)', () => {
  const alice: Id = { scheme: 'digest', id: ALICE };
  it('masks digest ids as user:x without ADMIN', () => {
    expect(maskAcl([acl(3, 'digest', ALICE), acl(1, 'world', 'anyone')])).toEqual([
      acl(3, 'digest', 'alice:x'),
      acl(1, 'world', 'anyone'),
    ]);
  });
  it('needs READ or ADMIN; unmasked with ADMIN or super', () => {
    const b2 = [acl(3, 'digest', ALICE), acl(1, 'world', 'anyone')];
    expect(aclForCaller(b2, [])).toEqual([acl(3, 'digest', 'alice:x'), acl(1, 'world', 'anyone')]);
    const b1 = [acl(31, 'digest', ALICE)];
    expect(() => aclForCaller(b1, [])).toThrow(expect.objectContaining({ code: ErrorCode.NOAUTH }));
    expect(aclForCaller(b1, [alice])).toEqual(b1);
    expect(aclForCaller([acl(5, 'digest', ALICE)], [alice])).toEqual([acl(5, 'digest', 'alice:x')]);
    expect(aclForCaller(b1, [{ scheme: 'super', id: 'super' }])).toEqual(b1);
    expect(() => aclForCaller([acl(Perms.WRITE, 'world', 'anyone')], [])).toThrow(
      expect.objectContaining({ code: ErrorCode.NOAUTH }),
    );
  });
});
