// One JSON document in state_dir, read at start and replaced atomically; saves run one at a time, in call order.
// Every state file of the agent (applied record, overrides, publisher journal, published deletes) is one of these.
import { join } from 'node:path';
import { ArtisyncError } from '../../core/errors.js';
import { atomicWrite, type AtomicFs } from '../fs/atomic-write.js';

/** The filesystem calls a state file needs. */
export interface StateFs extends AtomicFs {
  readFile(path: string): Promise<Buffer | string>;
}

/**
 * A versioned document: saved as `{"format": N, ...document}`, and refused on load unless its `format` is N and
 * `isValid` accepts it. Files written before versioning have no format: leave `versioned` out for those.
 */
export interface StateFormat {
  format: number;
  isValid: (document: Record<string, unknown>) => boolean;
}

/** A JSON file under state_dir. */
export class JsonStateFile<T> {
  readonly path: string;
  /** Size of the document the last save wrote. */
  savedBytes = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly fs: StateFs,
    stateDir: string,
    name: string,
    private readonly versioned?: StateFormat,
  ) {
    this.path = join(stateDir, name);
  }

  /** The stored document, or undefined when the file does not exist yet; a corrupt file throws naming it. */
  async load(): Promise<T | undefined> {
    let text: string;
    try {
      text = String(await this.fs.readFile(this.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ArtisyncError('ARTISYNC_STATE_FILE_INVALID', `state file ${this.path} is not valid JSON (${(err as Error).message}); move it away to start afresh`, { subject: this.path, cause: err });
    }
    if (this.versioned === undefined) return parsed as T;
    const { format, isValid } = this.versioned;
    const document = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    if (document?.format !== format || !isValid(document)) {
      throw new ArtisyncError('ARTISYNC_STATE_FILE_INVALID', `state file ${this.path} is not in format ${format}; move it away to start afresh`, { subject: this.path });
    }
    const { format: _format, ...rest } = document;
    return rest as T;
  }

  /** Writes the document now (after any save in progress); resolves once it is on disk. */
  save(value: T): Promise<void> {
    const data = Buffer.from(JSON.stringify(this.versioned === undefined ? value : { format: this.versioned.format, ...value }));
    this.savedBytes = data.length;
    const next = this.chain.then(() => atomicWrite(this.fs, this.path, data));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Waits for every save in flight. */
  async flush(): Promise<void> {
    await this.chain;
  }
}
