/**
 * Transactions: the idempotent "future state" form of a write (ZooKeeper paper §4.1).
 * The leader's preparer turns a request into a Txn against the tree plus its outstanding
 * changes; every member applies the same Txn in zxid order. Replaying a Txn that is already
 * reflected in the tree must be harmless (fuzzy snapshots rely on it).
 */
import type { ACL } from '../protocol/records.js';

export interface TxnHeader {
  /** session id that issued the request (0n for server-internal txns such as container reaping). */
  sessionId: bigint;
  /** client xid, so the member holding the connection can match the reply. */
  cxid: number;
  zxid: number;
  /** wall-clock ms chosen by the leader; every member stores the same ctime/mtime. */
  time: number;
}

export type TxnBody =
  | {
      type: 'create';
      path: string;
      /** null = the client sent no data (length -1); kept distinct from empty, as ZooKeeper does. */
      data: Buffer | null;
      acl: ACL[];
      /** 0 for persistent, a session id for ephemeral, CONTAINER/TTL markers as in EphemeralType. */
      ephemeralOwner: bigint;
      /** the parent's cversion after this create. */
      parentCVersion: number;
    }
  | { type: 'delete'; path: string }
  | { type: 'setData'; path: string; data: Buffer | null; version: number }
  | { type: 'setACL'; path: string; acl: ACL[]; version: number }
  | { type: 'check'; path: string; version: number }
  | { type: 'createSession'; timeOut: number; passwd: Buffer }
  | { type: 'closeSession'; /** ephemeral paths to delete, fixed by the preparer */ paths: string[] }
  | { type: 'error'; err: number }
  | { type: 'multi'; txns: TxnBody[] };

export interface Txn {
  header: TxnHeader;
  body: TxnBody;
}
