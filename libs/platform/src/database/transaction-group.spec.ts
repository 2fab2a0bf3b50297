/**
 * TransactionGroup on a real SQLite file: units that arrive while a transaction runs share the
 * next one; a unit that throws leaves no trace and does not take the others down; nothing
 * resolves before its commit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransactionGroup } from './transaction-group.js';

let dir: string;
let ds: DataSource;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'registrar-txgroup-'));
  ds = await new DataSource({
    type: 'sqlite',
    database: join(dir, 'g.sqlite'),
    enableWAL: true,
  }).initialize();
  await ds.query('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL CHECK (v >= 0))');
});

afterAll(async () => {
  await ds.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const insert = (k: string, v: number) => (em: import('typeorm').EntityManager) =>
  em.query('INSERT INTO t (k, v) VALUES (?, ?)', [k, v]).then(() => k);

async function rows(prefix: string): Promise<string[]> {
  const r: Array<{ k: string }> = await ds.query('SELECT k FROM t WHERE k LIKE ? ORDER BY k', [`${prefix}%`]);
  return r.map((x) => x.k);
}

describe('TransactionGroup', () => {
  it('units queued behind a running transaction commit together in the next one', async () => {
    const txns: number[] = [];
    const g = new TransactionGroup(ds, { onTransaction: ({ units }) => txns.push(units) });
    const first = g.run('a', insert('g1-a', 1));
    // Queued while the first transaction runs.
    const rest = ['b', 'c', 'd', 'e'].map((k) => g.run(k, insert(`g1-${k}`, 1)));
    expect(await Promise.all([first, ...rest])).toEqual(['g1-a', 'g1-b', 'g1-c', 'g1-d', 'g1-e']);
    expect(txns).toEqual([1, 4]);
    expect(await rows('g1-')).toEqual(['g1-a', 'g1-b', 'g1-c', 'g1-d', 'g1-e']);
  });

  it('a unit that throws is rolled back alone; the others in its transaction commit', async () => {
    const txns: number[] = [];
    const g = new TransactionGroup(ds, { onTransaction: ({ units }) => txns.push(units) });
    const warmup = g.run('0', insert('g2-0', 1));
    const ok1 = g.run('1', insert('g2-1', 1));
    // Writes a row, then violates the CHECK: its row must not survive.
    const bad = g.run('2', async (em) => {
      await em.query('INSERT INTO t (k, v) VALUES (?, ?)', ['g2-2', 1]);
      await em.query('INSERT INTO t (k, v) VALUES (?, ?)', ['g2-2b', -1]);
    });
    const ok3 = g.run('3', insert('g2-3', 1));
    await warmup;
    await expect(bad).rejects.toThrow(/CHECK constraint failed/);
    expect(await Promise.all([ok1, ok3])).toEqual(['g2-1', 'g2-3']);
    expect(txns).toEqual([1, 3]);
    expect(await rows('g2-')).toEqual(['g2-0', 'g2-1', 'g2-3']);
  });

  it('runs a group in key order, keeping arrival order within a key', async () => {
    const order: string[] = [];
    const g = new TransactionGroup(ds);
    const unit = (tag: string) => async () => void order.push(tag);
    const warmup = g.run('m', unit('warmup'));
    await Promise.all([
      warmup,
      g.run('z', unit('z1')),
      g.run('a', unit('a1')),
      g.run('z', unit('z2')),
      g.run('a', unit('a2')),
    ]);
    expect(order).toEqual(['warmup', 'a1', 'a2', 'z1', 'z2']);
  });

  it('resolves a unit only after its transaction committed (its write is visible to another connection)', async () => {
    const g = new TransactionGroup(ds);
    const other = await new DataSource({ type: 'sqlite', database: join(dir, 'g.sqlite') }).initialize();
    try {
      await g.run('x', insert('g4-x', 1));
      const seen: Array<{ k: string }> = await other.query('SELECT k FROM t WHERE k = ?', ['g4-x']);
      expect(seen).toEqual([{ k: 'g4-x' }]);
    } finally {
      await other.destroy();
    }
  });
});
