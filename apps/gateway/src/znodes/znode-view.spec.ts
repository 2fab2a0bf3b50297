import { describe, expect, it } from 'vitest';
import { encodeData, pathProblem, znodeView } from './znode-view.js';

describe('znode view', () => {
  it('shows text as utf8 and binary as base64', () => {
    expect(encodeData(Buffer.from('{"a":"é"}\n'))).toEqual({
      encoding: 'utf8',
      value: '{"a":"é"}\n',
      length: 11,
    });
    expect(encodeData(Buffer.from([0, 1, 2, 255]))).toEqual({
      encoding: 'base64',
      value: 'AAEC/w==',
      length: 4,
    });
    expect(encodeData(Buffer.from([0xc3]))).toMatchObject({ encoding: 'base64' }); // truncated UTF-8
  });

  it('prints zxids in hex and names the ephemeral owner', () => {
    const v = znodeView(
      '/registrar/services/x/1',
      Buffer.alloc(0),
      {
        czxid: 0x100000005,
        mzxid: 0x100000006,
        pzxid: 0x100000005,
        ctime: 0,
        mtime: 1000,
        version: 1,
        cversion: 0,
        aversion: 0,
        ephemeralOwner: 0x1234n,
        dataLength: 0,
        numChildren: 0,
      },
      ['b', 'a'],
    );
    expect(v.stat.czxid).toBe('0x100000005');
    expect(v.ephemeralOwner).toBe('0x1234');
    expect(v.children).toEqual(['a', 'b']);
    expect(v.stat.mtime).toBe('1970-01-01T00:00:01.000Z');
  });

  it('validates paths', () => {
    expect(pathProblem('/')).toBeNull();
    expect(pathProblem('/registrar/services')).toBeNull();
    expect(pathProblem('registrar')).toMatch(/start/);
    expect(pathProblem('/a/')).toMatch(/end/);
    expect(pathProblem('/a//b')).toMatch(/empty/);
    expect(pathProblem('/a/../b')).toMatch(/relative/);
  });
});
