/**
 * Progress display for the benchmarks: cli-progress bars on a terminal, one plain line per finished
 * step otherwise. cli-progress 3.12 prints its bars at stop() without their payload and at a stale
 * value when stdout is not a TTY (CI logs, `| tee`), which made the logs read "{label} ███ 70%".
 */
import cliProgress from 'cli-progress';

export interface ProgressBar {
  increment(): void;
  update(value: number): void;
}

export interface Progress {
  /** A bar for one step of `total` units, shown as `label`. */
  create(total: number, label: string): ProgressBar;
  /** A line printed above the bars. */
  log(line: string): void;
  stop(): void;
}

/** `format` may use {bar}, {percentage}, {value}, {total}, {duration} (terminal only). */
export function progress(format = '{label} {bar} {percentage}%'): Progress {
  if (process.stdout.isTTY) {
    const bars = new cliProgress.MultiBar(
      { format, clearOnComplete: false, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    return {
      create: (total, label) => bars.create(total, 0, { label }),
      log: (line) => bars.log(line.endsWith('\n') ? line : `${line}\n`),
      stop: () => bars.stop(),
    };
  }
  return {
    create: (total, label) => lineBar(total, label.trimEnd()),
    log: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
    stop: () => undefined,
  };
}

function lineBar(total: number, label: string): ProgressBar {
  const started = Date.now();
  let value = 0;
  let reported = false;
  const set = (v: number) => {
    value = v;
    if (reported || value < total) return;
    reported = true;
    console.log(`${label}: done (${total}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  return { increment: () => set(value + 1), update: set };
}
