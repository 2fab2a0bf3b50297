/**
 * ACL presets and digest helpers (ZooDefs.Ids and DigestAuthenticationProvider.generateDigest).
 */
import { createHash } from 'node:crypto';
import { Perms } from '../protocol/constants.js';
import type { ACL } from '../protocol/records.js';

/** Anyone may do anything (ZooDefs.Ids.OPEN_ACL_UNSAFE). The default for create. */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } },
]);
/** All permissions for the ids the creating connection authenticated with (auth scheme). */
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([
  { perms: Perms.ALL, id: { scheme: 'auth', id: '' } },
]);
/** Anyone may read. */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
]);

/**
 * The digest id ZooKeeper derives for `user:password`: `user:base64(sha1("user:password"))`.
 * @example digestId('alice', 'secret') // 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E='
 */
export function digestId(user: string, password: string): string {
  const hash = createHash('sha1').update(`${user}:${password}`).digest('base64');
  return `${user}:${hash}`;
}

/**
 * An ACL entry granting `perms` to the digest user.
 * @example await client.create('/x', 'v', { acl: [digestAcl('alice', 'secret', Perms.ALL)] });
 */
export function digestAcl(user: string, password: string, perms: number = Perms.ALL): ACL {
  return { perms, id: { scheme: 'digest', id: digestId(user, password) } };
}
