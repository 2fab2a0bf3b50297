import { describe, expect, it } from 'vitest';
import { ErrorCode } from './constants.js';
import {
  BadVersionError,
  CoordinationError,
  FrameTooLargeError,
  MarshallingError,
  NoNodeError,
  NotEmptyError,
  SessionExpiredError,
  errorFromCode,
  isCoordinationError,
} from './errors.js';

describe('errors', () => {
  it("formats messages like ZooKeeper's KeeperException", () => {
    expect(new NoNodeError('/a').message).toBe('KeeperErrorCode = NoNode for /a');
    expect(new NotEmptyError('/b').message).toBe('KeeperErrorCode = Directory not empty for /b');
    expect(new SessionExpiredError().message).toBe('KeeperErrorCode = Session expired');
    expect(new MarshallingError(undefined, { detail: 'short', xid: 3 }).message).toBe(
      'KeeperErrorCode = MarshallingError: short',
    );
  });

  it('carries code, path, xid and a class name', () => {
    const e = new BadVersionError('/v', { xid: 9 });
    expect(e).toBeInstanceOf(CoordinationError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(-103);
    expect(e.path).toBe('/v');
    expect(e.xid).toBe(9);
    expect(e.name).toBe('BadVersionError');
  });

  it('errorFromCode gives a distinct typed class for every non-OK code in ErrorCode', () => {
    const seen = new Set<Function>();
    for (const [name, code] of Object.entries(ErrorCode)) {
      if (code === 0) continue;
      const e = errorFromCode(code, '/p');
      expect(e.code, name).toBe(code);
      expect(e.path).toBe('/p');
      expect(e.constructor, name).not.toBe(CoordinationError);
      expect(e.message).not.toContain('Unknown error');
      seen.add(e.constructor);
    }
    expect(seen.size).toBe(Object.keys(ErrorCode).length - 1);
    expect(errorFromCode(-101)).toBeInstanceOf(NoNodeError);
  });

  it('keeps unknown codes as a plain CoordinationError', () => {
    const e = errorFromCode(-9999);
    expect(e.constructor).toBe(CoordinationError);
    expect(e.code).toBe(-9999);
    expect(e.message).toBe('KeeperErrorCode = Unknown error UNKNOWN(-9999)');
  });

  it('FrameTooLargeError is a MarshallingError carrying the length', () => {
    const e = new FrameTooLargeError(2_000_000, 1_048_575);
    expect(e).toBeInstanceOf(MarshallingError);
    expect(e.code).toBe(ErrorCode.MARSHALLINGERROR);
    expect(e.length).toBe(2_000_000);
    expect(isCoordinationError(e, ErrorCode.MARSHALLINGERROR)).toBe(true);
    expect(isCoordinationError(e, ErrorCode.NONODE)).toBe(false);
    expect(isCoordinationError(new Error('x'))).toBe(false);
  });
});
