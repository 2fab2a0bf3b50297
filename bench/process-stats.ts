/**
 * CPU time and peak resident memory of a server process, read from /proc (Linux): utime+stime
 * from /proc/<pid>/stat and VmHWM (the kernel's own high-water mark of RSS) from /proc/<pid>/status.
 */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface ProcessSample {
  cpuMs: number;
  rssBytes: number;
  peakRssBytes: number;
}

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return {
      cpuMs: ((utime + stime) * 1000) / CLOCK_TICKS,
      rssBytes: kb('VmRSS'),
      peakRssBytes: kb('VmHWM'),
    };
  } catch {
    return undefined;
  }
}

/** CPU used between two samples, and the peak RSS at the second. */
export function delta(before: ProcessSample, after: ProcessSample): ProcessSample {
  return { cpuMs: after.cpuMs - before.cpuMs, rssBytes: after.rssBytes, peakRssBytes: after.peakRssBytes };
}
