import { describe, expect, it } from 'vitest';
import { PasswordHasher } from './password-hasher.js';

describe('PasswordHasher (scrypt)', () => {
  const hasher = new PasswordHasher(10);

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hasher.hash('correct horse');
    expect(await hasher.verify('correct horse', stored)).toBe(true);
    expect(await hasher.verify('correct horsE', stored)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hasher.hash('same')).not.toBe(await hasher.hash('same'));
  });

  it('stores its cost, so a hash made at another cost still verifies', async () => {
    const stored = await new PasswordHasher(11).hash('pw');
    expect(stored.split('$').slice(0, 4)).toEqual(['scrypt', '11', '8', '1']);
    expect(await hasher.verify('pw', stored)).toBe(true);
  });

  it('treats the unicode forms of one password as equal (NFKC)', async () => {
    const stored = await hasher.hash('caf\u00e9');
    expect(await hasher.verify('cafe\u0301', stored)).toBe(true);
  });

  it('refuses malformed or absurd stored hashes without throwing', async () => {
    for (const bad of ['', 'bcrypt$x', 'scrypt$99$8$1$AA$AA', 'scrypt$10$8$1$AA']) {
      expect(await hasher.verify('pw', bad)).toBe(false);
    }
  });
});
