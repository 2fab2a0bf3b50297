/**
 * Splits a child's output into lines and prefixes each with the child's name, so the output of
 * eight processes reads as one log (`[course-enrollment-1] ...`). Partial lines wait for the rest.
 */
export class LinePrefixer {
  private pending = '';

  constructor(
    private readonly prefix: string,
    private readonly emit: (line: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.pending + chunk.toString();
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.emit(`${this.prefix} ${line.replace(/\r$/, '')}`);
  }

  flush(): void {
    if (this.pending !== '') this.emit(`${this.prefix} ${this.pending}`);
    this.pending = '';
  }
}

const COLORS = [36, 32, 33, 35, 34, 96, 92, 93, 95, 94];

/** `[name]`, coloured when writing to a terminal. */
export function prefixOf(name: string, index: number, color: boolean): string {
  const tag = `[${name}]`;
  return color ? `\x1b[${COLORS[index % COLORS.length]}m${tag}\x1b[0m` : tag;
}
