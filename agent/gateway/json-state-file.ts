// One JSON document in state_dir, read at start and replaced atomically; saves run one at a time, latest wins.
import { join } from 'node:path';
import { atomicWrite, type AtomicFs } from '../fs/atomic-write.js';

/** The filesystem calls a state file needs. */
export interface StateFs extends AtomicFs {
  readFile(path: string): Promise<Buffer | string>;
}

/** A JSON file under state_dir. */
export class JsonStateFile<T> {
  readonly path: string;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private pending: (() => T) | undefined;

  constructor(
    private readonly fs: StateFs,
    stateDir: string,
    name: string,
  ) {
    this.path = join(stateDir, name);
  }

  /** The stored document, or undefined when the file does not exist yet. */
  async load(): Promise<T | undefined> {
    let text: string;
    try {
      text = String(await this.fs.readFile(this.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return JSON.parse(text) as T;
  }

  /** Writes the document now (after any save in progress); resolves once it is on disk. */
  save(value: T): Promise<void> {
    this.cancelSoon();
    const text = JSON.stringify(value);
    const next = this.chain.then(() => atomicWrite(this.fs, this.path, Buffer.from(text)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Saves `produce()` within `delayMs`, coalescing calls; used where losing the last few ms is harmless. */
  saveSoon(produce: () => T, delayMs = 500): void {
    this.pending = produce;
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const current = this.pending;
      this.pending = undefined;
      if (current !== undefined) void this.save(current()).catch(() => undefined);
    }, delayMs);
    this.timer.unref();
  }

  /** Writes any coalesced save now and waits for every save in flight. */
  async flush(): Promise<void> {
    const current = this.pending;
    this.cancelSoon();
    if (current !== undefined) await this.save(current());
    await this.chain;
  }

  private cancelSoon(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}
