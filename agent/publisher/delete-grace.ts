// Delete grace: a path found missing is deleted only once it has stayed missing for delete_delay_ms, so a file
// replaced by `rm` then a write travels as one put and is never missing on a gateway.

/** What the grace needs: its delay and how to look at a path again. */
export interface DeleteGraceDeps {
  delayMs: number;
  /** Marks a path dirty again once its grace is over. */
  recheck(path: string): void;
}

/** Paths seen missing and the time each was first seen so. */
export class DeleteGrace {
  private readonly missing = new Map<string, { since: number; timer: NodeJS.Timeout }>();

  constructor(private readonly deps: DeleteGraceDeps) {}

  /** True when `path`, missing now, has been missing long enough; otherwise starts (or keeps) waiting for it. */
  isDue(path: string, now: number): boolean {
    if (this.deps.delayMs === 0) return true;
    const waiting = this.missing.get(path);
    if (waiting !== undefined && now - waiting.since >= this.deps.delayMs) {
      this.missing.delete(path);
      return true;
    }
    if (waiting === undefined) {
      const timer = setTimeout(() => this.deps.recheck(path), this.deps.delayMs);
      this.missing.set(path, { since: now, timer });
    }
    return false;
  }

  /** The path is back (or its delete was settled otherwise): its wait ends. */
  clear(path: string): void {
    const waiting = this.missing.get(path);
    if (waiting === undefined) return;
    clearTimeout(waiting.timer);
    this.missing.delete(path);
  }

  /** True while `path` waits out its grace. */
  has(path: string): boolean {
    return this.missing.has(path);
  }

  /** Paths waiting out their grace. */
  paths(): IterableIterator<string> {
    return this.missing.keys();
  }

  /** Cancels every wait. */
  stop(): void {
    for (const { timer } of this.missing.values()) clearTimeout(timer);
    this.missing.clear();
  }
}
