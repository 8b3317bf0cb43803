// One JSON document in state_dir, read at start and replaced atomically; saves run one at a time, in call order.
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
    const text = JSON.stringify(value);
    const next = this.chain.then(() => atomicWrite(this.fs, this.path, Buffer.from(text)));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Waits for every save in flight. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
