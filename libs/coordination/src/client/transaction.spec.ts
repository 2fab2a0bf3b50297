import { describe, expect, it } from 'vitest';
import { CreateFlags, ErrorCode } from '../protocol/constants.js';
import { BadArgumentsError } from '../protocol/errors.js';
import type { Op, OpResult } from './client-types.js';
import { Transaction, TransactionError, createRequestShape } from './transaction.js';

describe('createRequestShape', () => {
  it('maps every mode to its opcode and flags', () => {
    expect(createRequestShape('persistent', undefined, '/a')).toEqual({
      op: 'create2',
      flags: CreateFlags.PERSISTENT,
    });
    expect(createRequestShape('ephemeral_sequential', undefined, '/a')).toEqual({
      op: 'create2',
      flags: CreateFlags.EPHEMERAL_SEQUENTIAL,
    });
    expect(createRequestShape('container', undefined, '/a')).toEqual({
      op: 'createContainer',
      flags: CreateFlags.CONTAINER,
    });
    expect(createRequestShape('ttl', 10, '/a')).toEqual({
      op: 'createTTL',
      flags: CreateFlags.PERSISTENT_WITH_TTL,
    });
    expect(createRequestShape('persistent_sequential_ttl', 10, '/a')).toEqual({
      op: 'createTTL',
      flags: CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL,
    });
  });
  it('demands a ttl exactly for the ttl modes', () => {
    expect(() => createRequestShape('ttl', undefined, '/a')).toThrow(BadArgumentsError);
    expect(() => createRequestShape('ttl', 0, '/a')).toThrow(BadArgumentsError);
    expect(() => createRequestShape('persistent', 5, '/a')).toThrow(BadArgumentsError);
  });
});

describe('TransactionError', () => {
  it('carries the failing op code, index and path', () => {
    const ops: Op[] = [
      { type: 'create', path: '/a' },
      { type: 'delete', path: '/b' },
      { type: 'check', path: '/c', version: 1 },
    ];
    const e = new TransactionError(
      [
        { type: 'error', code: 0 },
        { type: 'error', code: ErrorCode.NONODE },
        { type: 'error', code: ErrorCode.RUNTIMEINCONSISTENCY },
      ],
      ops,
    );
    expect(e.code).toBe(ErrorCode.NONODE);
    expect(e.failedIndex).toBe(1);
    expect(e.path).toBe('/b');
  });
});

describe('Transaction builder', () => {
  it('collects ops in order with defaults and commits them through the runner', async () => {
    let seen: Op[] = [];
    const runner = { multi: async (ops: Op[]): Promise<OpResult[]> => ((seen = ops), []) };
    await new Transaction(runner)
      .create('/a', 'x', { mode: 'ephemeral' })
      .delete('/b')
      .setData('/c', 'y')
      .check('/d', 2)
      .commit();
    expect(seen).toEqual([
      { type: 'create', path: '/a', data: 'x', mode: 'ephemeral', acl: undefined, ttl: undefined },
      { type: 'delete', path: '/b', version: -1 },
      { type: 'setData', path: '/c', data: 'y', version: -1 },
      { type: 'check', path: '/d', version: 2 },
    ]);
  });
});
