// The publisher's journal in state_dir: paths not yet confirmed by the hub and the heads it knows, written atomically.
import { posix } from 'node:path';
import { syncFolder } from '../fs/atomic-write.js';

/** What survives an agent restart. */
export interface JournalState {
  /** Paths whose disk state the hub has not confirmed yet; re-read from disk when sent. */
  pending: string[];
  /** label → path → [version, sha256] of the hub heads this publisher knows. */
  known: Record<string, Record<string, [number, string]>>;
  /** label → paths whose deletes the mass-deletion guard holds, so a restart does not release them. */
  held?: Record<string, string[]>;
}

/** The fs calls the journal makes (node:fs/promises and memfs both fit). */
export interface JournalFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  open(path: string, flags: string): Promise<{ writeFile(data: string): Promise<void>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
}

const FILE_NAME = 'publisher-journal.json';
const FORMAT = 1;

/** Loads and saves the journal; saves are serialised and each one is temp + fsync + rename, so a crash leaves old or new. */
export class PendingJournal {
  private readonly file: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly fs: JournalFs, stateDir: string) {
    this.file = posix.join(stateDir, FILE_NAME);
  }

  /** The saved state, or an empty one when there is none yet; a corrupt file throws naming it. */
  async load(): Promise<JournalState> {
    let text: string;
    try {
      text = await this.fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { pending: [], known: {} };
      throw err;
    }
    const parsed = JSON.parse(text) as Partial<JournalState> & { format?: number };
    if (parsed.format !== FORMAT || !Array.isArray(parsed.pending) || typeof parsed.known !== 'object' || parsed.known === null) {
      throw new Error(`publisher journal ${this.file} is not in format ${FORMAT}; move it away to start afresh`);
    }
    return { pending: parsed.pending, known: parsed.known, ...(parsed.held === undefined ? {} : { held: parsed.held }) };
  }

  /** Writes `state` atomically; resolves once it is durable. */
  save(state: JournalState): Promise<void> {
    const text = JSON.stringify({ format: FORMAT, ...state });
    const next = this.chain.then(() => this.write(text));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async write(text: string): Promise<void> {
    await this.fs.mkdir(posix.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    const handle = await this.fs.open(temp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.fs.rename(temp, this.file);
    await syncFolder(this.fs, posix.dirname(this.file));
  }
}
