/**
 * The quorum I/O links between ensemble members: moves `ZabMessage`s, nothing else (ZAB itself is the
 * pure state machine in ../../zab). Each member listens on its quorumPort and electionPort (zoo.cfg
 * `server.N=host:quorumPort:electionPort`).
 *
 * Topology: for each (peer, port kind) there is ONE outbound TCP connection, opened by the sender and
 * used only to send; connections a member accepts are only read from. So A->B traffic never shares a
 * socket with B->A traffic, and no tie-breaking between simultaneous dials is needed (ZooKeeper's
 * QuorumCnxManager needs one because its connections are bidirectional). Votes (`isElectionMessage`)
 * go to the election port, everything else to the quorum port; order is preserved within one
 * connection, and ZAB tolerates loss, duplication and reordering across reconnects.
 *
 * Wire: every frame is a 4-byte BE length + payload; the first frame is a hello (link-hello.ts),
 * the rest are `encodeZabMessage` payloads.
 *
 * Connection state: `connected(peer)` and the linkUp/linkDown events mean "my outbound QUORUM link to
 * `peer` is up" (that is the link a leader's proposals and a follower's acks travel on). The election
 * link's state is in `stats()`. A link is dialled lazily on the first message for it and redialled
 * with jittered exponential backoff while the links are started.
 *
 * @example
 * const links = new PeerLinks({ myId: 1, peers, isElectionMessage: (m) => m.type === 'vote' });
 * links.on('message', (from, msg) => { peer.step(from, msg); drain(peer.ready()); });
 * await links.start();
 * for (const { to, msg } of ready.messages) links.send(to, msg);
 * await links.stop();
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

import { encodeZabMessage } from '../../zab/message-codec.js';
import type { ZabMessage } from '../../zab/messages.js';
import { QuorumBindError, QuorumLinkError } from './errors.js';
import { InboundLink } from './inbound-link.js';
import type { LinkKind } from './link-hello.js';
import { OutboundLink } from './outbound-link.js';

export { QuorumBindError, QuorumLinkError } from './errors.js';
export type { LinkKind } from './link-hello.js';

/** Where a member listens (zoo.cfg `server.N`; `PeerSpec` from member-config.ts fits). */
export interface PeerAddress {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

export interface PeerLinksOptions {
  myId: number;
  /** Every member including me; I listen on my own quorumPort and electionPort. */
  peers: PeerAddress[];
  /** Address both listeners bind to. Default: my own host from `peers`. */
  bindHost?: string;
  /** Routes votes to the election port, the rest to the quorum port. */
  isElectionMessage(msg: ZabMessage): boolean;
  /** First reconnect delay, ms. Default 50. */
  reconnectMinMs?: number;
  /** Cap of the exponential, jittered reconnect delay, ms. Default 2000. */
  reconnectMaxMs?: number;
  /** Source of reconnect jitter in [0, 1) (the member's Rng). */
  rng: () => number;
  /** Milliseconds, for how long a link stayed up (the member's Clock). */
  now: () => number;
  /**
   * Largest message payload, bytes. Default 64 MiB (SNAP payloads can be large). A bigger incoming
   * frame closes that connection; a bigger outgoing message is dropped (counted in stats).
   */
  maxFrameBytes?: number;
  /**
   * Bound of each outbound link's queue (while disconnected or while the socket applies back
   * pressure), in frame bytes. When full, the OLDEST queued messages are dropped; a single message
   * larger than the bound is dropped itself. Default: maxFrameBytes + 8 MiB.
   */
  maxQueuedBytes?: number;
}

/** Per-peer link counters (`stats()`). */
export interface PeerLinkStats {
  peer: number;
  /** My outbound quorum link to the peer is up (same as `connected(peer)`). */
  quorumUp: boolean;
  /** My outbound election link to the peer is up. */
  electionUp: boolean;
  /** Bytes written to my outbound links to the peer (hello and length prefixes included). */
  sentBytes: number;
  /** Bytes read from the peer's connections to me, once identified by their hello. */
  receivedBytes: number;
  /** Connection attempts after the first, over both outbound links (grows while a peer is away). */
  reconnects: number;
  /** Messages to the peer dropped: queue bound hit, or larger than maxFrameBytes. */
  droppedMessages: number;
  /** Bytes waiting in both outbound queues. */
  queuedBytes: number;
}

type PeerLinksEvents = {
  message: [from: number, msg: ZabMessage];
  linkUp: [peer: number];
  linkDown: [peer: number];
};

interface PeerState {
  readonly address: PeerAddress;
  readonly quorum: OutboundLink;
  readonly election: OutboundLink;
  receivedBytes: number;
  oversized: number;
}

const MIB = 1024 * 1024;
const MAX_ID = 0xffffffff;

/**
 * The quorum and election links of one member. No event is emitted once stop() was called:
 * `message` for every decoded message from a peer; `linkUp`/`linkDown` on each transition of
 * `connected(peer)`.
 */
export class PeerLinks extends EventEmitter<PeerLinksEvents> {
  private readonly myId: number;
  private readonly me: PeerAddress;
  private readonly bindHost: string;
  private readonly maxFrameBytes: number;
  private readonly isElection: (msg: ZabMessage) => boolean;
  private readonly peers = new Map<number, PeerState>();
  private readonly servers: Server[] = [];
  /** Every accepted connection, identified or not, so stop() can close them. */
  private readonly inbound = new Set<InboundLink>();
  /** The current identified inbound connection per `${peer}/${kind}`: a newer one replaces it. */
  private readonly inboundByKey = new Map<string, InboundLink>();
  private state: 'new' | 'starting' | 'started' | 'stopped' = 'new';

  constructor(opts: PeerLinksOptions) {
    super();
    const me = opts.peers.find((p) => p.id === opts.myId);
    if (me === undefined) throw new QuorumLinkError(`myId ${opts.myId} is not among the peers`);
    const minMs = opts.reconnectMinMs ?? 50;
    const maxMs = Math.max(minMs, opts.reconnectMaxMs ?? 2000);
    const maxFrameBytes = opts.maxFrameBytes ?? 64 * MIB;
    const maxQueuedBytes = opts.maxQueuedBytes ?? maxFrameBytes + 8 * MIB;
    if (!(minMs > 0) || !(maxFrameBytes > 0) || !(maxQueuedBytes > 0)) {
      throw new QuorumLinkError('reconnectMinMs, maxFrameBytes and maxQueuedBytes must be positive');
    }
    // The frame decoder reads the length as int32.
    if (maxFrameBytes > 0x7fffffff) throw new QuorumLinkError('maxFrameBytes must be below 2 GiB');
    this.myId = opts.myId;
    this.me = me;
    this.bindHost = opts.bindHost ?? me.host;
    this.maxFrameBytes = maxFrameBytes;
    this.isElection = opts.isElectionMessage;
    const { rng, now } = opts;
    for (const address of opts.peers) {
      if (!Number.isInteger(address.id) || address.id < 0 || address.id > MAX_ID) {
        throw new QuorumLinkError(`member id ${address.id} is not a u32`);
      }
      if (this.peers.has(address.id)) throw new QuorumLinkError(`member ${address.id} listed twice`);
      if (address.id === this.myId) continue;
      const link = (kind: LinkKind, port: number): OutboundLink =>
        new OutboundLink({
          myId: this.myId,
          peerId: address.id,
          kind,
          host: address.host,
          port,
          maxQueuedBytes,
          reconnectMinMs: minMs,
          reconnectMaxMs: maxMs,
          rng,
          now,
          // Only the quorum link drives connected()/linkUp/linkDown.
          onUp: () => {
            if (kind === 'quorum' && this.state !== 'stopped') this.emit('linkUp', address.id);
          },
          onDown: () => {
            if (kind === 'quorum' && this.state !== 'stopped') this.emit('linkDown', address.id);
          },
        });
      this.peers.set(address.id, {
        address,
        quorum: link('quorum', address.quorumPort),
        election: link('election', address.electionPort),
        receivedBytes: 0,
        oversized: 0,
      });
    }
  }

  /**
   * Binds the quorum and election listeners. Rejects with QuorumBindError (naming the port) when one
   * cannot be bound; then nothing stays bound. Call once.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new QuorumLinkError(`start() called when ${this.state}`);
    this.state = 'starting';
    try {
      this.servers.push(await this.listen('quorum', this.me.quorumPort));
      this.servers.push(await this.listen('election', this.me.electionPort));
    } catch (e) {
      // Also cancels links dialled by send() before start().
      await this.stop();
      throw e;
    }
    // stop() during start(): it already ran its course, so close what we just bound.
    if (this.state !== 'starting') {
      await this.closeServers();
      return;
    }
    this.state = 'started';
  }

  /**
   * Queues `msg` for `to` (election port if `isElectionMessage(msg)`, else quorum port) and dials the
   * link if needed. Never throws for a down or unreachable peer: the message waits in the bounded queue
   * (or is dropped, see maxQueuedBytes). A message to myself, or after stop(), is ignored.
   * @throws QuorumLinkError for an id that is not a configured member (a caller bug).
   * @throws ZabCodecError if the message cannot be encoded (a caller bug).
   */
  send(to: number, msg: ZabMessage): void {
    if (this.state === 'stopped' || to === this.myId) return;
    const peer = this.peers.get(to);
    if (peer === undefined) throw new QuorumLinkError(`send to unknown member ${to}`);
    const payload = encodeZabMessage(msg);
    if (payload.length > this.maxFrameBytes) {
      peer.oversized++;
      return;
    }
    (this.isElection(msg) ? peer.election : peer.quorum).enqueue(payload);
  }

  /**
   * Bytes queued on my outbound quorum link to `peer` and not yet taken by its socket (0 for myself
   * and unknown ids). A sender of bulk data (a SNAP stream) waits while this is high.
   */
  queuedBytes(peer: number): number {
    return this.peers.get(peer)?.quorum.queued ?? 0;
  }

  /** Resolves once at most `bytes` are queued for `peer` (or its link closed; at once for unknown ids). */
  whenQueuedAtMost(peer: number, bytes: number): Promise<void> {
    return this.peers.get(peer)?.quorum.whenQueuedAtMost(bytes) ?? Promise.resolve();
  }

  /** True when my outbound quorum link to `peer` is up (false for myself and unknown ids). */
  connected(peer: number): boolean {
    return this.peers.get(peer)?.quorum.up ?? false;
  }

  /** One row per other member, in configuration order. */
  stats(): PeerLinkStats[] {
    return [...this.peers.values()].map((p) => ({
      peer: p.address.id,
      quorumUp: p.quorum.up,
      electionUp: p.election.up,
      sentBytes: p.quorum.sentBytes + p.election.sentBytes,
      receivedBytes: p.receivedBytes,
      reconnects: p.quorum.reconnects + p.election.reconnects,
      droppedMessages: p.quorum.dropped + p.election.dropped + p.oversized,
      queuedBytes: p.quorum.queued + p.election.queued,
    }));
  }

  /**
   * Closes both listeners and every connection, cancels reconnect timers, drops queued messages.
   * No events are emitted once called. Resolves when every socket and listener is closed.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    const closing: Promise<void>[] = [];
    for (const p of this.peers.values()) closing.push(p.quorum.close(), p.election.close());
    for (const link of this.inbound) closing.push(closeSocket(link.socket));
    // net.Server#close only stops accepting; its callback waits for accepted sockets, destroyed above.
    closing.push(this.closeServers());
    await Promise.all(closing);
  }

  private listen(kind: LinkKind, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.accept(kind, socket));
      const onError = (err: Error): void => {
        reject(new QuorumBindError(kind, this.bindHost, port, err));
      };
      server.once('error', onError);
      server.listen({ host: this.bindHost, port, exclusive: true }, () => {
        server.off('error', onError);
        // Later listener errors (EMFILE on accept, ...) must not crash the member; accept goes on.
        server.on('error', () => {});
        resolve(server);
      });
    });
  }

  private accept(kind: LinkKind, socket: Socket): void {
    if (this.state === 'stopped') {
      socket.destroy();
      return;
    }
    const link = new InboundLink(socket, {
      myId: this.myId,
      kind,
      maxFrameBytes: this.maxFrameBytes,
      isPeer: (id) => this.peers.has(id),
      onIdentified: (l) => {
        // A peer redials only after losing its connection; if we still hold the old one it is
        // half-open (the peer restarted or its FIN was lost): the newest connection wins.
        const key = `${l.peer}/${kind}`;
        const old = this.inboundByKey.get(key);
        this.inboundByKey.set(key, l);
        old?.reject('replaced by a newer connection from the same member');
      },
      onMessage: (from, msg) => {
        if (this.state !== 'stopped') this.emit('message', from, msg);
      },
      onBytes: (from, n) => {
        const p = this.peers.get(from);
        if (p !== undefined) p.receivedBytes += n;
      },
      onClose: (l) => {
        this.inbound.delete(l);
        const key = `${l.peer}/${kind}`;
        if (this.inboundByKey.get(key) === l) this.inboundByKey.delete(key);
      },
    });
    this.inbound.add(link);
  }

  private async closeServers(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(
      servers.map(
        (s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve())),
      ),
    );
  }
}

function closeSocket(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
}
