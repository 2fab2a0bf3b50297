/**
 * The session's credentials (addauth). Every connection presents all of them right after the
 * ConnectRequest; the server answers each with an xid -4 reply, in order, so the ones in flight are
 * a FIFO. A rejected credential ends the session (the server closes the connection after
 * AUTHFAILED) and is forgotten; an accepted one settles the caller of `addAuth`, if it waits.
 */
import { errorFromCode } from '../protocol/errors.js';
import { encodeRequest } from '../protocol/request-codec.js';
import type { AuthInfo } from './client-types.js';

/** xid of auth packets. */
const AUTH_XID = -4;

interface Credential {
  scheme: string;
  auth: Buffer;
  /** The addAuth call waiting for the first answer, if any. */
  waiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
}

/**
 * @example
 *   const creds = new AuthCredentials([{ scheme: 'digest', auth: 'u:p' }]);
 *   frames.push(...creds.handshakeFrames());
 *   // on an xid -4 reply: if (!creds.answer(header.err)) end the session as AUTH_FAILED
 */
export class AuthCredentials {
  private readonly all: Credential[];
  private inFlight: Credential[] = [];

  constructor(initial: readonly AuthInfo[]) {
    this.all = initial.map((a) => ({ scheme: a.scheme, auth: authBytes(a.auth), waiter: undefined }));
  }

  /** Auth frames for a new connection (all credentials, in the order they were added). */
  handshakeFrames(): Buffer[] {
    this.inFlight = [...this.all];
    return this.all.map((c) => authFrame(c));
  }

  /**
   * Adds a credential for this and every later connection; the returned promise settles with the
   * server's first answer to it.
   * @param sendNow called with the frame when it is to go out on the current connection now;
   *   otherwise the next handshake carries it.
   */
  add(info: AuthInfo, sendNow: ((frame: Buffer) => void) | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const credential: Credential = {
        scheme: info.scheme,
        auth: authBytes(info.auth),
        waiter: { resolve, reject },
      };
      this.all.push(credential);
      if (sendNow !== undefined) {
        this.inFlight.push(credential);
        sendNow(authFrame(credential));
      }
    });
  }

  /**
   * The server's answer to the oldest credential in flight. Returns false when it was rejected
   * (the credential is forgotten and its caller rejected; the session is over).
   */
  answer(err: number): boolean {
    const credential = this.inFlight.shift();
    const waiter = credential?.waiter;
    if (credential) credential.waiter = undefined;
    if (err === 0) {
      waiter?.resolve();
      return true;
    }
    if (credential) this.all.splice(this.all.indexOf(credential), 1);
    waiter?.reject(errorFromCode(err));
    return false;
  }

  /** The connection is gone: its answers will never come (the next handshake sends all again). */
  connectionLost(): void {
    this.inFlight = [];
  }

  /** The session is over: every caller still waiting gets `make()`. */
  rejectWaiters(make: () => Error): void {
    for (const c of this.all) {
      c.waiter?.reject(make());
      c.waiter = undefined;
    }
  }
}

function authBytes(auth: Buffer | string): Buffer {
  return typeof auth === 'string' ? Buffer.from(auth, 'utf8') : auth;
}

function authFrame(c: Credential): Buffer {
  return encodeRequest(AUTH_XID, { op: 'auth', type: 0, scheme: c.scheme, auth: c.auth });
}
