// A one-line progress bar on stderr for import and export, drawn only when stdout is a terminal.

/** Where the bar draws; a narrow slice of a writable stream. */
export interface ProgressSink {
  write(text: string): unknown;
}

/** Renders `[#####-----] done/total label` at a fixed bar width. */
export function renderProgress(done: number, total: number, label: string, barWidth = 30): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const filled = Math.round(share * barWidth);
  const percent = Math.floor(share * 100);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${percent}% ${done}/${total} ${label}`;
}

/** Counts work done and redraws the line in place; a disabled bar draws nothing. */
export class ProgressBar {
  private done = 0;
  private lastLine = '';

  constructor(
    private readonly sink: ProgressSink | undefined,
    private readonly total: number,
    private readonly label: string,
  ) {}

  /** Adds `count` finished items and redraws when the line changed. */
  advance(count = 1): void {
    this.done += count;
    this.draw();
  }

  /** Draws the final state and moves to a fresh line. */
  finish(): void {
    if (this.sink === undefined) return;
    this.draw();
    this.sink.write('\n');
  }

  private draw(): void {
    if (this.sink === undefined) return;
    const line = renderProgress(this.done, this.total, this.label);
    if (line === this.lastLine) return;
    this.lastLine = line;
    this.sink.write(`\r${line}\x1b[K`);
  }
}

/** The bar's sink for this process: stderr when stdout is a terminal, else none. */
export function progressSinkForTerminal(stdout: { isTTY?: boolean }, stderr: ProgressSink): ProgressSink | undefined {
  return stdout.isTTY === true ? stderr : undefined;
}
