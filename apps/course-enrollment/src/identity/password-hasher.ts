/**
 * Password hashing with scrypt (node:crypto; memory-hard, no native addon). The cost parameters are
 * stored in each hash, so raising the cost later keeps old hashes verifiable.
 * Format: `scrypt$<log2 N>$<r>$<p>$<salt b64url>$<key b64url>`.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  // scrypt needs 128 * N * r bytes; Node's default cap (32 MiB) is below OWASP's N=2^17, r=8.
  const opts: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, opts, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export class PasswordHasher {
  /** @param logN log2 of scrypt's N (OWASP: 17 with r=8, p=1). Tests lower it for speed. */
  constructor(private readonly logN = 17) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, this.logN, 8, 1);
    return ['scrypt', this.logN, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
    const [logN, r, p] = parts.slice(1, 4).map(Number);
    if (![logN, r, p].every((n) => Number.isInteger(n) && n > 0) || logN > 22) return false;
    const expected = Buffer.from(parts[5], 'base64url');
    const actual = await derive(password, Buffer.from(parts[4], 'base64url'), logN, r, p);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  /**
   * Spends the same time as a real verification, for logins naming an unknown account (so response
   * time does not reveal which emails have accounts).
   */
  async burn(password: string): Promise<void> {
    await derive(password, Buffer.alloc(16), this.logN, 8, 1);
  }
}
