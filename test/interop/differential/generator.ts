/**
 * Seeded generator of request sequences. Pure: each call to `next` draws from the seeded PRNG and
 * steers by the model state the driver keeps from the reference server's answers (which sessions
 * are open, which paths exist), so one seed always replays the same sequence against Apache.
 * It aims for coverage of the wire: every opcode, valid and invalid paths, versions, ACLs, watches,
 * auth with arbitrary xids, multi/multiRead with mixed results, and hostile frames.
 */
import { JuteWriter } from '../../../libs/coordination/src/protocol/jute-writer.js';
import type { ACL, MultiSubRequest, Request } from '../../../libs/coordination/src/protocol/records.js';
import { encodeRequest } from '../../../libs/coordination/src/protocol/request-codec.js';
import { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import type { ModelState, RelativeZxid, Step } from './scenario.js';

export interface GeneratorOptions {
  /** members to spread connections over (1 = standalone). */
  members: number;
  /** steps per sequence, inclusive range. */
  minSteps?: number;
  maxSteps?: number;
  /** most sessions a sequence opens. */
  maxSessions?: number;
}

const WORLD = { scheme: 'world', id: 'anyone' };
// digest ids are base64(sha1("user:password")): fixed strings, the same on both servers.
const U1_DIGEST = 'u1:fpT/y03U+EjItKZOSLGvjnJlyng=';
const ACL_POOL: ACL[][] = [
  [{ perms: 31, id: WORLD }],
  [{ perms: 31, id: WORLD }],
  [{ perms: 1, id: WORLD }],
  [{ perms: 0, id: WORLD }],
  [{ perms: 15, id: WORLD }],
  [{ perms: 31, id: { scheme: 'auth', id: '' } }],
  [{ perms: 31, id: { scheme: 'digest', id: U1_DIGEST } }],
  [
    { perms: 1, id: WORLD },
    { perms: 31, id: { scheme: 'digest', id: U1_DIGEST } },
  ],
  [{ perms: 31, id: { scheme: 'ip', id: '127.0.0.1' } }],
  [{ perms: 31, id: { scheme: 'ip', id: '10.0.0.0/8' } }],
  [{ perms: 31, id: { scheme: 'ip', id: 'not-an-ip' } }],
  [{ perms: 31, id: { scheme: 'foo', id: 'bar' } }],
  [{ perms: 31, id: { scheme: 'digest', id: 'nocolon' } }],
  [{ perms: 32, id: WORLD }],
  [],
];
const AUTH_POOL: [string, string][] = [
  ['digest', 'u1:p1'],
  ['digest', 'u1:p1'],
  ['digest', 'u2:p2'],
  ['digest', 'nocolon'],
  ['ip', '127.0.0.1'],
  ['world', 'anyone'],
  ['foo', 'bar'],
  ['super', 'x'],
  ['', ''],
];
/** xids a misbehaving client might use; the barrier range (see BARRIER_XID_BASE) stays clear. */
const ODD_XIDS = [-4, -2, -8, -1, 0, 7, -3, -100, 0x7fffffff, -0x80000000, 1];

export class SequenceGenerator {
  private readonly rng: SeededRng;
  private readonly length: number;
  private stepIndex = 0;
  private readonly nextXid: number[] = [];
  private readonly maxSessions: number;

  /**
   * @param root the sequence's own root path (created by its first request)
   */
  constructor(
    seed: number,
    readonly root: string,
    private readonly opts: GeneratorOptions,
  ) {
    this.rng = new SeededRng(seed);
    this.length = this.rng.between(opts.minSteps ?? 12, opts.maxSteps ?? 30);
    this.maxSessions = opts.maxSessions ?? 3;
  }

  /** The next step, or undefined when the sequence is complete. */
  next(state: ModelState): Step | undefined {
    const i = this.stepIndex++;
    if (i === 0) return this.connect(0);
    if (i === 1) return this.request(0, this.create(this.root, 0, [{ perms: 31, id: WORLD }]));
    if (i >= this.length) return undefined;
    const open = indices(state.sessions, 'open');
    const dropped = indices(state.sessions, 'dropped');
    const r = this.rng.next();
    if (open.length === 0 || r < 0.04) {
      if (dropped.length > 0 && this.rng.chance(0.6)) return this.reconnect(this.rng.pick(dropped));
      if (state.sessions.length < this.maxSessions) return this.connect(state.sessions.length);
      if (dropped.length > 0) return this.reconnect(this.rng.pick(dropped));
      if (open.length === 0) return undefined;
    }
    const s = this.rng.pick(open);
    if (r < 0.06) return { kind: 'disconnect', session: s };
    if (r < 0.1) return this.hostile(s);
    const request = this.anyRequest(state);
    const relativeZxid =
      request.op === 'setWatches' || request.op === 'setWatches2'
        ? this.rng.pick(['zero', 'last', 'ahead'] as const)
        : undefined;
    return this.request(s, request, this.rng.chance(0.08), relativeZxid);
  }

  private connect(session: number): Step {
    this.nextXid[session] = 1;
    return { kind: 'connect', session, member: this.rng.int(this.opts.members) };
  }

  private reconnect(session: number): Step {
    return { kind: 'reconnect', session, member: this.rng.int(this.opts.members) };
  }

  private xid(session: number, odd = false): number {
    if (odd) return this.rng.pick(ODD_XIDS);
    const x = this.nextXid[session] ?? 1;
    this.nextXid[session] = x + 1;
    return x;
  }

  private request(session: number, request: Request, oddXid = false, relativeZxid?: RelativeZxid): Step {
    const mayClose = request.op === 'auth' || request.op === 'closeSession';
    return {
      kind: 'request',
      session,
      xid: this.xid(session, oddXid),
      request,
      mayClose,
      ...(relativeZxid ? { relativeZxid } : {}),
    };
  }

  // ---- values ---------------------------------------------------------------------------------

  private path(state: ModelState): string {
    const R = this.root;
    const r = this.rng.next();
    if (r < 0.25 && state.created.length > 0) return this.rng.pick(state.created);
    if (r < 0.8) {
      return this.rng.pick([R, `${R}/a`, `${R}/b`, `${R}/a/c`, `${R}/a/c/d`, `${R}/b/e`, `${R}/q`, `${R}/t`]);
    }
    return this.rng.pick([
      '',
      'a',
      '/',
      '/zookeeper',
      '/zookeeper/quota',
      '/zookeeper/config',
      `${R}/`,
      `${R}//x`,
      `${R}/./x`,
      `${R}/../x`,
      `${R}/a\u0000b`,
      `${R}/\u0001x`,
      `${R}/\u007fx`,
      `${R}/\ufff0x`,
      `${R}/missing/x`,
    ]);
  }

  /** Paths writes may touch: never the global nodes a later sequence depends on, except to fail. */
  private writePath(state: ModelState): string {
    const p = this.path(state);
    if (p === '/' || p.startsWith('/zookeeper/')) return this.rng.chance(0.5) ? `${this.root}/a` : p;
    return p;
  }

  private data(): Buffer | null {
    const r = this.rng.next();
    if (r < 0.1) return null;
    if (r < 0.2) return Buffer.alloc(0);
    if (r < 0.23) return Buffer.alloc(this.rng.between(1000, 5000), this.rng.int(256));
    const b = Buffer.alloc(this.rng.between(1, 12));
    for (let i = 0; i < b.length; i++) b[i] = this.rng.int(256);
    return b;
  }

  private version(): number {
    return this.rng.pick([-1, -1, 0, 0, 1, 2, 5, -2, 0x7fffffff]);
  }

  private acl(): ACL[] {
    return this.rng.pick(ACL_POOL);
  }

  private flags(): number {
    return this.rng.pick([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, -1]);
  }

  private create(path: string, flags: number, acl: ACL[], op: 'create' | 'create2' = 'create'): Request {
    return { op, path, data: Buffer.from('x'), acl, flags };
  }

  private createLike(state: ModelState, topLevel: boolean): Extract<Request, { op: 'create' }> {
    const op = this.rng.pick(['create', 'create', 'create2', 'createContainer', 'createTTL'] as const);
    const base = { op, path: this.writePath(state), data: this.data(), acl: this.acl(), flags: this.flags() };
    if (op === 'createContainer' && this.rng.chance(0.7)) base.flags = 4;
    if (op !== 'createTTL') return base as Extract<Request, { op: 'create' }>;
    if (this.rng.chance(0.6)) base.flags = this.rng.pick([5, 6]);
    let ttl = this.rng.pick([1000, 60_000, 0, -5, 2 ** 40, 2 ** 40 - 1]);
    // A top-level createTTL with non-TTL flags and a negative ttl stops Apache 3.8.0 (see
    // allowed-differences.ts, 'createttl-negative-ttl'): never sent to it; inside multi it is fine.
    if (topLevel && ttl < 0 && base.flags >= 0 && base.flags <= 4) ttl = 1000;
    return { ...base, ttl } as unknown as Extract<Request, { op: 'create' }>;
  }

  private subWrite(state: ModelState): MultiSubRequest {
    const r = this.rng.next();
    if (r < 0.4) return this.createLike(state, false);
    if (r < 0.6) return { op: 'delete', path: this.writePath(state), version: this.version() };
    if (r < 0.8)
      return { op: 'setData', path: this.writePath(state), data: this.data(), version: this.version() };
    return { op: 'check', path: this.path(state), version: this.version() };
  }

  private subRead(state: ModelState): MultiSubRequest {
    return {
      op: this.rng.pick(['getData', 'getChildren'] as const),
      path: this.path(state),
      watch: this.rng.chance(0.3),
    };
  }

  private watchPaths(state: ModelState): string[] {
    return Array.from({ length: this.rng.int(3) }, () => this.path(state));
  }

  private anyRequest(state: ModelState): Request {
    const watch = this.rng.chance(0.4);
    const choice = this.rng.int(30);
    switch (choice) {
      case 0:
      case 1:
      case 2:
      case 3:
        return this.createLike(state, true);
      case 4:
      case 5:
        return { op: 'delete', path: this.writePath(state), version: this.version() };
      case 6:
        return { op: 'exists', path: this.path(state), watch };
      case 7:
      case 8:
        return { op: 'getData', path: this.path(state), watch };
      case 9:
        return { op: this.rng.pick(['getChildren', 'getChildren2'] as const), path: this.path(state), watch };
      case 10:
      case 11:
        return { op: 'setData', path: this.writePath(state), data: this.data(), version: this.version() };
      case 12:
        return { op: 'getACL', path: this.path(state) };
      case 13: {
        const path = this.writePath(state);
        return {
          op: 'setACL',
          path: path === '/' ? `${this.root}/a` : path,
          acl: this.acl(),
          version: this.version(),
        };
      }
      case 14:
        return { op: 'sync', path: this.path(state) };
      case 15:
        // A top-level check stops a 3.8.0 ensemble from serving (allowed-differences.ts,
        // 'top-level-check-in-ensemble'); standalone, it is applied and left unanswered.
        if (this.opts.members > 1) return { op: 'exists', path: this.path(state), watch: false };
        return { op: 'check', path: this.path(state), version: this.version() };
      case 16:
      case 17: {
        const ops = Array.from({ length: this.rng.int(5) }, () => this.subWrite(state));
        if (this.rng.chance(0.05)) ops.push(this.subRead(state));
        return { op: 'multi', ops };
      }
      case 18: {
        const ops = Array.from({ length: this.rng.int(5) }, () => this.subRead(state));
        if (this.rng.chance(0.05)) ops.push(this.subWrite(state));
        return { op: 'multiRead', ops };
      }
      case 19:
        return {
          op: this.rng.pick(['getAllChildrenNumber', 'getEphemerals'] as const),
          path: this.path(state),
        };
      case 20:
        return { op: 'addWatch', path: this.path(state), mode: this.rng.pick([0, 1, 1, 2, -1]) };
      case 21:
        return {
          op: this.rng.pick(['removeWatches', 'checkWatches'] as const),
          path: this.path(state),
          type: this.rng.pick([1, 2, 3, 3, 0, 9]),
        };
      case 22:
      case 23: {
        const [scheme, auth] = this.rng.pick(AUTH_POOL);
        return { op: 'auth', type: 0, scheme, auth: Buffer.from(auth) };
      }
      case 24:
        return { op: 'whoAmI' };
      case 25:
        return { op: 'ping' };
      case 26:
        return {
          op: this.rng.pick(['setWatches', 'setWatches2'] as const),
          relativeZxid: 0,
          dataWatches: this.watchPaths(state),
          existWatches: this.watchPaths(state),
          childWatches: this.watchPaths(state),
          persistentWatches: this.watchPaths(state),
          persistentRecursiveWatches: this.watchPaths(state),
        };
      case 27:
        return {
          op: 'reconfig',
          joiningServers: null,
          leavingServers: null,
          newMembers: null,
          curConfigId: -1,
        };
      case 28:
        return { op: 'closeSession' };
      default:
        return { op: 'getChildren2', path: this.path(state), watch };
    }
  }

  /** Bytes no library sends. Each is the last thing its connection does unless the server answers. */
  private hostile(s: number): Step {
    const xid = this.xid(s);
    const header = (type: number, body: (w: JuteWriter) => void = () => undefined): Buffer => {
      const w = new JuteWriter(64);
      w.int(xid).int(type);
      body(w);
      return w.toFrame();
    };
    const choice = this.rng.int(10);
    switch (choice) {
      case 9: {
        // a well-formed request over jute.maxbuffer (1 MiB - 1): the server drops the connection
        const data = Buffer.alloc(0x100000 + this.rng.int(4096), 0x61);
        const bytes = encodeRequest(xid, { op: 'setData', path: `${this.root}/a`, data, version: -1 });
        return { kind: 'raw', session: s, xid, label: `setData of ${data.length} bytes`, bytes };
      }
      case 0:
        return {
          kind: 'raw',
          session: s,
          xid,
          label: 'unknown opcode',
          bytes: header(this.rng.pick([10, 999, 23, 108, -12])),
        };
      case 1: {
        // a valid request cut short inside its body, re-framed with the shorter length
        const full = encodeRequest(xid, {
          op: 'setData',
          path: `${this.root}/a`,
          data: Buffer.from('abc'),
          version: -1,
        });
        const cut = this.rng.between(9, full.length - 5);
        const body = full.subarray(4, 4 + cut);
        const frame = Buffer.alloc(4 + body.length);
        frame.writeInt32BE(body.length, 0);
        body.copy(frame, 4);
        return {
          kind: 'raw',
          session: s,
          xid,
          label: `truncated setData (${cut} of ${full.length - 4} bytes)`,
          bytes: frame,
        };
      }
      case 2:
        return {
          kind: 'raw',
          session: s,
          xid,
          label: 'string length past the end',
          bytes: header(4, (w) => w.int(1000)),
        };
      case 3: {
        const b = Buffer.alloc(8);
        b.writeInt32BE(this.rng.pick([0x100000 + 1, 0x7fffffff, -1, -100]), 0);
        return { kind: 'raw', session: s, label: 'bad frame length', bytes: b };
      }
      case 4: {
        const full = encodeRequest(xid, { op: 'getData', path: `${this.root}/a`, watch: false });
        return {
          kind: 'raw',
          session: s,
          xid,
          label: 'incomplete frame',
          bytes: full.subarray(0, full.length - 3),
          incomplete: true,
        };
      }
      case 5:
        return {
          kind: 'raw',
          session: s,
          xid,
          label: 'sasl',
          bytes: header(102, (w) => w.buffer(Buffer.from('token'))),
        };
      case 6:
        return {
          kind: 'raw',
          session: s,
          xid,
          label: 'deleteContainer',
          bytes: header(20, (w) => w.ustring(`${this.root}/a`)),
        };
      case 7:
        return { kind: 'raw', session: s, xid, label: 'createSession on a session', bytes: header(-10) };
      default:
        return {
          kind: 'raw',
          session: s,
          xid,
          label: 'auth without a body',
          bytes: header(100, (w) => w.int(0)),
        };
    }
  }
}

function indices(sessions: ModelState['sessions'], status: string): number[] {
  const out: number[] = [];
  sessions.forEach((s, i) => {
    if (s === status) out.push(i);
  });
  return out;
}
