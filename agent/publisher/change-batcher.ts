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
  /** A burst (many changes close together, e.g. a bulk copy) waits for this longer quiet window instead. */
  burst?: { quietMs: number; items: number; windowMs: number };
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
  /** Times of the last `burst.items` marks: a burst is when the oldest of them is recent. */
  private readonly recentMarks: number[] = [];

  constructor(private readonly options: ChangeBatcherOptions) {}

  /** Marks paths dirty and (re)starts the quiet window. */
  mark(paths: Iterable<string>): void {
    // Only newly dirty paths count towards a burst: one save raises several events for the same path.
    let count = 0;
    for (const path of paths) {
      if (!this.dirty.has(path)) count += 1;
      this.dirty.set(path, ++this.generation);
    }
    if (this.dirty.size === 0) return;
    const now = this.options.now();
    this.firstDirtyAt ??= now;
    const waited = now - this.firstDirtyAt;
    const full = this.dirty.size >= this.options.maxItems || waited >= this.options.maxDelayMs;
    this.schedule(full ? 0 : Math.min(this.quietWindowMs(now, count), this.options.maxDelayMs - waited));
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

  /** True while `path` waits to be settled. */
  has(path: string): boolean {
    return this.dirty.has(path);
  }

  get size(): number {
    return this.dirty.size;
  }

  /** Cancels the pending flush. */
  stop(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private quietWindowMs(now: number, count: number): number {
    const burst = this.options.burst;
    if (burst === undefined) return this.options.quietMs;
    for (let i = 0; i < Math.min(count, burst.items); i += 1) this.recentMarks.push(now);
    if (this.recentMarks.length > burst.items) this.recentMarks.splice(0, this.recentMarks.length - burst.items);
    const oldest = this.recentMarks[0] ?? now;
    const inBurst = this.recentMarks.length >= burst.items && now - oldest <= burst.windowMs;
    return inBurst ? Math.max(this.options.quietMs, burst.quietMs) : this.options.quietMs;
  }

  private schedule(delayMs: number): void {
    this.stop();
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      this.options.onFlush();
    }, Math.max(0, delayMs));
  }
}
