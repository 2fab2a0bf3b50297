import { connect } from 'node:net';

/**
 * Sends a ZooKeeper four-letter word (`ruok`, `srvr`, `mntr`, ...) to host:port and resolves with the
 * whole plain-text answer; the server closes the connection when it has answered.
 *
 * @example await fourLetterWord(2181, 'ruok') // 'imok'
 */
export function fourLetterWord(
  port: number,
  word: string,
  host = '127.0.0.1',
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${word} to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => socket.write(word));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Parses `mntr` output (`key<TAB>value` lines) into a map. */
export function parseMntr(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) out.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return out;
}

/** Parses `key=value` lines (`conf`, `envi`) into a map; lines without `=` are ignored. */
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}
