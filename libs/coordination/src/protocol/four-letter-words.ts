/**
 * ZooKeeper's "four letter words": a new connection whose first 4 bytes spell one of these ASCII
 * commands gets a plain-text answer instead of a session (reference §1.1). A real ConnectRequest
 * starts with its length (e.g. 00 00 00 2d), and a length made of four lowercase letters would be
 * far above the 1 MiB frame limit, so the two never clash.
 */

/** The commands ZooKeeper 3.8 recognises (whether each is whitelisted is the server's policy). */
export const FOUR_LETTER_WORDS = [
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
] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

const WORDS: ReadonlySet<string> = new Set(FOUR_LETTER_WORDS);

/**
 * The command spelled by the first 4 bytes of a connection, or null (also null when fewer than
 * 4 bytes have arrived: the caller should wait for more before deciding).
 * @example
 *   detectFourLetterWord(Buffer.from('ruok')); // 'ruok'
 */
export function detectFourLetterWord(firstBytes: Buffer): FourLetterWord | null {
  if (firstBytes.length < 4) return null;
  const word = firstBytes.toString('latin1', 0, 4);
  return WORDS.has(word) ? (word as FourLetterWord) : null;
}
