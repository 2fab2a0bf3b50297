/**
 * ACL schemes and checks, following ZooKeeper 3.8's ZooKeeperServer.checkACL, PrepRequestProcessor
 * .fixupACL and the ip/digest AuthenticationProviders. Observed against Apache ZooKeeper 3.8.0:
 * - duplicates are removed (first occurrence kept) before validation; an empty list is INVALIDACL;
 * - `world` is valid only as `world:anyone`; `super`, unknown schemes and IPv6 ip ids are INVALIDACL;
 * - perms are stored as given (0 and 127 are accepted);
 * - getACL needs READ or ADMIN; without ADMIN digest ids come back as `user:x`.
 */
import { createHash } from 'node:crypto';
import { Perms } from '../protocol/constants.js';
import { InvalidACLError, NoAuthError } from '../protocol/errors.js';
import type { ACL, Id } from '../protocol/records.js';

/** world:anyone with all permissions (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } },
]);
/** world:anyone read-only (ZooDefs.Ids.READ_ACL_UNSAFE), the ACL of /zookeeper/config. */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([
  { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
]);

/** Schemes whose ids count as "authenticated" when expanding the `auth` scheme (ip does not). */
const AUTHENTICATED_SCHEMES = new Set(['digest', 'x509', 'sasl']);

/**
 * ZooKeeper's digest id for "user:password": user + ':' + base64(sha1("user:password")).
 * @example digestAuth('alice:secret') === 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E='
 */
export function digestAuth(userColonPassword: string): string {
  const colon = userColonPassword.indexOf(':');
  const user = colon < 0 ? userColonPassword : userColonPassword.slice(0, colon);
  return `${user}:${createHash('sha1').update(userColonPassword, 'utf8').digest('base64')}`;
}

/** Java's Integer.parseInt accepting an optional sign, or undefined. */
function javaInt(s: string): number | undefined {
  if (!/^[+-]?\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : undefined;
}

/** IPv4 text to 4 bytes, as IPAuthenticationProvider.v4addr2Bytes (3.8.0 has no IPv6 support here). */
function ipv4Bytes(addr: string): number[] | undefined {
  const parts = addr.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const part of parts) {
    const v = javaInt(part);
    if (v === undefined || v < 0 || v > 255) return undefined;
    out.push(v);
  }
  return out;
}

/** Parses "a.b.c.d" or "a.b.c.d/bits". */
function parseIpAcl(id: string): { bytes: number[]; bits: number } | undefined {
  const slash = id.indexOf('/');
  const bytes = ipv4Bytes(slash < 0 ? id : id.slice(0, slash));
  if (!bytes) return undefined;
  if (slash < 0) return { bytes, bits: 32 };
  const bits = javaInt(id.slice(slash + 1));
  if (bits === undefined || bits < 0 || bits > 32) return undefined;
  return { bytes, bits };
}

/** Java String.split(":") element count (trailing empty strings dropped). */
function javaSplitCount(s: string, sep: string): number {
  const parts = s.split(sep);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 1 && parts[0] === '') return s.length === 0 ? 1 : 0;
  return parts.length;
}

/** Whether an ACL id is well-formed for its scheme (AuthenticationProvider.isValid). */
export function isValidAclId(id: Id): boolean {
  switch (id.scheme) {
    case 'world':
      return id.id === 'anyone';
    case 'digest':
      return javaSplitCount(id.id, ':') === 2;
    case 'ip':
      return parseIpAcl(id.id) !== undefined;
    default:
      return false;
  }
}

function ipMatches(clientAddr: string, aclExpr: string): boolean {
  const acl = parseIpAcl(aclExpr);
  const client = ipv4Bytes(clientAddr);
  if (!acl || !client) return false;
  let bits = acl.bits;
  for (let i = 0; i < 4 && bits > 0; i++) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((client[i]! & mask) !== (acl.bytes[i]! & mask)) return false;
    bits -= 8;
  }
  return true;
}

/** True if the caller holds the `super` id (bypasses every ACL). */
export function isSuperIds(ids: readonly Id[]): boolean {
  return ids.some((i) => i.scheme === 'super');
}

/**
 * Whether a caller with `ids` may do `perm` on a node with `acl` (ZooKeeperServer.checkACL).
 * An empty ACL is open; a `super` id bypasses everything; `perm` may be a mask (any bit suffices).
 * @example checkAcl(OPEN_ACL_UNSAFE, Perms.WRITE, []) === true
 */
export function checkAcl(acl: readonly ACL[], perm: number, ids: readonly Id[]): boolean {
  if (acl.length === 0) return true;
  if (isSuperIds(ids)) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    const { scheme, id } = a.id;
    if (scheme === 'world' && id === 'anyone') return true;
    for (const mine of ids) {
      if (mine.scheme !== scheme) continue;
      if (
        scheme === 'ip'
          ? ipMatches(mine.id, id)
          : (scheme === 'digest' || AUTHENTICATED_SCHEMES.has(scheme)) && mine.id === id
      ) {
        return true;
      }
    }
  }
  return false;
}

/** Throws NoAuthError unless {@link checkAcl} passes. */
export function requireAcl(acl: readonly ACL[], perm: number, ids: readonly Id[], path?: string): void {
  if (!checkAcl(acl, perm, ids)) throw new NoAuthError(path);
}

function sameAcl(a: ACL, b: ACL): boolean {
  return a.perms === b.perms && a.id.scheme === b.id.scheme && a.id.id === b.id.id;
}

/**
 * Validates and normalises an ACL list for create/setACL (PrepRequestProcessor.fixupACL):
 * exact duplicates removed, `auth` expanded to the caller's authenticated (non-ip, non-super) ids.
 * Throws InvalidACLError on an empty list, a bad scheme/id, or `auth` without authenticated ids.
 */
export function fixupAcl(acl: readonly ACL[] | null | undefined, ids: readonly Id[], path?: string): ACL[] {
  const unique: ACL[] = [];
  for (const a of acl ?? []) if (!unique.some((u) => sameAcl(u, a))) unique.push(a);
  if (unique.length === 0) throw new InvalidACLError(path);
  const out: ACL[] = [];
  for (const a of unique) {
    if (!a.id || a.id.scheme == null) throw new InvalidACLError(path);
    const scheme = a.id.scheme;
    const id = a.id.id ?? '';
    if (scheme === 'world' && id === 'anyone') {
      out.push({ perms: a.perms, id: { scheme, id } });
    } else if (scheme === 'auth') {
      let any = false;
      for (const mine of ids) {
        if (!AUTHENTICATED_SCHEMES.has(mine.scheme)) continue;
        any = true;
        out.push({ perms: a.perms, id: { scheme: mine.scheme, id: mine.id } });
      }
      if (!any) throw new InvalidACLError(path);
    } else {
      if (!isValidAclId({ scheme, id })) throw new InvalidACLError(path);
      out.push({ perms: a.perms, id: { scheme, id } });
    }
  }
  return out;
}

/** getACL's view for a caller without ADMIN: digest ids become "user:x" (FinalRequestProcessor). */
export function maskAcl(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => {
    if (a.id.scheme !== 'digest') return a;
    const colon = a.id.id.indexOf(':');
    return colon < 0 ? a : { perms: a.perms, id: { scheme: 'digest', id: a.id.id.slice(0, colon) + ':x' } };
  });
}

/**
 * The ACL list getACL returns to a caller: needs READ or ADMIN (else NoAuthError); unmasked with
 * ADMIN (or super), masked otherwise. Observed on 3.8.0: a READ-only digest user sees `alice:x`.
 */
export function aclForCaller(acl: readonly ACL[], ids: readonly Id[], path?: string): ACL[] {
  requireAcl(acl, Perms.READ | Perms.ADMIN, ids, path);
  return checkAcl(acl, Perms.ADMIN, ids) ? [...acl] : maskAcl(acl);
}

/** A stable key for interning ACL lists. */
export function aclKey(acl: readonly ACL[]): string {
  let k = '';
  for (const a of acl) k += `${a.perms}\u0000${a.id.scheme}\u0000${a.id.id}\u0001`;
  return k;
}
