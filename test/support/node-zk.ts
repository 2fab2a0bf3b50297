import zookeeper, {
  type ACL,
  type Client,
  type Event,
  type OpResult,
  type Stat,
} from 'node-zookeeper-client';

/**
 * A promise-returning wrapper over one node-zookeeper-client session, for the interop suites.
 *
 * @example
 * const c = await NodeZkSession.connect(zk.connectString);
 * await c.create('/a', 'x');
 * c.close();
 */
export class NodeZkSession {
  private constructor(readonly client: Client) {}

  /** Connects and resolves once the session is established. */
  static connect(
    connectString: string,
    timeoutMs = 15_000,
    sessionTimeoutMs = 10_000,
  ): Promise<NodeZkSession> {
    const client = zookeeper.createClient(connectString, { sessionTimeout: sessionTimeoutMs, retries: 0 });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new Error(`node-zookeeper-client: no session with ${connectString} within ${timeoutMs} ms`));
      }, timeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve(new NodeZkSession(client));
      });
      client.connect();
    });
  }

  sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  create(
    path: string,
    data: string | null = null,
    mode: number = zookeeper.CreateMode.PERSISTENT,
    acls: ACL[] = zookeeper.ACL.OPEN_ACL_UNSAFE,
  ): Promise<string> {
    return call<[string]>((cb) =>
      this.client.create(path, data === null ? null : Buffer.from(data), acls, mode, cb),
    ).then(([p]) => p);
  }

  getData(path: string, watcher?: (e: Event) => void): Promise<{ data: string | null; stat: Stat }> {
    return call<[Buffer | undefined, Stat]>((cb) => this.client.getData(path, watcher, cb)).then(
      ([d, stat]) => ({
        data: d === undefined || d === null ? null : d.toString('utf8'),
        stat,
      }),
    );
  }

  setData(path: string, data: string, version = -1): Promise<Stat> {
    return call<[Stat]>((cb) => this.client.setData(path, Buffer.from(data), version, cb)).then(([s]) => s);
  }

  remove(path: string, version = -1): Promise<void> {
    return call<[]>((cb) => this.client.remove(path, version, cb)).then(() => undefined);
  }

  exists(path: string, watcher?: (e: Event) => void): Promise<Stat | null> {
    return call<[Stat | null]>((cb) => this.client.exists(path, watcher, cb)).then(([s]) => s ?? null);
  }

  getChildren(path: string, watcher?: (e: Event) => void): Promise<{ children: string[]; stat: Stat }> {
    return call<[string[], Stat]>((cb) => this.client.getChildren(path, watcher, cb)).then(
      ([children, stat]) => ({ children, stat }),
    );
  }

  getACL(path: string): Promise<{ acls: ACL[]; stat: Stat }> {
    return call<[ACL[], Stat]>((cb) => this.client.getACL(path, cb)).then(([acls, stat]) => ({ acls, stat }));
  }

  setACL(path: string, acls: ACL[], version = -1): Promise<Stat> {
    return call<[Stat]>((cb) => this.client.setACL(path, acls, version, cb)).then(([s]) => s);
  }

  /** Commits a transaction built by `build`; resolves with the results or rejects with the first error. */
  multi(build: (t: ReturnType<Client['transaction']>) => void): Promise<OpResult[]> {
    const t = this.client.transaction();
    build(t);
    return call<[OpResult[]]>((cb) => t.commit(cb)).then(([r]) => r);
  }

  addAuth(scheme: string, auth: string): void {
    this.client.addAuthInfo(scheme, Buffer.from(auth));
  }

  /** Closes the session and waits for the client to report it. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.close();
    });
  }
}

/** The error name of a node-zookeeper-client failure (e.g. "NO_NODE"), or null on success. */
export async function errorName(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (err) {
    const e = err as { getName?: () => string; message?: string };
    return e.getName?.() ?? e.message ?? String(err);
  }
}

function call<T extends unknown[]>(
  invoke: (cb: (error: Error | null, ...rest: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((error, ...rest) => (error ? reject(error) : resolve(rest)));
  });
}
