/**
 * The records of zookeeper.jute as TypeScript types. Field order here is wire order.
 * Zxids and times are JS numbers (a zxid is epoch<<32|counter; epochs stay far below 2^21,
 * so they are exact); session ids and ephemeralOwner are bigint because they use all 64 bits.
 */
import type { AddWatchMode, CreateFlags, EventType, KeeperState, WatcherType } from './constants.js';

export interface Id {
  scheme: string;
  id: string;
}

export interface ACL {
  perms: number;
  id: Id;
}

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  /** undefined when the client did not send the trailing byte (node-zookeeper-client). */
  readOnly: boolean | undefined;
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  /** Echoed only when the request carried it. */
  readOnly: boolean | undefined;
}

export interface RequestHeader {
  xid: number;
  type: number;
}

export interface ReplyHeader {
  xid: number;
  zxid: number;
  err: number;
}

/** Header before each sub-op of a multi request/response (MultiHeader in zookeeper.jute); 9 bytes. */
export interface MultiHeader {
  type: number;
  done: boolean;
  err: number;
}

export interface WatcherEvent {
  type: EventType;
  state: KeeperState;
  path: string;
}

// ---- request bodies, a discriminated union on `op` -------------------------------------------

export interface CreateRequest {
  op: 'create' | 'create2' | 'createContainer' | 'createTTL';
  path: string;
  /** null when the client sent length -1 (no data): stored and returned as null, like ZooKeeper. */
  data: Buffer | null;
  acl: ACL[];
  flags: CreateFlags | number;
  /** only for createTTL */
  ttl?: number;
}
export interface DeleteRequest {
  op: 'delete';
  path: string;
  version: number;
}
export interface PathWatchRequest {
  op: 'exists' | 'getData' | 'getChildren' | 'getChildren2';
  path: string;
  watch: boolean;
}
export interface SetDataRequest {
  op: 'setData';
  path: string;
  data: Buffer | null;
  version: number;
}
export interface GetACLRequest {
  op: 'getACL';
  path: string;
}
export interface SetACLRequest {
  op: 'setACL';
  path: string;
  acl: ACL[];
  version: number;
}
export interface CheckVersionRequest {
  op: 'check';
  path: string;
  version: number;
}
export interface PathOnlyRequest {
  op: 'sync' | 'getAllChildrenNumber' | 'getEphemerals';
  path: string;
}
export interface WatchesRequest {
  op: 'checkWatches' | 'removeWatches';
  path: string;
  type: WatcherType | number;
}
export interface AddWatchRequest {
  op: 'addWatch';
  path: string;
  mode: AddWatchMode | number;
}
export interface SetWatchesRequest {
  op: 'setWatches' | 'setWatches2';
  relativeZxid: number;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  /** setWatches2 only */
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}
export interface AuthRequest {
  op: 'auth';
  type: number;
  scheme: string;
  auth: Buffer;
}
/** Sub-operations of multi (create/create2/createContainer/createTTL/delete/setData/check) and multiRead (getData/getChildren). */
export type MultiSubRequest =
  | CreateRequest
  | DeleteRequest
  | SetDataRequest
  | CheckVersionRequest
  | (PathWatchRequest & { op: 'getData' | 'getChildren' });
export interface MultiRequest {
  op: 'multi' | 'multiRead';
  ops: MultiSubRequest[];
}
export interface NoBodyRequest {
  op: 'ping' | 'closeSession' | 'whoAmI';
}
export interface ReconfigRequest {
  op: 'reconfig';
  joiningServers: string | null;
  leavingServers: string | null;
  newMembers: string | null;
  curConfigId: number;
}

export type Request =
  | CreateRequest
  | DeleteRequest
  | PathWatchRequest
  | SetDataRequest
  | GetACLRequest
  | SetACLRequest
  | CheckVersionRequest
  | PathOnlyRequest
  | WatchesRequest
  | AddWatchRequest
  | SetWatchesRequest
  | AuthRequest
  | MultiRequest
  | NoBodyRequest
  | ReconfigRequest;

// ---- response bodies --------------------------------------------------------------------------

export type MultiSubResult =
  | { op: 'create'; path: string }
  | { op: 'create2'; path: string; stat: Stat }
  | { op: 'delete' }
  | { op: 'setData'; stat: Stat }
  | { op: 'check' }
  | { op: 'getData'; data: Buffer | null; stat: Stat }
  | { op: 'getChildren'; children: string[] }
  | { op: 'error'; err: number };

export type Response =
  | { op: 'create'; path: string }
  | { op: 'create2' | 'createContainer' | 'createTTL'; path: string; stat: Stat }
  | { op: 'exists' | 'setData' | 'setACL' | 'check'; stat: Stat }
  | { op: 'getData'; data: Buffer | null; stat: Stat }
  | { op: 'getChildren'; children: string[] }
  | { op: 'getChildren2'; children: string[]; stat: Stat }
  | { op: 'getACL'; acl: ACL[]; stat: Stat }
  | { op: 'sync'; path: string }
  | { op: 'getAllChildrenNumber'; totalNumber: number }
  | { op: 'getEphemerals'; ephemerals: string[] }
  | { op: 'whoAmI'; clientInfo: { authScheme: string; user: string }[] }
  | { op: 'multi' | 'multiRead'; results: MultiSubResult[] }
  | { op: 'addWatch' } // ErrorResponse{err=0} on the wire
  | { op: 'empty' }; // delete, ping, auth, setWatches, closeSession, removeWatches, checkWatches: header only
