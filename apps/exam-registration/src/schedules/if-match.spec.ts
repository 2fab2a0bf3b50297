import { describe, expect, it } from 'vitest';
import { ifNoneMatchHits, parseIfMatch, PreconditionRequiredError, scheduleEtag } from './if-match.js';

describe('If-Match / If-None-Match', () => {
  it('parses quoted, bare and weak versions', () => {
    expect(parseIfMatch('"7"')).toBe(7);
    expect(parseIfMatch('7')).toBe(7);
    expect(parseIfMatch('W/"7"')).toBe(7);
  });
  it('refuses garbage with 400 and a missing header with 428', () => {
    for (const bad of ['abc', '"-1"', '"1.5"', '*', '"7", "8"'])
      expect(() => parseIfMatch(bad)).toThrow(/If-Match must be/);
    expect(() => parseIfMatch(undefined)).toThrow(PreconditionRequiredError);
  });
  it('matches If-None-Match lists', () => {
    expect(scheduleEtag(3)).toBe('"3"');
    expect(ifNoneMatchHits('"2", "3"', 3)).toBe(true);
    expect(ifNoneMatchHits('W/"3"', 3)).toBe(true);
    expect(ifNoneMatchHits('"4"', 3)).toBe(false);
    expect(ifNoneMatchHits(undefined, 3)).toBe(false);
  });
});
