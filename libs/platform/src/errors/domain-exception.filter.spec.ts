import { BadRequestException } from '@nestjs/common';
import { ConnectionLossError, SessionExpiredError } from '@registrar/coordination';
import { describe, expect, it } from 'vitest';
import { ConflictError, PreconditionFailedError, ServiceUnavailableError } from './domain-errors.js';
import { mapError } from './domain-exception.filter.js';

describe('mapError', () => {
  it('maps a domain error with its extra fields and headers', () => {
    const m = mapError(
      new PreconditionFailedError('stale version', { current: { version: 4 } }, { ETag: '"4"' }),
    );
    expect(m.status).toBe(412);
    expect(m.body).toEqual({
      statusCode: 412,
      error: 'Precondition Failed',
      message: 'stale version',
      current: { version: 4 },
    });
    expect(m.headers).toEqual({ ETag: '"4"' });
  });

  it('keeps the status and message fields authoritative over extra fields', () => {
    const m = mapError(new ConflictError('full', { statusCode: 200, message: 'x' }));
    expect(m.body.statusCode).toBe(409);
    expect(m.body.message).toBe('full');
  });

  it('joins validation messages and keeps them as details', () => {
    const m = mapError(
      new BadRequestException({ message: ['a must be a string', 'property b should not exist'] }),
    );
    expect(m.status).toBe(400);
    expect(m.body.message).toBe('a must be a string; property b should not exist');
    expect(m.body['details']).toHaveLength(2);
  });

  it("says a body that is not JSON is malformed JSON, keeping the parser's position", () => {
    let parseError: SyntaxError;
    try {
      JSON.parse('{bad');
      throw new Error('unreachable');
    } catch (e) {
      parseError = e as SyntaxError;
    }
    // What Nest's express adapter makes of body-parser's error.
    const m = mapError(new BadRequestException(parseError.message, { cause: parseError }));
    expect(m.status).toBe(400);
    expect(m.body.message).toBe(`malformed JSON body: ${parseError.message}`);
    expect(m.body.message).toMatch(/position 1/);
    // Any other 400 keeps its message as it is.
    expect(mapError(new BadRequestException('page must be a number')).body.message).toBe(
      'page must be a number',
    );
  });

  it('turns coordinator loss and expiry into a retryable 503', () => {
    for (const err of [new ConnectionLossError(), new SessionExpiredError()]) {
      const m = mapError(err);
      expect(m.status).toBe(503);
      expect(m.body['retryable']).toBe(true);
      expect(m.headers['Retry-After']).toBe('1');
    }
    expect(mapError(new ServiceUnavailableError('fenced')).body['retryable']).toBe(true);
  });

  it('hides unexpected errors behind a 500', () => {
    const m = mapError(new Error('secret detail'));
    expect(m.status).toBe(500);
    expect(JSON.stringify(m.body)).not.toContain('secret');
  });
});
