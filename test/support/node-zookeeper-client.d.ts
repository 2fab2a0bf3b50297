// Minimal typings for node-zookeeper-client 1.1.3 (the package ships none), covering what the interop
// suites use. Shapes follow the package's index.js and lib/*.js.
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  export class Id {
    constructor(scheme: string, id: string);
    scheme: string;
    id: string;
  }
  export class ACL {
    constructor(permission: number, id: Id);
    permission: number;
    id: Id;
    static OPEN_ACL_UNSAFE: ACL[];
    static CREATOR_ALL_ACL: ACL[];
    static READ_ACL_UNSAFE: ACL[];
  }
  export const Permission: {
    READ: number;
    WRITE: number;
    CREATE: number;
    DELETE: number;
    ADMIN: number;
    ALL: number;
  };
  export const CreateMode: { PERSISTENT: 0; PERSISTENT_SEQUENTIAL: 2; EPHEMERAL: 1; EPHEMERAL_SEQUENTIAL: 3 };
  export class Event {
    static NODE_CREATED: 1;
    static NODE_DELETED: 2;
    static NODE_DATA_CHANGED: 3;
    static NODE_CHILDREN_CHANGED: 4;
    type: number;
    name: string;
    path: string;
    getType(): number;
    getName(): string;
    getPath(): string;
  }
  export class Exception extends Error {
    static OK: 0;
    static NO_NODE: -101;
    static NO_AUTH: -102;
    static BAD_VERSION: -103;
    static NO_CHILDREN_FOR_EPHEMERALS: -108;
    static NODE_EXISTS: -110;
    static NOT_EMPTY: -111;
    static INVALID_ACL: -114;
    code: number;
    getCode(): number;
    getName(): string;
  }
  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }
  export interface OpResult {
    type: number;
    path?: string;
    stat?: Stat;
    err?: number;
  }
  type Callback<T extends unknown[]> = (error: Exception | Error | null, ...rest: T) => void;
  type Watcher = (event: Event) => void;
  export class Transaction {
    create(path: string, data?: Buffer | null, acls?: ACL[], mode?: number): Transaction;
    check(path: string, version?: number): Transaction;
    setData(path: string, data: Buffer | null, version?: number): Transaction;
    remove(path: string, version?: number): Transaction;
    commit(callback: Callback<[OpResult[]]>): void;
  }
  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionId(): Buffer;
    getState(): { name: string; code: number };
    addAuthInfo(scheme: string, auth: Buffer): void;
    create(path: string, data: Buffer | null, acls: ACL[], mode: number, callback: Callback<[string]>): void;
    remove(path: string, version: number, callback: Callback<[]>): void;
    setData(path: string, data: Buffer | null, version: number, callback: Callback<[Stat]>): void;
    getData(path: string, watcher: Watcher | undefined, callback: Callback<[Buffer | undefined, Stat]>): void;
    setACL(path: string, acls: ACL[], version: number, callback: Callback<[Stat]>): void;
    getACL(path: string, callback: Callback<[ACL[], Stat]>): void;
    exists(path: string, watcher: Watcher | undefined, callback: Callback<[Stat | null]>): void;
    getChildren(path: string, watcher: Watcher | undefined, callback: Callback<[string[], Stat]>): void;
    mkdirp(path: string, callback: Callback<[string]>): void;
    transaction(): Transaction;
  }
  export function createClient(
    connectionString: string,
    options?: { sessionTimeout?: number; spinDelay?: number; retries?: number },
  ): Client;
}
