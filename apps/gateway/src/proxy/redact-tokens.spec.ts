import { describe, expect, it } from 'vitest';
import { redactTokens } from './redact-tokens.js';

describe('redactTokens', () => {
  it('hides query tokens and leaves other URLs alone', () => {
    expect(redactTokens('/api/students/me/events?access_token=eyJ.a.b&x=1')).toBe(
      '/api/students/me/events?access_token=<redacted>&x=1',
    );
    expect(redactTokens('/api/x?a=1&access_token=t')).toBe('/api/x?a=1&access_token=<redacted>');
    expect(redactTokens('/api/courses?page=2')).toBe('/api/courses?page=2');
  });
});
