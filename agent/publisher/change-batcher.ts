// Collects dirty paths and flushes them once no new change arrived for quiet_ms (or at once when the batch is full).

/** A dirty path and the generation it had when taken, so a change seen meanwhile is not settled by mistake. */
export interface TakenPath {
  path: string;
  generation: number;
}

/** Timer functions, injected so tests drive time. */
export interface BatcherTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of a ChangeBatcher. */
export interface ChangeBatcherOptions {
  quietMs: number;
  /** A batch this large flushes without waiting for quiet, so a long burst still moves. */
  maxItems: number;
  /** Longest a dirty path waits while changes keep arriving. */
  maxDelayMs: number;
  timers: BatcherTimers;
  now: () => number;
  onFlush: () => void;
}

/** The set of paths whose disk state the hub has not confirmed yet; last state wins since paths are read at flush. */
export class ChangeBatcher {
  private readonly dirty = new Map<string, number>();
  private generation = 0;
  private timer: unknown;
  private firstDirtyAt: number | undefined;

  constructor(private readonly options: ChangeBatcherOptions) {}

  /** Marks paths dirty and (re)starts the quiet window. */
  mark(paths: Iterable<string>): void {
    for (const path of paths) this.dirty.set(path, ++this.generation);
    if (this.dirty.size === 0) return;
    this.firstDirtyAt ??= this.options.now();
    const waited = this.options.now() - this.firstDirtyAt;
    const full = this.dirty.size >= this.options.maxItems || waited >= this.options.maxDelayMs;
    this.schedule(full ? 0 : Math.min(this.options.quietMs, this.options.maxDelayMs - waited));
  }

  /** Starts a flush soon without marking anything, e.g. to retry after a backoff. */
  kick(delayMs = 0): void {
    if (this.dirty.size > 0) this.schedule(delayMs);
  }

  /** Up to `maxItems` dirty paths, oldest first; they stay dirty until settled. */
  take(maxItems: number): TakenPath[] {
    const taken: TakenPath[] = [];
    for (const [path, generation] of this.dirty) {
      if (taken.length >= maxItems) break;
      taken.push({ path, generation });
    }
    this.firstDirtyAt = this.dirty.size > taken.length ? this.firstDirtyAt : undefined;
    return taken;
  }

  /** Removes a path handled at `generation`, unless it changed again since it was taken. */
  settle(taken: TakenPath): void {
    if (this.dirty.get(taken.path) === taken.generation) this.dirty.delete(taken.path);
    if (this.dirty.size === 0) this.firstDirtyAt = undefined;
  }

  /** Every dirty path, for the pending journal. */
  paths(): string[] {
    return [...this.dirty.keys()];
  }

  get size(): number {
    return this.dirty.size;
  }

  /** Cancels the pending flush. */
  stop(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    this.stop();
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      this.options.onFlush();
    }, Math.max(0, delayMs));
  }
}
