// The applied record's journal: one JSON line per save of what changed, appended and flushed with one fsync, so a
// changeset's intent is durable without replacing a whole file (temp, fsync, rename, folder fsync) per changeset.
import { dirname } from 'node:path';
import { atomicWrite, syncFolder, type WritableHandle } from '../fs/atomic-write.js';
import type { AppliedEntry } from './applied-record.js';
import type { StateFs } from './json-state-file.js';

/** Changed entries by path; null: the entry was dropped. */
export type JournalDelta = Record<string, AppliedEntry | null>;

/** One journal line: `seq` orders it after the full record (applied.json names the last line it includes). */
export interface JournalLine {
  seq: number;
  entries: JournalDelta;
}

/** What loading found: the lines after the full record, and whether the file ends in a torn line. */
export interface JournalContents {
  lines: JournalLine[];
  /** An append cut short (a crash before its fsync): nothing after it was acted on, but nothing may follow it either. */
  torn: boolean;
}

/**
 * An append-only file of JSON lines. Appending after a torn line would hide every later line from the next load, so
 * after a torn load or a failed append the owner rewrites the file whole (`rewrite`) before appending again.
 */
export class AppliedJournal {
  private handle: WritableHandle | undefined;
  private exists = false;
  /** Bytes appended since the file was last emptied or rewritten. */
  bytes = 0;
  /** True when the file may end in a partial line: the next write must be a rewrite. */
  needsRewrite = false;

  constructor(private readonly fs: StateFs, readonly path: string) {}

  /** The lines with seq above `after`, in file order, up to the first line that does not parse. */
  async load(after: number): Promise<JournalContents> {
    let text: string;
    try {
      text = String(await this.fs.readFile(this.path));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], torn: false };
      throw err;
    }
    this.exists = true;
    this.bytes = Buffer.byteLength(text);
    const lines: JournalLine[] = [];
    const parts = text.split('\n');
    // The text after the last newline is an append that never finished (or nothing).
    const torn = (parts.pop() ?? '') !== '';
    for (const part of parts) {
      const line = parseLine(part);
      if (line === undefined) {
        this.needsRewrite = true;
        return { lines, torn: true };
      }
      if (line.seq > after) lines.push(line);
    }
    this.needsRewrite = torn;
    return { lines, torn };
  }

  /** Appends one line and fsyncs it; a failure leaves the file for a rewrite. */
  async append(line: JournalLine): Promise<void> {
    const text = `${JSON.stringify(line)}\n`;
    try {
      if (this.handle === undefined) {
        this.handle = await this.fs.open(this.path, 'a', 0o644);
        // A new file's name is in its folder, which the file's own fsync does not flush.
        if (!this.exists) await syncFolder(this.fs, dirname(this.path));
        this.exists = true;
      }
      await this.handle.writeFile(Buffer.from(text));
      await this.handle.sync();
    } catch (err) {
      this.needsRewrite = true;
      await this.close().catch(() => undefined);
      throw err;
    }
    this.bytes += Buffer.byteLength(text);
  }

  /** Replaces the file with `line` alone (or nothing), atomically: after a torn line, and when the record is saved whole. */
  async rewrite(line: JournalLine | undefined): Promise<void> {
    await this.close();
    const text = line === undefined ? '' : `${JSON.stringify(line)}\n`;
    await atomicWrite(this.fs, this.path, Buffer.from(text));
    this.exists = true;
    this.needsRewrite = false;
    this.bytes = Buffer.byteLength(text);
  }

  /** Closes the append handle (reopened by the next append). */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

function parseLine(text: string): JournalLine | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<JournalLine> | null;
    if (typeof parsed?.seq !== 'number' || typeof parsed.entries !== 'object' || parsed.entries === null) return undefined;
    return { seq: parsed.seq, entries: parsed.entries };
  } catch {
    return undefined;
  }
}
