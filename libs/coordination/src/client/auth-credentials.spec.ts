import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/constants.js';
import { AuthFailedError, SessionExpiredError } from '../protocol/errors.js';
import { decodeRequest } from '../protocol/request-codec.js';
import { AuthCredentials } from './auth-credentials.js';

/** Scheme and auth text of each auth frame. */
function decoded(frames: Buffer[]): string[] {
  return frames.map((f) => {
    const { header, request } = decodeRequest(f.subarray(4));
    expect(header.xid).toBe(-4);
    const r = request as { scheme: string; auth: Buffer };
    return `${r.scheme}:${r.auth.toString()}`;
  });
}

describe('AuthCredentials', () => {
  it('presents every credential on each new connection, in the order added', async () => {
    const creds = new AuthCredentials([{ scheme: 'digest', auth: 'a:1' }]);
    const added = creds.add({ scheme: 'digest', auth: Buffer.from('b:2') }, undefined);
    expect(decoded(creds.handshakeFrames())).toEqual(['digest:a:1', 'digest:b:2']);
    expect(decoded(creds.handshakeFrames())).toEqual(['digest:a:1', 'digest:b:2']);
    // The second one's caller hears the first answer to it (answers come in order).
    expect(creds.answer(0)).toBe(true);
    expect(creds.answer(0)).toBe(true);
    await expect(added).resolves.toBeUndefined();
  });

  it('sends a credential added on a usable connection at once, and settles it with its answer', async () => {
    const creds = new AuthCredentials([]);
    const sent: Buffer[] = [];
    const added = creds.add({ scheme: 'digest', auth: 'u:p' }, (f) => sent.push(f));
    expect(decoded(sent)).toEqual(['digest:u:p']);
    expect(creds.answer(0)).toBe(true);
    await expect(added).resolves.toBeUndefined();
  });

  it('forgets a rejected credential and rejects its caller with AuthFailed', async () => {
    const creds = new AuthCredentials([{ scheme: 'digest', auth: 'good' }]);
    creds.handshakeFrames();
    expect(creds.answer(0)).toBe(true);
    const added = creds.add({ scheme: 'digest', auth: 'bad' }, () => undefined);
    expect(creds.answer(ErrorCode.AUTHFAILED)).toBe(false);
    await expect(added).rejects.toBeInstanceOf(AuthFailedError);
    expect(decoded(creds.handshakeFrames())).toEqual(['digest:good']);
  });

  it('after a lost connection the next answers belong to the next handshake', () => {
    const creds = new AuthCredentials([{ scheme: 'a', auth: '1' }]);
    const added = creds.add({ scheme: 'b', auth: '2' }, undefined);
    creds.handshakeFrames();
    creds.connectionLost();
    creds.handshakeFrames();
    // A rejection now refers to 'a' (first of the new handshake), which is forgotten.
    expect(creds.answer(ErrorCode.AUTHFAILED)).toBe(false);
    expect(decoded(creds.handshakeFrames())).toEqual(['b:2']);
    void added.catch(() => undefined);
  });

  it('rejects callers still waiting when the session ends', async () => {
    const creds = new AuthCredentials([]);
    const added = creds.add({ scheme: 'digest', auth: 'u:p' }, undefined);
    creds.rejectWaiters(() => new SessionExpiredError());
    await expect(added).rejects.toBeInstanceOf(SessionExpiredError);
  });
});
