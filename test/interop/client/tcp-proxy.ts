import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy the tests can cut: `cut()` drops every proxied connection and refuses new
 * ones (accepts and closes at once), `restore()` forwards again. Lets a test partition ONE client
 * from the server while other clients keep working, which SIGSTOP on the server cannot do.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private blocked = false;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: this.targetHost, port: this.targetPort });
      this.sockets.add(client);
      this.sockets.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const done = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', done).on('close', done);
      upstream.on('error', done).on('close', done);
    });
    await new Promise<void>((resolve) => this.server!.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const addr = this.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no proxy port');
    this.port = addr.port;
  }

  get connectString(): string {
    return `127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.blocked = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.blocked = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
