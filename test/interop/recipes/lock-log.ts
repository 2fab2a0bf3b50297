/**
 * The shared lock log: every holder appends "enter <token> <who>" after acquiring and
 * "exit <token> <who>" before releasing, with O_APPEND (one write per line, so lines from several
 * processes never interleave mid-line). Replaying the file in order finds any two holders at once.
 */
import { appendFileSync, readFileSync } from 'node:fs';

/** Appends one line with O_APPEND (flag 'a'). */
export function appendLockLog(file: string, kind: 'enter' | 'exit', token: number, who: string): void {
  appendFileSync(file, `${kind} ${token} ${who}\n`, { flag: 'a' });
}

export interface LockLogReport {
  enters: number;
  exits: number;
  /** Lines where somebody entered while another holder was inside, or exited what it did not hold. */
  overlaps: string[];
  /** Enters whose token was not greater than the previous enter's. */
  nonIncreasing: string[];
  /** Holder names seen, with their enter counts. */
  byWho: Record<string, number>;
  /** How often consecutive holders were different processes' clients (proof of real contention). */
  handOffsBetweenWhos: number;
}

/** Replays a lock log (text) and reports overlaps and token order. */
export function checkLockLog(text: string): LockLogReport {
  const report: LockLogReport = {
    enters: 0,
    exits: 0,
    overlaps: [],
    nonIncreasing: [],
    byWho: {},
    handOffsBetweenWhos: 0,
  };
  let inside: { token: number; who: string } | undefined;
  let lastToken = -Infinity;
  let lastWho: string | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [kind, tokenText, who = ''] = line.split(' ');
    const token = Number(tokenText);
    if (kind === 'enter') {
      report.enters++;
      report.byWho[who] = (report.byWho[who] ?? 0) + 1;
      if (inside !== undefined) report.overlaps.push(`${line} while ${inside.who} holds ${inside.token}`);
      if (!(token > lastToken)) report.nonIncreasing.push(`${line} after token ${lastToken}`);
      if (lastWho !== undefined && lastWho !== who) report.handOffsBetweenWhos++;
      inside = { token, who };
      lastToken = token;
      lastWho = who;
    } else if (kind === 'exit') {
      report.exits++;
      if (inside === undefined || inside.token !== token || inside.who !== who) {
        report.overlaps.push(`${line} but holder is ${inside ? `${inside.who} ${inside.token}` : 'nobody'}`);
      }
      inside = undefined;
    } else {
      throw new Error(`bad lock log line: ${line}`);
    }
  }
  return report;
}

/** Reads and checks a lock log file. */
export function checkLockLogFile(file: string): LockLogReport {
  return checkLockLog(readFileSync(file, 'utf8'));
}
