/**
 * Which signing keys exist and are published, decided from their ages alone (pure, so the rotation
 * rules have specs). A key signs from its creation until a newer key exists; it stays published
 * until every token it can have signed has expired.
 */
export interface KeyAges {
  kid: string;
  createdAtMs: number;
  retiresAtMs: number;
}

export interface KeyPlan {
  /** A new key must be made now. */
  mint: boolean;
  /** Keys to delete (retired). */
  retire: string[];
}

export function planKeys(keys: readonly KeyAges[], nowMs: number, rotationMs: number): KeyPlan {
  const live = keys.filter((k) => k.retiresAtMs > nowMs);
  const newest = live.reduce<KeyAges | undefined>(
    (a, k) => (a === undefined || k.createdAtMs > a.createdAtMs ? k : a),
    undefined,
  );
  return {
    mint: newest === undefined || nowMs - newest.createdAtMs >= rotationMs,
    retire: keys.filter((k) => k.retiresAtMs <= nowMs).map((k) => k.kid),
  };
}

/**
 * Retirement time of a key created at `createdAtMs`: it may sign for up to one rotation period plus
 * one refresh period (instances reload keys periodically), and what it signed lives `ttlMs` longer.
 */
export function retirementOf(
  createdAtMs: number,
  rotationMs: number,
  refreshMs: number,
  ttlMs: number,
): number {
  return createdAtMs + rotationMs + refreshMs + ttlMs;
}

/** The key to sign with: the newest live one. */
export function signingKeyOf<K extends KeyAges>(keys: readonly K[], nowMs: number): K | undefined {
  return keys
    .filter((k) => k.retiresAtMs > nowMs && k.createdAtMs <= nowMs)
    .reduce<K | undefined>((a, k) => (a === undefined || k.createdAtMs > a.createdAtMs ? k : a), undefined);
}
