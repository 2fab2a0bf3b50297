import { describe, expect, it } from 'vitest';
import { FOUR_LETTER_WORDS, detectFourLetterWord } from './four-letter-words.js';
import { encodeConnectRequest } from './connect-codec.js';
import { encodeFrame } from './frame-decoder.js';

describe('four letter words', () => {
  it('knows the 17 commands of ZooKeeper 3.8', () => {
    expect([...FOUR_LETTER_WORDS].sort()).toEqual(
      [
        'ruok',
        'srvr',
        'stat',
        'mntr',
        'conf',
        'cons',
        'crst',
        'dump',
        'envi',
        'wchs',
        'wchc',
        'wchp',
        'dirs',
        'isro',
        'gtmk',
        'stmk',
        'srst',
      ].sort(),
    );
  });

  it('detects each word from the first bytes, ignoring what follows', () => {
    for (const w of FOUR_LETTER_WORDS) expect(detectFourLetterWord(Buffer.from(w + '\n'))).toBe(w);
  });

  it('never mistakes a connect frame, an unknown word, or too few bytes', () => {
    const connect = encodeFrame(
      encodeConnectRequest({
        protocolVersion: 0,
        lastZxidSeen: 0,
        timeOut: 30000,
        sessionId: 0n,
        passwd: Buffer.alloc(16),
        readOnly: false,
      }),
    );
    expect(detectFourLetterWord(connect)).toBeNull();
    expect(detectFourLetterWord(Buffer.from('RUOK'))).toBeNull();
    expect(detectFourLetterWord(Buffer.from('abcd'))).toBeNull();
    expect(detectFourLetterWord(Buffer.from('ruo'))).toBeNull();
  });
});
