// What this node's gateway wrote: path → {label, version, sha256}; the truth for telling its own writes from a person's.
import type { BackgroundFailures } from '../background-failures.js';
import { join } from 'node:path';
import { AppliedJournal } from './applied-journal.js';
import { JsonStateFile, type StateFs } from './json-state-file.js';

const SAVE_JOB = 'applied-record-save';

/** One path as the gateway last left it; sha256 null means the gateway removed it. */
export interface AppliedEntry {
  label: string;
  version: number;
  sha256: string | null;
  /** Content before a changeset in flight: a crash between record and rename leaves either on disk, both ours. */
  priorSha256?: string | null;
}

interface AppliedDocument {
  entries: Record<string, AppliedEntry>;
  /** Files found at first start that the hub lacked: left in place, not overrides. path → sha256. */
  extras: Record<string, string>;
  /** The last journal line this file includes; lines up to it are skipped on load. */
  journalSeq?: number;
}

/** The journal is folded into applied.json once it is this large, or larger than applied.json itself. */
const COMPACT_FROM_BYTES = 64 * 1024;

/**
 * The applied record, persisted as state_dir/applied.json (everything, rewritten now and then) plus
 * state_dir/applied-journal.jsonl (one line per save of what changed since the one before, appended and fsynced before
 * every rename), so a changeset costs one append and one fsync, never a rewrite of the whole record.
 */
export class AppliedRecord {
  /** Every change since the last full save: what a rewrite of the journal holds. */
  private readonly unsaved = new Map<string, AppliedEntry | null>();
  /** Changes not in the journal yet. */
  private readonly unjournaled = new Map<string, AppliedEntry | null>();
  /** Set by a change that must reach the disk soon; a commit (dropping a prior) can wait for the next write. */
  private urgent = false;
  private seq = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failures: BackgroundFailures | undefined;

  private constructor(
    private readonly file: JsonStateFile<AppliedDocument>,
    private readonly journal: AppliedJournal,
    private readonly entries: Map<string, AppliedEntry>,
    readonly extras: Map<string, string>,
    /** False on a first start (no record saved yet): the hub is the truth. */
    public existed: boolean,
  ) {}

  /**
   * Loads the record and replays its journal over it (and the whole-file journal of earlier versions); empty when none
   * exists. A journal ending in a torn line is rewritten whole before anything is appended to it.
   */
  static async load(fs: StateFs, stateDir: string): Promise<AppliedRecord> {
    const file = new JsonStateFile<AppliedDocument>(fs, stateDir, 'applied.json');
    const legacy = new JsonStateFile<Record<string, AppliedEntry>>(fs, stateDir, 'applied-journal.json');
    const journal = new AppliedJournal(fs, join(stateDir, 'applied-journal.jsonl'));
    const doc = await file.load();
    const record = new AppliedRecord(file, journal, new Map(Object.entries(doc?.entries ?? {})), new Map(Object.entries(doc?.extras ?? {})), doc !== undefined);
    record.seq = doc?.journalSeq ?? 0;
    const older = await legacy.load();
    const { lines } = await journal.load(record.seq);
    for (const delta of [older ?? {}, ...lines.map((line) => line.entries)]) {
      for (const [path, entry] of Object.entries(delta)) record.put(path, entry, false);
    }
    record.seq = Math.max(record.seq, ...lines.map((line) => line.seq));
    record.unjournaled.clear();
    if (older !== undefined) journal.needsRewrite = true;
    if (journal.needsRewrite) await record.writeJournal();
    if (older !== undefined) await fs.rm(legacy.path, { force: true });
    return record;
  }

  get(path: string): AppliedEntry | undefined {
    return this.entries.get(path);
  }

  /** Records what a changeset is about to leave at `path`, remembering the current content as prior. */
  stage(path: string, label: string, version: number, sha256: string | null): void {
    const current = this.entries.get(path);
    this.put(path, { label, version, sha256, priorSha256: current?.sha256 ?? null });
  }

  /** Puts back the entry `stage` replaced (undefined: there was none), for a path whose rename was called off. */
  unstage(path: string, previous: AppliedEntry | undefined): void {
    if (previous !== undefined) {
      this.put(path, previous);
      return;
    }
    this.put(path, null);
  }

  /** Sets an entry with no prior (the disk already holds it). */
  set(path: string, entry: AppliedEntry): void {
    const known = this.entries.get(path);
    if (known !== undefined && known.label === entry.label && known.version === entry.version && known.sha256 === entry.sha256 && known.priorSha256 === undefined) return;
    this.put(path, { label: entry.label, version: entry.version, sha256: entry.sha256 });
  }

  /** Forgets the prior content of every entry once a changeset is on disk. */
  commit(paths: Iterable<string>): void {
    for (const path of paths) {
      const entry = this.entries.get(path);
      // Not urgent: until it is written, a crash only leaves the prior content counted as the gateway's own too.
      if (entry?.priorSha256 !== undefined) this.put(path, { label: entry.label, version: entry.version, sha256: entry.sha256 }, false);
    }
  }

  /** True when `sha256` (null: no file) is what the gateway wrote (or was about to replace) at `path`. */
  isOwn(path: string, sha256: string | null): boolean {
    const entry = this.entries.get(path);
    if (entry === undefined) return false;
    return entry.sha256 === sha256 || (entry.priorSha256 !== undefined && entry.priorSha256 === sha256);
  }

  /** Every path with an entry, live or removed. */
  paths(): string[] {
    return [...this.entries.keys()];
  }

  /** Live entries (the gateway's files) of one label, path → sha256. */
  liveOf(label: string): Map<string, string> {
    const live = new Map<string, string>();
    for (const [path, entry] of this.entries) if (entry.label === label && entry.sha256 !== null) live.set(path, entry.sha256);
    return live;
  }

  /** Makes every change so far durable (one journal append): call before renaming a changeset into place. */
  saveIntent(): Promise<void> {
    return this.enqueue(() => this.writeJournal());
  }

  /** Persists the whole record now and empties the journal of what it now holds. */
  save(): Promise<void> {
    this.cancelSoon();
    this.existed = true;
    return this.enqueue(() => this.compact());
  }

  /** Where a failed background save is reported (no one waits for it, so it would otherwise go unseen). */
  reportFailuresTo(failures: BackgroundFailures): void {
    this.failures = failures;
  }

  /**
   * Makes urgent changes durable within `delayMs` (a journal append), coalescing calls; the journal is folded into
   * applied.json once it outgrows it, so loading stays proportional to the record.
   */
  saveSoon(delayMs = 1_000): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const compacting = this.journal.bytes >= Math.max(COMPACT_FROM_BYTES, this.file.savedBytes);
      if (!compacting && !this.urgent) return;
      void this.enqueue(() => (compacting ? this.compact() : this.writeJournal())).then(
        () => this.failures?.ok(SAVE_JOB, 'applied.json'),
        // Kept in memory and tried again with the next save; the journal still holds every change since the last one.
        (err: unknown) => this.failures?.fail(SAVE_JOB, 'applied.json', err, 'cannot save applied.json; will try again with the next change'),
      );
    }, delayMs);
    this.timer.unref();
  }

  /** Writes the whole record if anything changed, and waits for every write. */
  async flush(): Promise<void> {
    if (this.unsaved.size > 0 || this.timer !== undefined) await this.save();
    await this.chain;
    await this.journal.close();
  }

  private put(path: string, entry: AppliedEntry | null, urgent = true): void {
    if (entry === null) this.entries.delete(path);
    else this.entries.set(path, entry);
    this.unsaved.set(path, entry);
    this.unjournaled.set(path, entry);
    if (urgent) this.urgent = true;
  }

  /** Appends what the journal lacks, or rewrites it whole (every change since the full save) after a torn line. */
  private async writeJournal(): Promise<void> {
    if (this.unjournaled.size === 0 && !this.journal.needsRewrite) return;
    const rewrite = this.journal.needsRewrite;
    const written = new Map(rewrite ? this.unsaved : this.unjournaled);
    this.seq += 1;
    const line = { seq: this.seq, entries: Object.fromEntries(written) };
    if (rewrite) await this.journal.rewrite(line);
    else await this.journal.append(line);
    this.urgent = false;
    for (const [path, entry] of written) if (this.unjournaled.get(path) === entry) this.unjournaled.delete(path);
  }

  private async compact(): Promise<void> {
    const included = new Map(this.unsaved);
    await this.file.save({ entries: Object.fromEntries(this.entries), extras: Object.fromEntries(this.extras), journalSeq: this.seq });
    this.urgent = false;
    for (const [path, entry] of included) {
      if (this.unsaved.get(path) !== entry) continue;
      this.unsaved.delete(path);
      this.unjournaled.delete(path);
    }
    // Lines up to journalSeq are skipped on load, so a crash before this rewrite loses nothing.
    await this.journal.rewrite(this.unsaved.size === 0 ? undefined : { seq: ++this.seq, entries: Object.fromEntries(this.unsaved) });
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const next = this.chain.then(write);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private cancelSoon(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
